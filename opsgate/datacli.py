"""`opsgate data purge` and `opsgate data erase <user id>`: the data lifecycle from the command line.

What each keeps and why is in `handlers.retention` and `handlers.erasure`. Both run safely beside a live
deployment (short transactions, each delete re-checks its condition), and `--dry-run` only reads. Run the purge
daily from cron or a Kubernetes CronJob (`opsgate data purge`); `data_purge` is also what an in-process scheduler
would call (synchronous: run it in a thread).
"""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from approvals.pseudonyms import SLACK_USER_ID
from handlers.erasure import ErasureReport, erase_person
from handlers.retention import PurgeReport, Retention, purge
from opsgate.db import create_db_engine
from opsgate.settings import Settings

__all__ = ["data_erase", "data_purge", "retention_from"]


def retention_from(settings: Settings) -> Retention:
    return Retention(
        tasks_days=settings.retention_tasks_days,
        span_summaries_days=settings.retention_span_summaries_days,
        audit_days=settings.retention_audit_days,
    )


def data_purge(
    database_url: str, retention: Retention, out: TextIO, *, dry_run: bool = False, now: datetime | None = None
) -> int:
    """Delete what `retention` no longer keeps; print the rows per table; 0, or 1 if the database is not ready."""
    engine = _ready(database_url, out)
    if engine is None:
        return 1
    try:
        report = purge(engine, retention, now=now, dry_run=dry_run)
    finally:
        engine.dispose()
    print(_purged(report, retention, dry_run), file=out)
    return 0


def data_erase(database_url: str, slack_id: str, out: TextIO, *, dry_run: bool = False) -> int:
    """Erase one person; print what changed and what is left; 0 if nothing is left, 1 otherwise, 2 for a bad id."""
    if not SLACK_USER_ID.fullmatch(slack_id):
        hint = f" (did you mean {slack_id.upper()}?)" if SLACK_USER_ID.fullmatch(slack_id.upper()) else ""
        print(
            f"opsgate: {slack_id!r} is not a Slack user id{hint}: U or W, then capitals and digits, e.g. U0123ABCD "
            "(in Slack: the person's profile → ⋮ → Copy member ID)",
            file=out,
        )
        return 2
    engine = _ready(database_url, out)
    if engine is None:
        return 1
    try:
        report = erase_person(engine, slack_id, dry_run=dry_run)
    finally:
        engine.dispose()
    print(_erased(slack_id, report, dry_run), file=out)
    return 0 if report.complete else 1


def _ready(database_url: str, out: TextIO) -> Engine | None:
    """An engine on a reachable database migrated far enough, or None after saying what to do."""
    where = make_url(database_url).render_as_string(hide_password=True)
    engine = create_db_engine(database_url)
    try:
        migrated = sa.inspect(engine).has_table("audit_pseudonyms")
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = " ".join(str(exc.orig or exc).split())[:200]
        print(f"opsgate: cannot reach the database at {where} ({reason}): check OPSGATE_DATABASE_URL", file=out)
        return None
    if not migrated:
        engine.dispose()
        print(f"opsgate: the database at {where} is not up to date: run `opsgate db upgrade` first", file=out)
        return None
    return engine


def _purged(report: PurgeReport, retention: Retention, dry_run: bool) -> str:
    def kept(days: int) -> str:
        return f"older than {days} days" if days else "kept for ever"

    lines = [
        ("tasks", report.tasks, f"finished, {kept(retention.tasks_days)}"),
        ("span_summaries", report.span_summaries, f"of those tasks, or {kept(retention.span_summaries_days)}"),
        ("executions", report.executions, "intent markers of those tasks, or as old"),
        ("budget_counters", report.budget_counters, "past windows"),
        ("audit_log", report.audit_log, f"{report.audit_chains} whole chains, {kept(retention.audit_days)}"),
        ("audit_pseudonyms", report.audit_pseudonyms, "no longer named by any row"),
    ]
    head = "would delete (dry run: nothing changed)" if dry_run else "deleted"
    return "\n".join([f"{head}:", *(f"  {table:<17}{rows:>8}  {why}" for table, rows, why in lines)])


def _erased(slack_id: str, report: ErasureReport, dry_run: bool) -> str:
    lines = [f"erase {slack_id}" + (" (dry run: nothing changed)" if dry_run else "") + ":"]
    lines.append(f"  tasks: {_rows(report.tasks_emptied)} of theirs emptied (requester, text and outcome)")
    for table, rows in sorted(report.redacted.items()):
        lines.append(f"  {table}: {_rows(rows)} where the id became 'erased'")
    for table, rows in sorted(report.deleted.items()):
        lines.append(f"  {table}: {_rows(rows)} deleted")
    lines.append(
        f"  audit_log: {_rows(report.audit_rows)} keep a pseudonym that no longer leads to them; no row changed"
        if report.audit_rows
        else "  audit_log: no row names them"
    )
    for task_id in report.live_tasks:
        lines.append(
            f"  left: task {task_id} is still live; cancel it (`/ops cancel {task_id}`) or let it end, then erase again"
        )
    for task_id, seq in report.audit_leftovers:
        lines.append(
            f"  left: audit row {task_id} seq {seq} names {slack_id} in free text, which its chain forbids editing"
        )
    for table in report.unscanned:
        lines.append(f"  left: table {table} has no primary key, so it was not searched")
    return "\n".join(lines)


def _rows(number: int) -> str:
    return f"{number} row{'' if number == 1 else 's'}"
