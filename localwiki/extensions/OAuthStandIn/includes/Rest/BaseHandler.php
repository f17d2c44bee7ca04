<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * Common ground of the three REST handlers: no read/write permission checks (access is
 * decided by OAuth itself, as in the real extension) and league-shaped error responses.
 */

namespace MediaWiki\Extension\OAuthStandIn\Rest;

use MediaWiki\Extension\OAuthStandIn\OAuthError;
use MediaWiki\Extension\OAuthStandIn\Protocol;
use MediaWiki\Rest\Handler;
use MediaWiki\Rest\Response;
use MediaWiki\Rest\StringStream;

abstract class BaseHandler extends Handler {
	public function needsReadAccess() {
		return false;
	}

	public function needsWriteAccess() {
		return false;
	}

	/** JSON with league's headers (no caching). */
	protected function json( array $data, int $status = 200 ): Response {
		$response = $this->getResponseFactory()->create();
		$response->setStatus( $status );
		$response->setHeader( 'Content-Type', 'application/json; charset=UTF-8' );
		$response->setHeader( 'Cache-Control', 'no-store' );
		$response->setHeader( 'Pragma', 'no-cache' );
		$response->setBody( new StringStream( json_encode( $data, JSON_UNESCAPED_SLASHES ) ) );
		return $response;
	}

	protected function redirect( string $target, int $status = 302 ): Response {
		$response = $this->getResponseFactory()->create();
		$response->setStatus( $status );
		$response->setHeader( 'Location', $target );
		$response->setHeader( 'Cache-Control', 'no-store' );
		return $response;
	}

	/**
	 * The real extension's errorResponse(): a redirect when the error carries one, JSON for
	 * POST requests, else an HTML error page with the error's status.
	 */
	protected function errorResponse( OAuthError $error ): Response {
		$target = $error->redirectTarget();
		if ( $target !== null ) {
			return $this->redirect( $target );
		}
		if ( $this->getRequest()->getMethod() === 'POST' || !$this->htmlErrors() ) {
			$response = $this->json( $error->payload(), $error->status );
			if ( $error->type === 'invalid_client' &&
				stripos( $this->getRequest()->getHeaderLine( 'Authorization' ), 'Basic' ) === 0
			) {
				$response->setHeader( 'WWW-Authenticate', 'Basic realm="OAuth"' );
			}
			return $response;
		}
		$response = $this->getResponseFactory()->create();
		$response->setStatus( $error->status );
		$response->setHeader( 'Content-Type', 'text/html; charset=UTF-8' );
		$response->setBody( new StringStream( Protocol::errorPageHtml( $error ) ) );
		return $response;
	}

	/** Whether a GET error is shown to a person (HTML) rather than to a program (JSON). */
	protected function htmlErrors(): bool {
		return true;
	}
}
