"""Pseudonyms for the people named in the audit log, so that one person's data can be erased and every chain holds.

A hash-chained row can never be edited, so a Slack user id written into one could never be erased. Audit rows
therefore hold no user ids: `AuditLog.append` swaps each one for the person's pseudonym, `p-` and 24 random hex
digits with no relation to the id, and `audit_pseudonyms` maps each pseudonym back to its Slack id for the readers.
Erasing a person deletes their mapping row: their audit rows stay exactly as they were (so every chain still
verifies, by the same documented hash), and nothing left in the database leads from the pseudonym back to them.

What counts as a user id: the actor; in `detail`, the values (strings or lists of strings) under the keys in
`PERSON_FIELDS`, and the user of every Slack mention (`<@U…>`, `<@U…|name>`, the name dropped) in any string; the
parts of the dedupe key between colons. Each only when shaped like a Slack user id (U or W, then capitals and
digits): user groups (S…) and "opsgate" are nobody. Someone named in free text without a mention is not found,
which is why `detail` must arrive redacted.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from approvals.sqltypes import UTCDateTime, utc_now

__all__ = [
    "PERSON_FIELDS",
    "SLACK_USER_ID",
    "AuditPseudonym",
    "assign",
    "forget",
    "pseudonymise",
    "pseudonyms_in",
    "readable",
    "sweep",
]

SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
_IN_TEAM = re.compile(r"([TE][A-Z0-9]{1,20}):([UW][A-Z0-9]{1,20})")  # `T…:U…`, a person named with their team
PERSON_FIELDS = frozenset({"requester", "approvers", "voter", "by", "decided_by", "to"})
_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>")
_PSEUDONYM_IN_TEXT = re.compile(r"(?<![0-9A-Za-z-])p-[0-9a-f]{24}(?![0-9a-f])")
_CHUNK = 500  # ids per IN (…): well inside every driver's parameter limit


class AuditPseudonym(SQLModel, table=True):
    """One person the audit log names: their pseudonym and Slack id. Deleting the row is the erasure."""

    __tablename__ = "audit_pseudonyms"
    __table_args__ = (sa.UniqueConstraint("slack_id", name="uq_audit_pseudonyms_slack_id"),)

    pseudonym: str = Field(primary_key=True, max_length=26, sa_type=sa.String(26))
    slack_id: str = Field(max_length=64, sa_type=sa.String(64))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime())


_table: sa.Table = SQLModel.metadata.tables["audit_pseudonyms"]
Row = tuple[str | None, Any, str]
"""(actor, detail, dedupe_key) of an audit row."""


def _swap(value: Any, replace: Callable[[str], str], person: bool = False) -> Any:
    if isinstance(value, Mapping):
        return {key: _swap(item, replace, key in PERSON_FIELDS) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_swap(item, replace, person) for item in value]
    if isinstance(value, str):
        if person and SLACK_USER_ID.fullmatch(value):
            return replace(value)
        if person and (named := _IN_TEAM.fullmatch(value)):
            return f"{named[1]}:{replace(named[2])}"
        return _MENTION.sub(lambda found: f"<@{replace(found[1])}>", value)
    return value


def _swap_row(row: Row, replace: Callable[[str], str]) -> Row:
    actor, detail, key = row
    if actor is not None and SLACK_USER_ID.fullmatch(actor):
        actor = replace(actor)
    parts = [replace(part) if SLACK_USER_ID.fullmatch(part) else part for part in key.split(":")]
    return actor, _swap(detail, replace), ":".join(parts)


def pseudonymise(connection: Connection, row: Row, *, now: Callable[[], datetime] = utc_now) -> Row:
    """The row with every user id in it swapped for its pseudonym, minting pseudonyms for people new to the log
    (`now` dates them, and is read only then)."""
    people: set[str] = set()

    def collect(slack_id: str) -> str:
        people.add(slack_id)
        return slack_id

    _swap_row(row, collect)
    return _swap_row(row, assign(connection, people, now=now).__getitem__) if people else row


def assign(
    connection: Connection, slack_ids: Collection[str], *, now: Callable[[], datetime] = utc_now
) -> dict[str, str]:
    """slack id → pseudonym for each of `slack_ids`, minting the missing ones (in sorted order, so two writers
    minting for the same people never wait on each other in a cycle)."""
    found = _lookup(connection, _table.c.slack_id, slack_ids)
    found = {slack_id: pseudonym for pseudonym, slack_id in found.items()}
    missing = sorted(set(slack_ids) - found.keys())
    if missing:
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        minted_at = now()
        for slack_id in missing:
            row = {"pseudonym": f"p-{secrets.token_hex(12)}", "slack_id": slack_id, "created_at": minted_at}
            connection.execute(insert(_table).values(row).on_conflict_do_nothing(index_elements=["slack_id"]))
        minted = _lookup(connection, _table.c.slack_id, missing)  # another writer's, if it was first
        found.update({slack_id: pseudonym for pseudonym, slack_id in minted.items()})
    return found


def readable(connection: Connection, texts: Iterable[str | None]) -> Callable[[str | None], str | None]:
    """A function that restores the Slack ids of the pseudonyms in `texts`; an erased person's pseudonym stays."""
    wanted = {found for text in texts if text for found in _PSEUDONYM_IN_TEXT.findall(text)}
    names = _lookup(connection, _table.c.pseudonym, wanted) if wanted else {}

    def restore(text: str | None) -> str | None:
        if not text or not names:
            return text
        return _PSEUDONYM_IN_TEXT.sub(lambda found: names.get(found[0], found[0]), text)

    return restore


def pseudonyms_in(text: str | None) -> set[str]:
    return set(_PSEUDONYM_IN_TEXT.findall(text)) if text else set()


def forget(connection: Connection, slack_id: str, *, dry_run: bool = False) -> str | None:
    """Delete the person's mapping (unless `dry_run`); their pseudonym, or None if the log never named them."""
    pseudonym: str | None = connection.execute(
        sa.select(_table.c.pseudonym).where(_table.c.slack_id == slack_id)
    ).scalar()
    if pseudonym is not None and not dry_run:
        connection.execute(sa.delete(_table).where(_table.c.pseudonym == pseudonym))
    return pseudonym


def sweep(connection: Connection, in_use: Collection[str], *, created_before: datetime, dry_run: bool = False) -> int:
    """Delete the mappings that no audit row uses any more (their chains expired), minted before `created_before`:
    a younger one may belong to an append that has not committed yet. Returns how many went (or would go)."""
    query = sa.select(_table.c.pseudonym).where(_table.c.created_at < created_before)
    unused = sorted(set(connection.execute(query).scalars()) - set(in_use))
    if not dry_run:
        for start in range(0, len(unused), _CHUNK):
            connection.execute(sa.delete(_table).where(_table.c.pseudonym.in_(unused[start : start + _CHUNK])))
    return len(unused)


def _lookup(connection: Connection, by: sa.Column[str], values: Collection[str]) -> dict[str, str]:
    """pseudonym → slack id for the rows whose `by` column is one of `values`."""
    values = sorted(values)
    found: dict[str, str] = {}
    for start in range(0, len(values), _CHUNK):
        query = sa.select(_table.c.pseudonym, _table.c.slack_id).where(by.in_(values[start : start + _CHUNK]))
        found.update({pseudonym: slack_id for pseudonym, slack_id in connection.execute(query)})
    return found
