<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * GET /rest.php/oauth2/authorize?response_type=code&client_id=...[&redirect_uri=...]
 *     [&scope=...][&state=...][&code_challenge=...&code_challenge_method=S256|plain]
 *
 * As in the real extension: an anonymous user is sent (307) to Special:UserLogin, which
 * returns through Special:OAuth/rest_redirect; a logged-in user is sent (307) to the
 * approval dialog Special:OAuth/approve, whose Allow/Cancel come back here with
 * approval_pass=1 / approval_cancel=1. With approval_pass and a stored approval the user
 * is sent (302) to redirect_uri?code=...&state=...; Cancel sends (302) to
 * redirect_uri?error=unauthorized_client&error_description=...&message=...
 * A bad client or redirect URI gives an HTML error page (401/400), never a redirect.
 */

namespace MediaWiki\Extension\OAuthStandIn\Rest;

use MediaWiki\Extension\OAuthStandIn\OAuthError;
use MediaWiki\Extension\OAuthStandIn\Protocol;
use MediaWiki\Extension\OAuthStandIn\Store;
use RequestContext;
use SpecialPage;
use Throwable;

class AuthorizeHandler extends BaseHandler {
	public function execute() {
		$query = $this->getRequest()->getQueryParams();
		unset( $query['title'] );
		try {
			$auth = Protocol::parseAuthorizeRequest( $query );
			$user = RequestContext::getMain()->getUser();
			if ( !$user->isRegistered() ) {
				return $this->loginRedirect( $query );
			}
			if ( Protocol::param( $query, 'approval_cancel' ) !== null ) {
				throw OAuthError::approvalDenied( $auth['target'] );
			}
			$clientKey = $auth['client']['client_key'];
			$approved = Store::get()->getApproval( $user->getId(), $clientKey );
			if ( Protocol::param( $query, 'approval_pass' ) !== null && $approved !== null &&
				!array_diff( $auth['scopes'], $approved )
			) {
				$code = Store::get()->createCode( $clientKey, $user->getId(), $auth['redirect_uri'],
					$auth['scopes'], $auth['challenge'], $auth['method'], Protocol::CODE_TTL );
				return $this->redirect( Protocol::appendQuery( $auth['target'],
					[ 'code' => $code, 'state' => $auth['state'] ] ) );
			}
			return $this->approvalRedirect( $query, $auth );
		} catch ( OAuthError $error ) {
			return $this->errorResponse( $error );
		} catch ( Throwable $error ) {
			return $this->errorResponse( OAuthError::serverError( $error->getMessage() ) );
		}
	}

	private function ownPath(): string {
		return $this->getRequest()->getUri()->getPath();
	}

	private function loginRedirect( array $query ) {
		$query['rest_url'] = $this->ownPath();
		$target = SpecialPage::getTitleFor( 'Userlogin' )->getFullURL( [
			'returnto' => SpecialPage::getTitleFor( 'OAuth', 'rest_redirect' )->getPrefixedText(),
			'returntoquery' => wfArrayToCgi( $query ),
		] );
		return $this->redirect( $target, 307 );
	}

	private function approvalRedirect( array $query, array $auth ) {
		unset( $query['approval_pass'], $query['approval_cancel'] );
		$target = SpecialPage::getTitleFor( 'OAuth', 'approve' )->getFullURL( [
			'returnto' => $this->ownPath(),
			'returntoquery' => wfArrayToCgi( $query ),
			'client_id' => $auth['client']['client_key'],
			'oauth_version' => 2,
			'scope' => implode( ' ', $auth['scopes'] ),
		] );
		return $this->redirect( $target, 307 );
	}
}
