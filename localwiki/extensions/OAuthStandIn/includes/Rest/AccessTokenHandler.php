<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * POST /rest.php/oauth2/access_token (application/x-www-form-urlencoded)
 *   grant_type=authorization_code&code=...&client_id=...&client_secret=...
 *       [&redirect_uri=...][&code_verifier=...]
 *   grant_type=refresh_token&refresh_token=...&client_id=...&client_secret=...
 * Client credentials may also come as HTTP Basic auth. Answers 200
 * {"token_type":"Bearer","expires_in":3600,"access_token":"...","refresh_token":"..."}
 * or league's error JSON (invalid_request/invalid_grant 400, invalid_client 401).
 */

namespace MediaWiki\Extension\OAuthStandIn\Rest;

use MediaWiki\Extension\OAuthStandIn\OAuthError;
use MediaWiki\Extension\OAuthStandIn\Protocol;
use MediaWiki\Extension\OAuthStandIn\Store;
use Throwable;

class AccessTokenHandler extends BaseHandler {
	public function execute() {
		$body = $this->getRequest()->getPostParams();
		try {
			$grantType = Protocol::param( $body, 'grant_type' );
			if ( $grantType === null ) {
				throw OAuthError::invalidRequest( 'grant_type' );
			}
			if ( !in_array( $grantType, [ 'authorization_code', 'refresh_token' ], true ) ) {
				throw OAuthError::unsupportedGrantType();
			}
			$client = $this->authenticateClient( $body );
			if ( $grantType === 'authorization_code' ) {
				return $this->exchangeCode( $client, $body );
			}
			return $this->refresh( $client, $body );
		} catch ( OAuthError $error ) {
			return $this->errorResponse( $error );
		} catch ( Throwable $error ) {
			return $this->errorResponse( OAuthError::serverError( $error->getMessage() ) );
		}
	}

	private function authenticateClient( array $body ): array {
		$basicUser = $basicPassword = null;
		$header = $this->getRequest()->getHeaderLine( 'Authorization' );
		if ( preg_match( '/^Basic\s+(\S+)$/i', $header, $m ) ) {
			$decoded = base64_decode( $m[1], true );
			if ( $decoded !== false && strpos( $decoded, ':' ) !== false ) {
				[ $basicUser, $basicPassword ] = explode( ':', $decoded, 2 );
			}
		}
		$clientId = Protocol::param( $body, 'client_id' ) ?? $basicUser;
		if ( $clientId === null || $clientId === '' ) {
			throw OAuthError::invalidRequest( 'client_id' );
		}
		$secret = Protocol::param( $body, 'client_secret' ) ?? $basicPassword;
		$client = Store::get()->getClient( $clientId );
		if ( $client === null || !$client['approved'] || $secret === null ||
			!Store::get()->checkSecret( $client, $secret )
		) {
			throw OAuthError::invalidClient();
		}
		$redirectUri = Protocol::param( $body, 'redirect_uri' );
		if ( $redirectUri !== null && !Protocol::redirectAllowed( $client, $redirectUri ) ) {
			throw OAuthError::invalidClient();
		}
		return $client;
	}

	private function exchangeCode( array $client, array $body ) {
		$store = Store::get();
		$code = Protocol::param( $body, 'code' );
		if ( $code === null ) {
			throw OAuthError::invalidRequest( 'code' );
		}
		$row = $store->getCode( $code );
		if ( $row === null ) {
			throw OAuthError::invalidRequest( 'code', 'Cannot decrypt the authorization code' );
		}
		if ( $row['expires'] < time() ) {
			throw OAuthError::invalidRequest( 'code', 'Authorization code has expired' );
		}
		if ( $row['used'] ) {
			throw OAuthError::invalidRequest( 'code', 'Authorization code has been revoked' );
		}
		if ( $row['client_key'] !== $client['client_key'] ) {
			throw OAuthError::invalidRequest( 'code', 'Authorization code was not issued to this client' );
		}
		$redirectUri = Protocol::param( $body, 'redirect_uri' );
		if ( $row['redirect_uri'] !== null && $redirectUri === null ) {
			throw OAuthError::invalidRequest( 'redirect_uri' );
		}
		if ( $row['redirect_uri'] !== $redirectUri ) {
			throw OAuthError::invalidRequest( 'redirect_uri', 'Invalid redirect URI' );
		}
		Protocol::checkVerifier( $row, Protocol::param( $body, 'code_verifier' ) );
		if ( !$store->consumeCode( $code ) ) {
			throw OAuthError::invalidRequest( 'code', 'Authorization code has been revoked' );
		}
		return $this->issue( $client, (int)$row['user_id'], $row['scopes'] );
	}

	private function refresh( array $client, array $body ) {
		$store = Store::get();
		$token = Protocol::param( $body, 'refresh_token' );
		if ( $token === null ) {
			throw OAuthError::invalidRequest( 'refresh_token' );
		}
		$row = $store->getToken( $token, 'refresh' );
		if ( $row === null ) {
			throw OAuthError::invalidRequest( 'refresh_token', 'Cannot decrypt the refresh token' );
		}
		if ( $row['client_key'] !== $client['client_key'] ) {
			throw OAuthError::invalidRequest( 'refresh_token', 'Token is not linked to client' );
		}
		if ( $row['expires'] < time() ) {
			throw OAuthError::invalidRequest( 'refresh_token', 'Token has expired' );
		}
		if ( $row['revoked'] || !$store->revokeRefreshToken( $row ) ) {
			throw OAuthError::invalidRequest( 'refresh_token', 'Token has been revoked' );
		}
		return $this->issue( $client, (int)$row['user_id'], $row['scopes'] );
	}

	private function issue( array $client, int $userId, array $scopes ) {
		[ $access, $refresh ] = Store::get()->createTokens( $client['client_key'], $userId,
			$scopes, Protocol::ACCESS_TTL, Protocol::REFRESH_TTL );
		return $this->json( [
			'token_type' => 'Bearer',
			'expires_in' => Protocol::ACCESS_TTL,
			'access_token' => $access,
			'refresh_token' => $refresh,
		] );
	}
}
