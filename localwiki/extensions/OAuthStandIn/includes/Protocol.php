<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * Protocol rules shared by the REST handlers, the approval page and the maintenance script:
 * grants, redirect URI checks, PKCE, the user profile.
 */

namespace MediaWiki\Extension\OAuthStandIn;

use Html;
use MediaWiki\MediaWikiServices;
use User;

class Protocol {
	/** Authorization codes live 10 minutes (as in the real extension). */
	public const CODE_TTL = 600;
	/** Access tokens: $wgOAuth2GrantExpirationInterval's default, PT1H. */
	public const ACCESS_TTL = 3600;
	/** Refresh tokens: $wgOAuth2RefreshTokenTTL's default, P1M. */
	public const REFRESH_TTL = 30 * 86400;

	public const AUTH_ONLY = [ 'mwoauth-authonly', 'mwoauth-authonlyprivate' ];
	private const GRANT_ALIASES = [
		'authonly' => 'mwoauth-authonly',
		'authonlyprivate' => 'mwoauth-authonlyprivate',
	];
	private const PKCE_PATTERN = '/^[A-Za-z0-9\-._~]{43,128}$/';

	/**
	 * Normalise and check grant names ('authonly' is accepted for 'mwoauth-authonly').
	 * @param string[] $grants
	 * @return string[]
	 * @throws \InvalidArgumentException on an unknown grant
	 */
	public static function normaliseGrants( array $grants ): array {
		global $wgGrantPermissions;
		$out = [];
		foreach ( $grants as $grant ) {
			$grant = self::GRANT_ALIASES[$grant] ?? $grant;
			if ( !in_array( $grant, self::AUTH_ONLY, true ) && !isset( $wgGrantPermissions[$grant] ) ) {
				throw new \InvalidArgumentException( "unknown grant: $grant" );
			}
			$out[] = $grant;
		}
		return array_values( array_unique( $out ) );
	}

	/** Does $uri match the client's registered callback (exactly, or as a prefix)? */
	public static function redirectAllowed( array $client, string $uri ): bool {
		if ( $client['callback_is_prefix'] ) {
			return strncmp( $uri, $client['callback'], strlen( $client['callback'] ) ) === 0;
		}
		return $uri === $client['callback'];
	}

	/**
	 * Validate an authorization request (the query of /oauth2/authorize).
	 * Errors carry no redirect: the redirect URI is not trusted yet.
	 * @return array client, redirect_uri (as given, or null), target (where to send the user),
	 *   scopes, state, challenge, method
	 * @throws OAuthError
	 */
	public static function parseAuthorizeRequest( array $query ): array {
		$responseType = self::param( $query, 'response_type' );
		if ( $responseType === null || $responseType !== 'code' ) {
			throw OAuthError::invalidRequest( 'response_type' );
		}
		$clientId = self::param( $query, 'client_id' );
		if ( $clientId === null ) {
			throw OAuthError::invalidRequest( 'client_id' );
		}
		$client = Store::get()->getClient( $clientId );
		if ( $client === null || !$client['approved'] ) {
			throw OAuthError::invalidClient();
		}
		$redirectUri = self::param( $query, 'redirect_uri' );
		if ( $redirectUri !== null && !self::redirectAllowed( $client, $redirectUri ) ) {
			throw OAuthError::invalidClient();
		}
		$scopes = $client['grants'];
		$scopeParam = self::param( $query, 'scope' );
		if ( $scopeParam !== null ) {
			// like the real extension: requested scopes the client lacks are dropped
			$requested = preg_split( '/\s+/', trim( $scopeParam ) ) ?: [];
			$scopes = array_values( array_intersect( $client['grants'], $requested ) );
		}
		$challenge = self::param( $query, 'code_challenge' );
		$method = null;
		if ( $challenge !== null ) {
			$method = self::param( $query, 'code_challenge_method' ) ?? 'plain';
			if ( !in_array( $method, [ 'plain', 'S256' ], true ) ) {
				throw OAuthError::invalidRequest( 'code_challenge_method',
					'Code challenge method must be one of `plain` or `S256`' );
			}
			if ( !preg_match( self::PKCE_PATTERN, $challenge ) ) {
				throw OAuthError::invalidRequest( 'code_challenge',
					'Code challenge must follow the specifications of RFC-7636.' );
			}
		}
		return [
			'client' => $client,
			'redirect_uri' => $redirectUri,
			'target' => $redirectUri ?? $client['callback'],
			'scopes' => $scopes,
			'state' => self::param( $query, 'state' ),
			'challenge' => $challenge,
			'method' => $method,
		];
	}

