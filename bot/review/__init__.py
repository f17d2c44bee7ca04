"""The use cases the CLI and the web UI share: queue, cases, reports, identities,
operations (status, purge), timeline, staff warnings, the bans list.
"""
