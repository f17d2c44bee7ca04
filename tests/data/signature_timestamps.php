<?php
// Writes signature_timestamps.json: signature timestamps as MediaWiki writes them
// (Language::timeanddate + " (" + timezone-utc + ")") at four UTC times, with each language's
// month and weekday messages. Run: MW_CONFIG_FILE=<a LocalSettings.php> php this-file > ...json
require_once "/usr/share/mediawiki/maintenance/Maintenance.php";
class SignatureTimestamps extends Maintenance { public function execute() {
$f = \MediaWiki\MediaWikiServices::getInstance()->getLanguageFactory();
$out = [];
$codes = ['en','de','fr','es','it','ja','zh','ru','pt','nl','pl','sv','fa','ar','he','ko','uk','cs','fi','hu','tr','vi','id','hi','el','ca','no','da','ro','sr','bn','mr','th'];
$mon = ['january','february','march','april','may_long','june','july','august','september','october','november','december'];
$abbr = ['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'];
$days = ['monday','tuesday','wednesday','thursday','friday','saturday','sunday'];
$dabbr = ['mon','tue','wed','thu','fri','sat','sun'];
foreach ($codes as $code) {
  $l = $f->getLanguage($code);
  $m = function($k) use ($code) { $x = wfMessage($k)->inLanguage($code); return $x->exists() ? $x->text() : ''; };
  $months = []; foreach ($mon as $i => $k) { $months[] = array_values(array_unique([$m($k), $m($mon[$i] === 'may_long' ? 'may-gen' : $k . '-gen'), $m($abbr[$i])])); }
  $weekdays = []; foreach ($days as $i => $k) { $weekdays[] = [$m($k), $m($dabbr[$i])]; }
  $samples = [];
  foreach (['20261127213005', '20260703090705', '20260111211105', '20260101000000'] as $ts) {
    $samples[] = [$ts, $l->timeanddate($ts, false, false) . ' (' . $m('timezone-utc') . ')'];
  }
  $out[$code] = ['months' => $months, 'weekdays' => $weekdays, 'utc' => $m('timezone-utc'), 'samples' => $samples];
}
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT), "\n";
} }
$maintClass = SignatureTimestamps::class; require_once RUN_MAINTENANCE_IF_MAIN;
