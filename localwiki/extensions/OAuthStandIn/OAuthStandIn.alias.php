<?php
/**
 * Special page aliases of the OAuthStandIn development extension (ibanbot localwiki).
 */
$specialPageAliases = [];
$specialPageAliases['en'] = [
	'OAuth' => [ 'OAuth' ],
];
