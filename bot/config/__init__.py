"""Configuration: the settings file, the bans file, reading TOML, and Toolforge
(the lowest layer: docs/ARCHITECTURE.md).
"""
