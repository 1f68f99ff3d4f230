"""The at-most-once intent markers, on SQLite and PostgreSQL: the first claim of a key wins, every later one loses."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from handlers.executions import ExecutionLedger


def test_the_first_claim_of_a_key_wins_and_a_second_loses(db_engine: Engine) -> None:
    ledger = ExecutionLedger(db_engine)
    assert ledger.claim("t1:1:toolu_a", "t1", "probe_once") is True
    assert ledger.claim("t1:1:toolu_a", "t1", "probe_once") is False  # a retried step: outcome unknown
    assert ledger.claim("t1:1:toolu_b", "t1", "probe_once") is True
    ledger.finish("t1:1:toolu_a", "ok")
    record = ledger.get("t1:1:toolu_a")
    assert record is not None and record.outcome == "ok" and record.finished_at is not None


def test_concurrent_claims_of_one_key_have_one_winner(db_engine: Engine) -> None:
    ledger = ExecutionLedger(db_engine)
    results: list[bool] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait(timeout=10)
        results.append(ledger.claim("t2:1:toolu_x", "t2", "probe_once"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 7 + [True]
