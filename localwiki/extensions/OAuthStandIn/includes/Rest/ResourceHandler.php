<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * GET /rest.php/oauth2/resource/profile  (Authorization: Bearer ACCESS_TOKEN)
 *   200 {"sub": <user id>, "username", "editcount", "confirmed_email", "email_verified",
 *        "blocked", "registered", "groups", "rights", "grants"[, "realname", "email"]}
 * GET /rest.php/oauth2/resource/scopes   200 {"scopes": [the client's grants]}
 * A missing, unknown, expired or revoked token: 401 {"error": "access_denied", ...}.
 */

namespace MediaWiki\Extension\OAuthStandIn\Rest;

use MediaWiki\Extension\OAuthStandIn\OAuthError;
use MediaWiki\Extension\OAuthStandIn\Protocol;
use MediaWiki\Extension\OAuthStandIn\Store;
use Throwable;
use User;
use Wikimedia\ParamValidator\ParamValidator;

class ResourceHandler extends BaseHandler {
	public function getParamSettings() {
		return [
			'type' => [
				self::PARAM_SOURCE => 'path',
				ParamValidator::PARAM_TYPE => [ 'profile', 'scopes' ],
				ParamValidator::PARAM_REQUIRED => true,
			],
		];
	}

	protected function htmlErrors(): bool {
		return false;
	}

	public function execute() {
		try {
			$token = $this->verifyToken();
			$client = Store::get()->getClient( $token['client_key'] );
			if ( $client === null ) {
				throw OAuthError::accessDenied( 'Access token could not be verified' );
			}
			if ( $this->getValidatedParams()['type'] === 'scopes' ) {
				return $this->json( [ 'scopes' => $client['grants'] ] );
			}
			$user = User::newFromId( (int)$token['user_id'] );
			if ( !$user->isRegistered() ) {
				throw OAuthError::accessDenied( 'Access token could not be verified' );
			}
			return $this->json( Protocol::profile( $user, $token['scopes'] ) );
		} catch ( OAuthError $error ) {
			return $this->errorResponse( $error );
		} catch ( Throwable $error ) {
			return $this->errorResponse( OAuthError::serverError( $error->getMessage() ) );
		}
	}

	private function verifyToken(): array {
		$header = $this->getRequest()->getHeaderLine( 'Authorization' );
		if ( $header === '' ) {
			throw OAuthError::accessDenied( 'Missing "Authorization" header' );
		}
		$token = trim( (string)preg_replace( '/^\s*Bearer\s/', '', $header ) );
		$row = $token === '' ? null : Store::get()->getToken( $token, 'access' );
		if ( $row === null || $row['expires'] < time() ) {
			throw OAuthError::accessDenied( 'Access token could not be verified' );
		}
		if ( $row['revoked'] ) {
			throw OAuthError::accessDenied( 'Access token has been revoked' );
		}
		return $row;
	}
}
