"""Events in, queue items out: the join (prefilter, contents, analysis, store),
the analysis bounds, the EventStreams source, backfills, the bans watcher,
community report intake, progress and metrics.
"""
