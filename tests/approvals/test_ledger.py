"""The SQL budget ledger on SQLite and PostgreSQL: limits hold under concurrency, windows roll over."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from agents.guardrails.budget import InMemoryBudgetLedger
from approvals.ledger import SqlBudgetLedger


def ledger_for(db_url: str, db_engine: Engine) -> SqlBudgetLedger:
    return SqlBudgetLedger(db_engine)  # the fixture created the tables


def test_spends_up_to_the_limit_then_refuses(db_url: str, db_engine: Engine) -> None:
    ledger = ledger_for(db_url, db_engine)
    spent = [ledger.try_spend("calls:user:U1", 1, limit=3, window_s=60, now=1000.0) for _ in range(5)]
    assert [s.allowed for s in spent] == [True, True, True, False, False]
    assert spent[2].used == 3
    assert spent[3].used == 3
    assert ledger.try_spend("calls:user:U2", 1, limit=3, window_s=60, now=1000.0).allowed  # keys are separate
    assert ledger.try_spend("calls:user:U1", 1, limit=3, window_s=60, now=1061.0).allowed  # a new window
    assert not ledger.try_spend("tokens:task:t", 10, limit=5, window_s=None, now=0.0).allowed


def test_add_and_used_follow_the_same_windows_as_the_in_memory_ledger(db_url: str, db_engine: Engine) -> None:
    sql, memory = ledger_for(db_url, db_engine), InMemoryBudgetLedger()
    for ledger in (sql, memory):
        assert ledger.add("tokens:task:t-1", 400, window_s=None, now=0.0) == 400
        assert ledger.add("tokens:task:t-1", 100, window_s=None, now=99_999.0) == 500
        assert ledger.used("tokens:task:t-1", window_s=None, now=5.0) == 500
        assert not ledger.try_spend("tokens:task:t-1", 1, limit=500, window_s=None, now=6.0).allowed


def test_concurrent_spenders_never_exceed_the_limit(db_url: str, db_engine: Engine) -> None:
    """Eight threads, each its own connection, race for 50 units of a limit of 20: exactly 20 pass."""
    ledger = ledger_for(db_url, db_engine)
    passed: list[bool] = []
    lock = threading.Lock()

    def spend() -> None:
        for _ in range(50 // 8 + 1):
            allowed = ledger.try_spend("calls:tool:restart", 1, limit=20, window_s=3600, now=7200.0).allowed
            with lock:
                passed.append(allowed)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert passed.count(True) == 20
    assert ledger.used("calls:tool:restart", window_s=3600, now=7200.0) == 20
