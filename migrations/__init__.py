"""Alembic environment and versions of the ibanbot database.

`bot.storage.Store.upgrade()` finds this package with importlib and runs it programmatically
(no alembic.ini needed). Developers can also run `alembic upgrade head` from the repository
root (alembic.ini there; the URL comes from IBANBOT_DATABASE_URL or `sqlalchemy.url`).
New revisions: `alembic revision --autogenerate -m "..."`, then edit; name them NNNN_what.py
with revision ids "NNNN". Never import bot.storage.schema in a revision: revisions are frozen.
"""
