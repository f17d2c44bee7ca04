<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * Special:OAuth, with the two OAuth 2 subpages the real extension's REST flow uses:
 *  - Special:OAuth/approve?returnto=...&returntoquery=...&client_id=...&oauth_version=2&scope=...
 *    the approval dialog. "Allow" and "Cancel" POST back here with the user's CSRF token
 *    (wpEditToken); Allow stores the approval and both return to the REST authorize
 *    endpoint with approval_pass=1 or approval_cancel=1 added to its query. A user who
 *    already allowed an authentication-only client is sent back at once (no prompt).
 *  - Special:OAuth/rest_redirect?rest_url=/rest.php/oauth2/authorize&...
 *    where Special:UserLogin returns to: redirects to rest_url with the other parameters.
 */

namespace MediaWiki\Extension\OAuthStandIn;

use Html;
use UnlistedSpecialPage;

class SpecialOAuth extends UnlistedSpecialPage {
	public function __construct() {
		parent::__construct( 'OAuth' );
	}

	public function doesWrites() {
		return true;
	}

	public function execute( $subPage ) {
		$this->setHeaders();
		$out = $this->getOutput();
		$out->disallowUserJs();
		try {
			switch ( $subPage ) {
				case 'approve':
					$this->approve();
					break;
				case 'rest_redirect':
					$this->restRedirect();
					break;
				default:
					$out->addWikiMsg( 'oauthstandin-no-subpage' );
			}
		} catch ( OAuthError $error ) {
			$out->setStatusCode( $error->status );
			$out->showErrorPage( 'oauthstandin-error', 'rawmessage', [ $error->type . ': ' .
				$error->getMessage() . ( $error->hint !== null ? " ({$error->hint})" : '' ) ] );
		}
	}

	/** The REST authorize endpoint's path ("/rest.php/oauth2/authorize"). */
	private function authorizePath(): string {
		return $this->getConfig()->get( 'RestPath' ) . '/oauth2/authorize';
	}

	private function restRedirect(): void {
		$query = $this->getRequest()->getQueryValues();
		$restUrl = $query['rest_url'] ?? '';
		unset( $query['title'], $query['rest_url'] );
		if ( $restUrl !== $this->authorizePath() ) {
			throw OAuthError::invalidRequest( 'rest_url' );
		}
		$this->getOutput()->redirect( wfAppendQuery( wfExpandUrl( $restUrl ), $query ) );
	}

	/** Back to the REST authorize endpoint with its original query plus $extra. */
	private function redirectToRest( array $extra ): void {
		$request = $this->getRequest();
		$query = wfCgiToArray( $request->getText( 'returntoquery' ) );
		$this->getOutput()->redirect( wfAppendQuery(
			wfExpandUrl( $this->authorizePath() ), array_merge( $query, $extra ) ) );
	}

	private function approve(): void {
		$request = $this->getRequest();
		$user = $this->getUser();
		if ( $request->getText( 'returnto' ) !== $this->authorizePath() ) {
			throw OAuthError::invalidRequest( 'returnto' );
		}
		if ( !$user->isRegistered() ) {
			$this->redirectToRest( [] );
			return;
		}
		$client = Store::get()->getClient( $request->getText( 'client_id' ) );
		if ( $client === null || !$client['approved'] ) {
			throw OAuthError::invalidClient();
		}
		$requested = preg_split( '/\s+/', trim( $request->getText( 'scope' ) ) ) ?: [];
		$grants = array_values( array_intersect( $client['grants'], $requested ) );

		$tokenOk = false;
		if ( $request->wasPosted() ) {
			$tokenOk = $this->getContext()->getCsrfTokenSet()->matchToken(
				$request->getVal( 'wpEditToken' ) );
			if ( $tokenOk && $request->getCheck( 'cancel' ) ) {
				$this->redirectToRest( [ 'approval_cancel' => 1 ] );
				return;
			}
			if ( $tokenOk && $request->getCheck( 'accept' ) ) {
				Store::get()->saveApproval( $user->getId(), $client['client_key'], $grants );
				$this->redirectToRest( [ 'approval_pass' => 1 ] );
				return;
			}
		} else {
			$existing = Store::get()->getApproval( $user->getId(), $client['client_key'] );
			if ( $existing !== null && $existing === $client['grants'] &&
				!array_diff( $existing, Protocol::AUTH_ONLY )
			) {
				$this->redirectToRest( [ 'approval_pass' => 1 ] );
				return;
			}
		}
		$this->showForm( $client, $grants, $request->wasPosted() && !$tokenOk );
	}

	private function showForm( array $client, array $grants, bool $badToken ): void {
		$out = $this->getOutput();
		$request = $this->getRequest();
		$out->setPageTitle( $this->msg( 'oauthstandin-approve-title', $client['name'] ) );
		if ( $badToken ) {
			$out->addHTML( Html::errorBox( $this->msg( 'oauthstandin-bad-token' )->escaped() ) );
		}
		$out->addWikiMsg( 'oauthstandin-approve-text', $this->getUser()->getName(),
			wfEscapeWikiText( $client['name'] ), wfEscapeWikiText( $client['owner_name'] ),
			wfEscapeWikiText( implode( ', ', $grants ) ?: '-' ) );
		$hidden = [
			'title' => $this->getPageTitle( 'approve' )->getPrefixedText(),
			'wpEditToken' => $this->getContext()->getCsrfTokenSet()->getToken()->toString(),
			'client_id' => $client['client_key'],
			'oauth_version' => '2',
			'scope' => $request->getText( 'scope' ),
			'returnto' => $request->getText( 'returnto' ),
			'returntoquery' => $request->getText( 'returntoquery' ),
		];
		$fields = '';
		foreach ( $hidden as $name => $value ) {
			$fields .= Html::hidden( $name, $value );
		}
		$fields .= Html::submitButton( $this->msg( 'oauthstandin-button-allow' )->text(),
			[ 'name' => 'accept', 'id' => 'mw-mwoauth-accept', 'class' => 'mw-ui-button mw-ui-progressive' ] );
		$fields .= ' ' . Html::submitButton( $this->msg( 'oauthstandin-button-cancel' )->text(),
			[ 'name' => 'cancel', 'id' => 'mw-mwoauth-cancel', 'class' => 'mw-ui-button mw-ui-quiet' ] );
		$out->addHTML( Html::rawElement( 'form', [
			'method' => 'post',
			'action' => wfScript(),
			'id' => 'mw-mwoauth-authorize-form',
		], $fields ) );
		$out->addWikiMsg( 'oauthstandin-approve-standin' );
	}
}
