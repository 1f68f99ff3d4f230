"""A step that posts a new Slack message journals its nonce first, and looks for its earlier copy exactly when it
may have posted before: its nonce came from the journal (an earlier attempt got that far), or the post runs again
in the same attempt. Steps that do not post journal nothing extra."""

from __future__ import annotations

from handlers.contracts.post_nonce import PostNonce, current_post_nonce, posts_message
from handlers.steps import slack_step
from testkit.fakes.restate_context import FakeContext


class Poster:
    """Records the nonce each post ran under; fails the first `failures` posts after "Slack" took them."""

    def __init__(self, failures: int = 0) -> None:
        self.seen: list[PostNonce | None] = []
        self.failures = failures

    @posts_message
    async def post(self, text: str) -> str:
        self.seen.append(current_post_nonce())
        if len(self.seen) <= self.failures:
            raise ConnectionError("the answer was lost on the way back")
        return f"ts-{len(self.seen)}"

    async def update(self, text: str) -> None:
        self.seen.append(current_post_nonce())


async def test_a_first_attempt_journals_a_nonce_then_posts_without_looking() -> None:
    ctx, poster = FakeContext(), Poster()

    assert await slack_step(ctx.context, "slack: answer", poster.post, "done") == "ts-1"

    assert ctx.ran == ["slack: answer (nonce)", "slack: answer"]
    [nonce] = poster.seen
    assert nonce is not None and not nonce.look_first
    assert nonce.value == ctx.journal["slack: answer (nonce)"].value


async def test_a_replayed_nonce_means_an_earlier_attempt_may_have_posted() -> None:
    journaled = PostNonce(value="n-earlier", since=1_767_225_600.0)
    ctx, poster = FakeContext(journal={"slack: answer (nonce)": journaled}), Poster()

    await slack_step(ctx.context, "slack: answer", poster.post, "done")

    assert ctx.ran == ["slack: answer"]
    assert poster.seen == [journaled.model_copy(update={"look_first": True})]


async def test_a_post_retried_within_the_attempt_looks_the_second_time() -> None:
    ctx, poster = FakeContext(), Poster(failures=1)

    assert await slack_step(ctx.context, "slack: answer", poster.post, "done") == "ts-2"

    first, second = poster.seen
    assert first is not None and second is not None
    assert (first.look_first, second.look_first) == (False, True)
    assert first.value == second.value


async def test_a_step_that_does_not_post_journals_no_nonce() -> None:
    ctx, poster = FakeContext(), Poster()

    await slack_step(ctx.context, "slack: root", poster.update, "done")

    assert ctx.ran == ["slack: root"]
    assert poster.seen == [None]
