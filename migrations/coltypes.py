"""Column types and table options shared by the migrations.

Frozen like the migrations themselves: a later migration that needs other types adds new
names here and never changes these, so that every revision still builds the same schema.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# utf8mb4 with a binary collation: "Bob" and "bob", "Ünïcødé" and "Unicode" stay distinct
MYSQL_TABLE = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin",
               "mysql_engine": "InnoDB"}


def datetime_type() -> sa.types.TypeEngine:
    """UTC datetimes; microseconds kept on MariaDB too."""
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def text_type() -> sa.types.TypeEngine:
    """Long text: MEDIUMTEXT on MariaDB, whose TEXT stops at 64 KiB."""
    return sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