	/** @throws OAuthError when the verifier does not match the code's challenge */
	public static function checkVerifier( array $code, ?string $verifier ): void {
		if ( $code['challenge'] === null ) {
			return;
		}
		if ( $verifier === null ) {
			throw OAuthError::invalidRequest( 'code_verifier' );
		}
		if ( !preg_match( self::PKCE_PATTERN, $verifier ) ) {
			throw OAuthError::invalidRequest( 'code_verifier',
				'Code Verifier must follow the specifications of RFC-7636.' );
		}
		$expected = $code['challenge_method'] === 'S256'
			? rtrim( strtr( base64_encode( hash( 'sha256', $verifier, true ) ), '+/', '-_' ), '=' )
			: $verifier;
		if ( !hash_equals( $code['challenge'], $expected ) ) {
			throw OAuthError::invalidGrant( 'Failed to verify `code_verifier`.' );
		}
	}

	/** A non-empty string parameter, or null. */
	public static function param( array $params, string $name ): ?string {
		$value = $params[$name] ?? null;
		return is_string( $value ) && $value !== '' ? $value : null;
	}

	/** league's makeRedirectUri: uri + ('?' or '&') + http_build_query (nulls dropped). */
	public static function appendQuery( string $uri, array $params ): string {
		$glue = strpos( $uri, '?' ) === false ? '?' : '&';
		return $uri . $glue . http_build_query( $params );
	}

	/** The profile of Extension:OAuth's UserStatementProvider::getUserProfile(). */
	public static function profile( User $user, array $grants ): array {
		$services = MediaWikiServices::getInstance();
		// no central id lookup here: the central id is the local id (LocalIdLookup)
		$profile = [ 'sub' => $user->getId() ];
		if ( $user->isHidden() ) {
			$profile['blocked'] = true;
			return $profile;
		}
		$profile['username'] = $user->getName();
		$profile['editcount'] = (int)$user->getEditCount();
		$profile['confirmed_email'] = $profile['email_verified'] = $user->isEmailConfirmed();
		$profile['blocked'] = $user->getBlock() !== null;
		$profile['registered'] = $user->getRegistration();
		$profile['groups'] = array_values(
			$services->getUserGroupManager()->getUserEffectiveGroups( $user ) );
		$profile['rights'] = array_values( array_unique(
			$services->getPermissionManager()->getUserPermissions( $user ) ) );
		$profile['grants'] = array_values( $grants );
		$rights = $services->getGrantsInfo()->getGrantRights( $grants );
		if ( in_array( 'mwoauth-authonlyprivate', $grants, true ) ||
			in_array( 'viewmyprivateinfo', $rights, true )
		) {
			global $wgHiddenPrefs;
			$profile['realname'] = in_array( 'realname', $wgHiddenPrefs, true ) ? '' : $user->getRealName();
			$profile['email'] = $user->getEmail();
		}
		return $profile;
	}

	/** A small HTML error page (the real extension shows the wiki's error page). */
	public static function errorPageHtml( OAuthError $error ): string {
		$text = $error->getMessage() . ( $error->hint !== null ? ' (' . $error->hint . ')' : '' );
		return "<!DOCTYPE html>\n" . Html::rawElement( 'html', [ 'lang' => 'en' ],
			Html::rawElement( 'head', [],
				Html::element( 'meta', [ 'charset' => 'UTF-8' ] ) .
				Html::element( 'title', [], 'OAuth error' ) ) .
			Html::rawElement( 'body', [],
				Html::element( 'h1', [ 'id' => 'firstHeading' ], 'OAuth error' ) .
				Html::rawElement( 'p', [ 'class' => 'error' ],
					Html::element( 'code', [ 'id' => 'oauth-error' ], $error->type ) . ': ' .
					htmlspecialchars( $text ) ) .
				Html::element( 'p', [], wfMessage( 'oauthstandin-approve-standin' )->inLanguage( 'en' )->plain() ) )
		);
	}
}
