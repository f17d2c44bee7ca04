<?php
/**
 * ibanbot localwiki: settings shared by every development wiki.
 * Included at the end of a wiki's own LocalSettings.php (written by localwiki),
 * after the per-wiki values ($wgServer, $wgDBname, $wgSQLiteDataDir, $wgSecretKey ...).
 */
if ( !defined( 'MEDIAWIKI' ) ) {
	exit;
}

$wgEnableAPI = true;
$wgEnableWriteAPI = true;
$wgShowExceptionDetails = true;
$wgShowDBErrorBacktrace = true;

// Object caches: nothing per-process (APCu is per php -S worker and invisible to
// maintenance scripts); sessions and the parser cache live in the wiki's sqlite cache DB.
$wgMainCacheType = CACHE_NONE;
$wgSessionCacheType = CACHE_DB;
$wgParserCacheType = CACHE_DB;
$wgMessageCacheType = CACHE_NONE;

// No e-mail at all.
$wgEnableEmail = false;
$wgEnableUserEmail = false;
$wgEmailAuthentication = false;
$wgEnotifUserTalk = false;
$wgEnotifWatchlist = false;

// No throttles or rate limits: tests and benchmarks hammer the wiki.
$wgRateLimits = [];
$wgAccountCreationThrottle = [];
$wgPasswordAttemptThrottle = [];
$wgTempAccountCreationThrottle = [];
$wgGroupPermissions['*']['noratelimit'] = true;
$wgGroupPermissions['user']['noratelimit'] = true;

// Patrolling, reverts, jobs run inline on every request (mw-reverted tags need the job).
$wgUseRCPatrol = true;
$wgJobRunRate = 1;
$wgRunJobsAsync = false;

// Bot passwords (Special:BotPasswords, action=login with Name@Bot).
$wgEnableBotPasswords = true;
$wgBotPasswordsDatabase = false;
$wgBotPasswordsCluster = false;

$wgPingback = false;
$wgUseInstantCommons = false;
$wgEnableUploads = false;

wfLoadExtension( 'Renameuser' );

// OAuth 2 sign-in for ibanbot's staff web UI: Debian ships no OAuth extension, so the
// wiki runs OAuthStandIn, a development stand-in serving the same OAuth 2 endpoints
// (rest.php/oauth2/authorize, access_token, resource/profile) as Extension:OAuth.
wfLoadExtension( 'OAuthStandIn', __DIR__ . '/extensions/OAuthStandIn/extension.json' );

// The Thanks extension is not packaged by Debian: register its log type so that
// imported thanks/thank entries are listed by list=logevents&letype=thanks.
$wgLogTypes[] = 'thanks';
$wgLogActionsHandlers['thanks/*'] = 'LogFormatter';
$wgLogNames['thanks'] = 'thanks';
$wgLogHeaders['thanks'] = 'thanks';

// API requests do not run jobs ($wgJobRunRate is only honoured by index.php), yet
// RevertedTagUpdateJob (the mw-reverted tag) must run for the tests: run queued jobs
// when an API request has finished (after its deferred updates pushed their jobs).
if ( defined( 'MW_ENTRY_POINT' ) && MW_ENTRY_POINT === 'api' ) {
	register_shutdown_function( static function () {
		$services = MediaWiki\MediaWikiServices::getInstance();
		if ( !$services->getReadOnlyMode()->isReadOnly() ) {
			$services->getJobRunner()->run( [ 'maxJobs' => 100, 'maxTime' => 20 ] );
		}
	} );
}
