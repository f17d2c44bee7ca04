<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension: see README.md in this folder.
 *
 * The store: one SQLite file in the wiki's data folder (default
 * $wgSQLiteDataDir/oauthstandin.sqlite) shared by every `php -S` worker and by the
 * maintenance script. localwiki's reset() deletes every file of the data folder that the
 * pristine snapshot lacks, so clients, approvals, codes and tokens go with it.
 * Secrets, codes and tokens are stored as SHA-256 hashes only.
 */

namespace MediaWiki\Extension\OAuthStandIn;

use PDO;

class Store {
	/** @var Store|null */
	private static $instance = null;

	/** @var PDO */
	private $db;

	private const SCHEMA = [
		'CREATE TABLE IF NOT EXISTS clients (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			client_key TEXT NOT NULL UNIQUE,
			secret_hash TEXT NOT NULL,
			name TEXT NOT NULL,
			description TEXT NOT NULL,
			version TEXT NOT NULL,
			owner_id INTEGER NOT NULL,
			owner_name TEXT NOT NULL,
			callback TEXT NOT NULL,
			callback_is_prefix INTEGER NOT NULL,
			grants TEXT NOT NULL,
			approved INTEGER NOT NULL,
			registered INTEGER NOT NULL
		)',
		'CREATE TABLE IF NOT EXISTS approvals (
			user_id INTEGER NOT NULL,
			client_key TEXT NOT NULL,
			grants TEXT NOT NULL,
			approved_at INTEGER NOT NULL,
			PRIMARY KEY ( user_id, client_key )
		)',
		'CREATE TABLE IF NOT EXISTS codes (
			code_hash TEXT PRIMARY KEY,
			client_key TEXT NOT NULL,
			user_id INTEGER NOT NULL,
			redirect_uri TEXT,
			scopes TEXT NOT NULL,
			challenge TEXT,
			challenge_method TEXT,
			expires INTEGER NOT NULL,
			used INTEGER NOT NULL DEFAULT 0
		)',
		'CREATE TABLE IF NOT EXISTS tokens (
			token_hash TEXT PRIMARY KEY,
			kind TEXT NOT NULL,
			client_key TEXT NOT NULL,
			user_id INTEGER NOT NULL,
			scopes TEXT NOT NULL,
			expires INTEGER NOT NULL,
			revoked INTEGER NOT NULL DEFAULT 0,
			access_hash TEXT
		)',
	];

	public static function get(): self {
		if ( self::$instance === null ) {
			global $wgOAuthStandInStoreFile, $wgSQLiteDataDir;
			$file = $wgOAuthStandInStoreFile ?: ( $wgSQLiteDataDir . '/oauthstandin.sqlite' );
			self::$instance = new self( $file );
		}
		return self::$instance;
	}

	public function __construct( string $file ) {
		$this->db = new PDO( 'sqlite:' . $file, null, null, [
			PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
			PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
			PDO::ATTR_TIMEOUT => 20,
		] );
		$this->db->exec( 'PRAGMA busy_timeout = 20000' );
		foreach ( self::SCHEMA as $sql ) {
			$this->db->exec( $sql );
		}
	}

	public static function hash( string $value ): string {
		return hash( 'sha256', $value );
	}

	public static function randomHex( int $bytes ): string {
		return bin2hex( random_bytes( $bytes ) );
	}

	// -- clients ---------------------------------------------------------------------

	/**
	 * @param array $fields name, description, version, owner_id, owner_name, callback,
	 *   callback_is_prefix (bool), grants (string[]), approved (bool)
	 * @return array the stored row plus 'secret' (the only time the secret is known)
	 */
	public function createClient( array $fields ): array {
		$key = self::randomHex( 16 );
		$secret = self::randomHex( 20 );
		$stmt = $this->db->prepare( 'INSERT INTO clients (client_key, secret_hash, name,
			description, version, owner_id, owner_name, callback, callback_is_prefix, grants,
			approved, registered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)' );
		$stmt->execute( [
			$key, self::hash( $secret ), $fields['name'], $fields['description'],
			$fields['version'], $fields['owner_id'], $fields['owner_name'], $fields['callback'],
			$fields['callback_is_prefix'] ? 1 : 0, json_encode( array_values( $fields['grants'] ) ),
			$fields['approved'] ? 1 : 0, time(),
		] );
		$client = $this->getClient( $key );
		$client['secret'] = $secret;
		return $client;
	}

	public function getClient( string $key ): ?array {
		$stmt = $this->db->prepare( 'SELECT * FROM clients WHERE client_key = ?' );
		$stmt->execute( [ $key ] );
		$row = $stmt->fetch();
		if ( !$row ) {
			return null;
		}
		$row['grants'] = json_decode( $row['grants'], true );
		$row['callback_is_prefix'] = (bool)$row['callback_is_prefix'];
		$row['approved'] = (bool)$row['approved'];
		return $row;
	}

	public function checkSecret( array $client, string $secret ): bool {
		return hash_equals( $client['secret_hash'], self::hash( $secret ) );
	}

	// -- approvals (the user's "Allow") -------------------------------------------------

	public function saveApproval( int $userId, string $clientKey, array $grants ): void {
		$stmt = $this->db->prepare( 'INSERT OR REPLACE INTO approvals (user_id, client_key,
			grants, approved_at) VALUES (?, ?, ?, ?)' );
		$stmt->execute( [ $userId, $clientKey, json_encode( array_values( $grants ) ), time() ] );
	}

	/** @return string[]|null the approved grants, or null when never approved */
	public function getApproval( int $userId, string $clientKey ): ?array {
		$stmt = $this->db->prepare(
			'SELECT grants FROM approvals WHERE user_id = ? AND client_key = ?' );
		$stmt->execute( [ $userId, $clientKey ] );
		$row = $stmt->fetch();
		return $row ? json_decode( $row['grants'], true ) : null;
	}

	// -- authorization codes --------------------------------------------------------------

	public function createCode( string $clientKey, int $userId, ?string $redirectUri,
		array $scopes, ?string $challenge, ?string $method, int $ttl
	): string {
		$this->purge();
		$code = self::randomHex( 32 );
		$stmt = $this->db->prepare( 'INSERT INTO codes (code_hash, client_key, user_id,
			redirect_uri, scopes, challenge, challenge_method, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)' );
		$stmt->execute( [ self::hash( $code ), $clientKey, $userId, $redirectUri,
			json_encode( array_values( $scopes ) ), $challenge, $method, time() + $ttl ] );
		return $code;
	}

	public function getCode( string $code ): ?array {
		$stmt = $this->db->prepare( 'SELECT * FROM codes WHERE code_hash = ?' );
		$stmt->execute( [ self::hash( $code ) ] );
		$row = $stmt->fetch();
		if ( !$row ) {
			return null;
		}
		$row['scopes'] = json_decode( $row['scopes'], true );
		return $row;
	}

	/** Mark the code used; false when another request used it first. */
	public function consumeCode( string $code ): bool {
		$stmt = $this->db->prepare( 'UPDATE codes SET used = 1 WHERE code_hash = ? AND used = 0' );
		$stmt->execute( [ self::hash( $code ) ] );
		return $stmt->rowCount() === 1;
	}

	// -- access and refresh tokens ----------------------------------------------------------

	/** @return array [ access token, refresh token ] */
	public function createTokens( string $clientKey, int $userId, array $scopes,
		int $accessTtl, int $refreshTtl
	): array {
		$access = self::randomHex( 32 );
		$refresh = self::randomHex( 32 );
		$stmt = $this->db->prepare( 'INSERT INTO tokens (token_hash, kind, client_key, user_id,
			scopes, expires, access_hash) VALUES (?, ?, ?, ?, ?, ?, ?)' );
		$scopesJson = json_encode( array_values( $scopes ) );
		$now = time();
		$stmt->execute( [ self::hash( $access ), 'access', $clientKey, $userId, $scopesJson,
			$now + $accessTtl, null ] );
		$stmt->execute( [ self::hash( $refresh ), 'refresh', $clientKey, $userId, $scopesJson,
			$now + $refreshTtl, self::hash( $access ) ] );
		return [ $access, $refresh ];
	}

	public function getToken( string $token, string $kind ): ?array {
		$stmt = $this->db->prepare( 'SELECT * FROM tokens WHERE token_hash = ? AND kind = ?' );
		$stmt->execute( [ self::hash( $token ), $kind ] );
		$row = $stmt->fetch();
		if ( !$row ) {
			return null;
		}
		$row['scopes'] = json_decode( $row['scopes'], true );
		return $row;
	}

	/** Revoke a refresh token and its access token; false when it was revoked already. */
	public function revokeRefreshToken( array $row ): bool {
		$stmt = $this->db->prepare(
			'UPDATE tokens SET revoked = 1 WHERE token_hash = ? AND revoked = 0' );
		$stmt->execute( [ $row['token_hash'] ] );
		if ( $stmt->rowCount() !== 1 ) {
			return false;
		}
		if ( $row['access_hash'] ) {
			$stmt->execute( [ $row['access_hash'] ] );
		}
		return true;
	}

	private function purge(): void {
		$day = time() - 86400;
		$this->db->prepare( 'DELETE FROM codes WHERE expires < ?' )->execute( [ $day ] );
		$this->db->prepare( 'DELETE FROM tokens WHERE expires < ?' )->execute( [ $day ] );
	}
}
