"""A follow-up's digest of its thread: within budget whatever the thread, first and latest turns kept, counts said."""

from __future__ import annotations

import random
import re

import pytest

from agents.context.thread import DIGEST_CHARS, HEADING, ThreadTurn, thread_digest

ROUTINE = "checked {svc}: healthy, p99 {ms} ms, {n} of {n} replicas"


def _answer(rng: random.Random, turn: int, lines: int) -> str:
    body = [ROUTINE.format(svc=f"svc-{i}", ms=rng.randint(20, 90), n=rng.randint(2, 5)) for i in range(lines)]
    body.insert(lines // 2, f"ERROR turn-{turn}: db-{turn}.internal pool exhausted")
    return f"Answer to turn {turn}.\n" + "\n".join(body)


def _thread(seed: int, turns: int) -> list[ThreadTurn]:
    rng = random.Random(seed)
    return [
        ThreadTurn(
            requester=f"U0{rng.choice('ABC')}",
            request=f"turn {n}: " + "and what about the queue? " * rng.choice([1, 3, 40]),
            answer=_answer(rng, n, rng.choice([0, 5, 80])) if n < turns or rng.random() < 0.5 else None,
        )
        for n in range(1, turns + 1)
    ]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("turns", [1, 2, 3, 12, 200])
@pytest.mark.parametrize("budget", [600, 1_500, DIGEST_CHARS])
def test_the_digest_stays_within_its_budget_and_accounts_for_every_turn(seed: int, turns: int, budget: int) -> None:
    thread = _thread(seed, turns)
    digest = thread_digest(thread, budget)
    assert len(digest) <= budget
    assert digest == thread_digest(thread, budget)  # deterministic
    heading, counts = digest.splitlines()[:2]
    assert heading == HEADING
    if turns == 1:
        assert counts.startswith("(1 earlier turn")
        return
    assert counts.startswith(f"({turns} earlier turns: the first and the latest")
    summarised = re.search(r"(\d+) between summarised", counts)
    left_out = re.search(r"(\d+) between left out", counts)
    shown = int(summarised.group(1)) if summarised else 0
    assert shown + (int(left_out.group(1)) if left_out else 0) == turns - 2
    assert len(re.findall(r"^- turn \d+, <@U0\w>: ", digest, re.MULTILINE)) == shown


def test_the_first_request_and_the_latest_turn_are_whole_and_the_turns_between_one_line_each() -> None:
    thread = [ThreadTurn("U0ALICE", "is api healthy?", "api is degraded: 2 of 3 pods ready")]
    thread += [ThreadTurn("U0BOB", f"and step {n}?", _answer(random.Random(n), n, 30)) for n in range(2, 6)]
    thread += [ThreadTurn("U0CAROL", "why is db-7 slow?", "db-7: pool exhausted since 03:12\nmax_connections=100")]
    digest = thread_digest(thread)
    assert digest.startswith(
        "Earlier in this thread:\n(6 earlier turns: the first and the latest in full or by their key lines; "
        "4 between summarised in one line each)\n"
        "Request from <@U0ALICE>: is api healthy?\nAnswer: api is degraded: 2 of 3 pods ready\n\n- turn 2, <@U0BOB>: "
    )
    assert digest.endswith(
        "Request from <@U0CAROL>: why is db-7 slow?\nAnswer: db-7: pool exhausted since 03:12\nmax_connections=100"
    )
    between = [line for line in digest.splitlines() if line.startswith("- turn ")]
    assert [line.split(",")[0] for line in between] == ["- turn 2", "- turn 3", "- turn 4", "- turn 5"]
    for n, line in enumerate(between, start=2):
        assert f"ERROR turn-{n}: db-{n}.internal pool exhausted" in line  # the salient line, not the routine ones


def test_when_the_lines_do_not_fit_the_oldest_between_are_left_out_and_the_newest_kept() -> None:
    thread = [ThreadTurn("U0A", f"request {n}", f"answer {n}: all fine") for n in range(1, 101)]
    digest = thread_digest(thread, 1_500)
    kept = [int(m) for m in re.findall(r"^- turn (\d+),", digest, re.MULTILINE)]
    assert kept == list(range(101 - len(kept) - 1, 100))  # consecutive, ending just before the latest
    assert f"{98 - len(kept)} between left out for length" in digest
    assert "Request from <@U0A>: request 1\n" in digest and digest.endswith("request 100\nAnswer: answer 100: all fine")


def test_a_long_latest_answer_keeps_its_telling_lines_and_says_it_was_cut() -> None:
    rng = random.Random(3)
    long_answer = _answer(rng, 7, 400)
    digest = thread_digest([ThreadTurn("U0A", "first", "ok"), ThreadTurn("U0B", "check everything", long_answer)])
    assert len(digest) <= DIGEST_CHARS
    assert "ERROR turn-7: db-7.internal pool exhausted" in digest
    assert "Answer to turn 7." in digest
    assert re.search(rf"\[cut: \d+ of {len(long_answer.splitlines())} lines kept, the most telling\]", digest)


def test_one_long_line_is_cut_at_its_head_with_the_count_of_what_was_cut() -> None:
    request = "restart " + "api-worker " * 500
    digest = thread_digest([ThreadTurn("U0A", request, None)], 1_000)
    line = next(line for line in digest.splitlines() if line.startswith("Request from"))
    head, cut = re.fullmatch(r"Request from <@U0A>: (.*) \[cut: ([\d,]+) more characters\]", line).groups()  # type: ignore[union-attr]
    assert request.startswith(head)
    assert len(head) + int(cut.replace(",", "")) == len(request.strip())
    assert digest.endswith("Answer: (none yet)")


def test_an_empty_thread_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one earlier turn"):
        thread_digest([])
