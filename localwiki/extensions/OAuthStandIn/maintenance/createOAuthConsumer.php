<?php
/**
 * OAuthStandIn (ibanbot localwiki): a development stand-in for the OAuth 2 endpoints of
 * Extension:OAuth. NOT the OAuth extension.
 *
 * Registers an OAuth 2 client, with the options of Extension:OAuth's
 * maintenance/createOAuthConsumer.php:
 *
 *   php createOAuthConsumer.php --user=Admin --name="Application name"
 *     --description="Application description" --version=1.0
 *     --callbackUrl=https://example.org/callback [--callbackIsPrefix]
 *     --grants=mwoauth-authonly [--grants=basic ...] [--oauthVersion=2] [--approve]
 *     [--jsonOnSuccess]
 *
 * Output: {"created":true,"id":1,"name":"...","key":"<client id>","secret":"<client secret>"}
 * (plus "approved":1 with --approve), or "key: value" lines without --jsonOnSuccess.
 * Unlike the real script, a client that is not approved cannot be approved later (use
 * --approve), the owner needs no e-mail address, and only --oauthVersion=2 is served.
 */

use MediaWiki\Extension\OAuthStandIn\Protocol;
use MediaWiki\Extension\OAuthStandIn\Store;

$IP = getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki';
require_once "$IP/maintenance/Maintenance.php";

class CreateOAuthStandInConsumer extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->addDescription( 'Create an OAuth 2 client of the OAuthStandIn development extension' );
		$this->addOption( 'user', 'User to run the script as (the owner)', true, true );
		$this->addOption( 'name', 'Application name', true, true );
		$this->addOption( 'description', 'Application description', true, true );
		$this->addOption( 'version', 'Application version', true, true );
		$this->addOption( 'callbackUrl', 'Callback URL', true, true );
		$this->addOption( 'callbackIsPrefix', 'Allow a consumer to specify a callback in requests' );
		$this->addOption( 'grants', 'Grants', true, true, false, true );
		$this->addOption( 'oauthVersion', 'OAuth version (only 2 is served by the stand-in)', false, true );
		$this->addOption( 'jsonOnSuccess', 'Output successful results as JSON' );
		$this->addOption( 'approve', 'Accept the consumer' );
		$this->requireExtension( 'OAuthStandIn' );
	}

	public function execute() {
		$user = User::newFromName( $this->getOption( 'user' ) );
		if ( !$user || !$user->isRegistered() ) {
			$this->fatalError( 'User must be registered' );
		}
		if ( (string)$this->getOption( 'oauthVersion', '2' ) !== '2' ) {
			$this->fatalError( 'The OAuthStandIn extension serves OAuth 2 only: use --oauthVersion=2' );
		}
		$callback = $this->getOption( 'callbackUrl' );
		if ( !preg_match( '!^https?://[^/\s]+!', $callback ) ) {
			$this->fatalError( "Invalid callback URL: $callback" );
		}
		$grants = [];
		foreach ( $this->getOption( 'grants' ) as $value ) {
			// the real script takes one grant per --grants; a comma list is accepted too
			foreach ( explode( ',', $value ) as $grant ) {
				if ( trim( $grant ) !== '' ) {
					$grants[] = trim( $grant );
				}
			}
		}
		try {
			$grants = Protocol::normaliseGrants( $grants );
		} catch ( InvalidArgumentException $e ) {
			$this->fatalError( $e->getMessage() );
		}
		$approve = $this->hasOption( 'approve' );
		$client = Store::get()->createClient( [
			'name' => $this->getOption( 'name' ),
			'description' => $this->getOption( 'description' ),
			'version' => $this->getOption( 'version' ),
			'owner_id' => $user->getId(),
			'owner_name' => $user->getName(),
			'callback' => $callback,
			'callback_is_prefix' => $this->hasOption( 'callbackIsPrefix' ),
			'grants' => $grants,
			'approved' => $approve,
		] );
		$output = [
			'created' => true,
			'id' => (int)$client['id'],
			'name' => $client['name'],
			'key' => $client['client_key'],
			'secret' => $client['secret'],
		];
		if ( $approve ) {
			$output['approved'] = 1;
		}
		if ( $this->hasOption( 'jsonOnSuccess' ) ) {
			$this->output( json_encode( $output ) );
		} else {
			foreach ( $output as $key => $value ) {
				$this->output( $key . ': ' . $value . PHP_EOL );
			}
		}
	}
}

$maintClass = CreateOAuthStandInConsumer::class;
require_once RUN_MAINTENANCE_IF_MAIN;
