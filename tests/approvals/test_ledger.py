"""The SQL budget ledger on SQLite and PostgreSQL: limits hold under concurrency, windows roll over."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from agents.guardrails.budget import Charge, InMemoryBudgetLedger, Limited
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


def test_a_charge_id_charges_once_on_both_ledgers(db_url: str, db_engine: Engine) -> None:
    """A model call's tokens and cost, charged again by a step that re-ran (same charge id), count once."""
    sql, memory = ledger_for(db_url, db_engine), InMemoryBudgetLedger()
    charges = [Charge("tokens:task:t", 700, None), Charge("cost:user:U1", 2_100, 86_400.0)]
    for ledger in (sql, memory):
        assert ledger.add_once("t:lead:turn:1", charges, now=100.0) is True
        assert ledger.add_once("t:lead:turn:1", charges, now=101.0) is False
        assert ledger.add_once("t:lead:turn:2", charges[:1], now=102.0) is True
        assert ledger.used("tokens:task:t", window_s=None, now=103.0) == 1_400
        assert ledger.used("cost:user:U1", window_s=86_400.0, now=103.0) == 2_100


def test_try_spend_all_is_all_or_none_and_once_per_charge_id(db_url: str, db_engine: Engine) -> None:
    sql, memory = ledger_for(db_url, db_engine), InMemoryBudgetLedger()
    for ledger in (sql, memory):
        spends = [Limited("calls:user:U1", 1, 10, 3600.0), Limited("calls:task:t", 1, 2, None)]
        assert ledger.try_spend_all("t:toolu_1", spends, now=10.0) is None
        assert ledger.try_spend_all("t:toolu_1", spends, now=11.0) is None  # the same call: not charged again
        assert ledger.try_spend_all("t:toolu_2", spends, now=12.0) is None
        assert ledger.try_spend_all("t:toolu_3", spends, now=13.0) == 1  # the task's limit of 2 is reached
        assert ledger.used("calls:user:U1", window_s=3600.0, now=14.0) == 2  # the refused call charged no one
        assert ledger.used("calls:task:t", window_s=None, now=14.0) == 2
        # A refused charge leaves no marker: the same id passes once the limit allows it.
        wider = [Limited("calls:user:U1", 1, 10, 3600.0), Limited("calls:task:t", 1, 3, None)]
        assert ledger.try_spend_all("t:toolu_3", wider, now=15.0) is None
        assert ledger.used("calls:task:t", window_s=None, now=16.0) == 3
