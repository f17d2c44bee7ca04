"""The audit log and the identities table (bans-file names resolved to user ids per wiki)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from bot.storage.records import AuditEntry, from_db_time, to_db_time
from bot.storage.schema import audit_log, check_lengths, identities, new_id, upsert
from detectors.bans import Identity


def record_audit(conn: Connection, actor: str, action: str, item_id: int | None,
                 detail: str, at: datetime) -> AuditEntry:
    values = {"at": to_db_time(at), "actor": actor, "action": action, "item_id": item_id,
              "detail": detail}
    entry_id = new_id(conn.execute(insert(audit_log).values(values)))
    return AuditEntry(entry_id, from_db_time(to_db_time(at)), actor, action, item_id, detail)


def audit(conn: Connection, limit: int | None = 100,
          item_id: int | None = None) -> list[AuditEntry]:
    """Newest first."""
    a = audit_log.c
    stmt = select(audit_log).order_by(a.at.desc(), a.id.desc())
    if item_id is not None:
        stmt = stmt.where(a.item_id == item_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [AuditEntry(r["id"], from_db_time(r["at"]), r["actor"], r["action"], r["item_id"],
                       r["detail"]) for r in conn.execute(stmt).mappings()]


def save_identity(conn: Connection, identity: Identity, resolved_at: datetime) -> None:
    values = {"user_id": identity.user_id, "current_name": identity.current_name,
              "resolved_at": to_db_time(resolved_at)}
    check_lengths("identities", {"wiki": identity.wiki, "name": identity.name, **values},
                  f"identity {identity.wiki}:{identity.name[:40]}")
    upsert(conn, identities, {"wiki": identity.wiki, "name": identity.name}, values)


def list_identities(conn: Connection, wiki: str | None = None) -> list[Identity]:
    i = identities.c
    stmt = select(identities).order_by(i.wiki, i.name)
    if wiki is not None:
        stmt = stmt.where(i.wiki == wiki)
    return [Identity(r["wiki"], r["name"], int(r["user_id"]), r["current_name"])
            for r in conn.execute(stmt).mappings()]
