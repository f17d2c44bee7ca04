<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * An OAuth 2 error shaped like league/oauth2-server's OAuthServerException (which the real
 * extension uses): JSON {"error", "error_description", "hint"?, "message"} with its HTTP
 * status, or, when it carries a redirect URI, a 302 to uri?error=...&error_description=...
 */

namespace MediaWiki\Extension\OAuthStandIn;

use Exception;

class OAuthError extends Exception {
	/** @var string */
	public $type;
	/** @var int */
	public $status;
	/** @var string|null */
	public $hint;
	/** @var string|null */
	public $redirectUri;

	public function __construct( string $description, string $type, int $status,
		?string $hint = null, ?string $redirectUri = null
	) {
		parent::__construct( $description );
		$this->type = $type;
		$this->status = $status;
		$this->hint = $hint;
		$this->redirectUri = $redirectUri;
	}

	public static function invalidRequest( string $parameter, ?string $hint = null ): self {
		return new self( 'The request is missing a required parameter, includes an invalid ' .
			'parameter value, includes a parameter more than once, or is otherwise malformed.',
			'invalid_request', 400, $hint ?? sprintf( 'Check the `%s` parameter', $parameter ) );
	}

	public static function invalidClient(): self {
		return new self( 'Client authentication failed', 'invalid_client', 401 );
	}

	public static function invalidGrant( string $hint = '' ): self {
		return new self( 'The provided authorization grant (e.g., authorization code, resource ' .
			'owner credentials) or refresh token is invalid, expired, revoked, does not match ' .
			'the redirection URI used in the authorization request, or was issued to another client.',
			'invalid_grant', 400, $hint === '' ? null : $hint );
	}

	public static function unsupportedGrantType(): self {
		return new self( 'The authorization grant type is not supported by the authorization server.',
			'unsupported_grant_type', 400, 'Check that all required parameters have been provided' );
	}

	public static function accessDenied( ?string $hint = null, ?string $redirectUri = null ): self {
		return new self( 'The resource owner or authorization server denied the request.',
			'access_denied', 401, $hint, $redirectUri );
	}

	/** What the real extension's ClientApprovalDenyException is: the user pressed Cancel. */
	public static function approvalDenied( string $redirectUri ): self {
		return new self( wfMessage( 'oauthstandin-denied' )->inLanguage( 'en' )->plain(),
			'unauthorized_client', 400, null, $redirectUri );
	}

	public static function serverError( string $hint ): self {
		return new self( 'The authorization server encountered an unexpected condition which ' .
			'prevented it from fulfilling the request: ' . $hint, 'server_error', 500 );
	}

	/** @return array the league payload: error, error_description, [hint], message */
	public function payload(): array {
		$payload = [ 'error' => $this->type, 'error_description' => $this->getMessage() ];
		if ( $this->hint !== null ) {
			$payload['hint'] = $this->hint;
		}
		$payload['message'] = $this->getMessage();
		return $payload;
	}

	public function redirectTarget(): ?string {
		if ( $this->redirectUri === null ) {
			return null;
		}
		$glue = strpos( $this->redirectUri, '?' ) === false ? '?' : '&';
		return $this->redirectUri . $glue . http_build_query( $this->payload() );
	}
}
