"""`opsgate audit verify`: recompute every audit chain and say, in words and in the exit code, whether it holds,
and whether every high or critical action that ran had an approval of that very action (same `action_hash`).

Verification only reads, so it is safe against a live database; rows appended while it runs may or may not be
counted. A chain whose newest rows were deleted still verifies here: compare `AuditLog.heads()` with the heads the
digest published to catch that.
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from approvals.audit import AuditLog
from opsgate.db import create_db_engine

__all__ = ["audit_verify"]


def audit_verify(database_url: str, out: TextIO) -> int:
    """Check every chain in the database at `database_url`; print the problems or a summary; 0 if all intact."""
    engine = create_db_engine(database_url)
    try:
        if not sa.inspect(engine).has_table("audit_log"):
            where = make_url(database_url).render_as_string(hide_password=True)
            print(f"no audit_log table in {where}: run `opsgate db upgrade` first", file=out)
            return 1
        log = AuditLog(engine)
        breaks = log.verify()
        unapproved = log.unapproved()
        chains, rows = log.totals()
    finally:
        engine.dispose()
    summary = f"{_count(chains, 'chain')}, {_count(rows, 'row')}"
    if not breaks and not unapproved:
        print(f"{summary}: all intact", file=out)
        return 0
    problems = sorted([*breaks, *unapproved], key=lambda problem: (problem.task_id, problem.seq))  # stable
    for task_id, found in groupby(problems, key=lambda problem: problem.task_id):
        print(f"task {task_id}:", file=out)
        for problem in found:
            print(f"  seq {problem.seq}: {problem.problem}", file=out)
    verdicts = []
    if breaks:
        broken = len({problem.task_id for problem in breaks})
        verdicts.append(f"{_count(broken, 'chain')} broken ({_count(len(breaks), 'problem')})")
    if unapproved:
        verdicts.append(f"{_count(len(unapproved), 'high or critical action')} run without a matching approval")
    print(f"{summary}: {'; '.join(verdicts)}", file=out)
    return 1


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
