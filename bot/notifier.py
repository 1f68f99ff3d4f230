"""The Slack adapter behind the worker's `ThreadNotifier` port.

Untrusted values that arrive as fields (a task view, a card, a summary, a `post_message` text) are escaped by the
Block Kit builders; free-form thread texts arrive composed by the worker, escaped where it inserted untrusted
parts. Every message then passes `no_broadcasts`, a net for anything missed: opsgate never pings a channel.

Posts made inside a posting step (`handlers.contracts.post_nonce`) carry the step's nonce as message metadata;
when the step may have posted before, the earlier copy is adopted instead (`bot.earlier_posts`), so a root or reply
is posted once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from agents.slack_text import escape_answer, no_broadcasts
from bot.blocks import reply_blocks, root_blocks
from bot.cards import approval_blocks
from bot.earlier_posts import adopt_earlier_post, post_metadata
from bot.reports import digest_blocks, digest_chart_png, summary_blocks
from bot.response_urls import response_url_allowed
from bot.workspaces import WorkspaceTokens
from handlers.contracts import (
    ApprovalCard,
    CardRef,
    ChannelUnavailable,
    DigestReport,
    SlackRetryLater,
    TaskView,
    ThreadRef,
    TraceSummary,
)
from handlers.contracts.post_nonce import current_post_nonce, posts_message

__all__ = ["SlackNotifier"]

_UNAVAILABLE = {"not_in_channel", "channel_not_found", "is_archived"}


def _translate(exc: SlackApiError, channel: str) -> Exception:
    error = exc.response.get("error") if exc.response is not None else None
    if exc.response is not None and exc.response.status_code == 429:
        return SlackRetryLater(float(exc.response.headers.get("Retry-After", "1")))
    if error in _UNAVAILABLE:
        return ChannelUnavailable(channel, str(error))
    return exc


def _without_broadcasts(value: Any) -> Any:
    if isinstance(value, str):
        return no_broadcasts(value)
    if isinstance(value, list):
        return [_without_broadcasts(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_broadcasts(item) for key, item in value.items()}
    return value


log = logging.getLogger(__name__)


class SlackNotifier:
    """Posts and edits messages; Slack's errors become the port's `ChannelUnavailable` / `SlackRetryLater`.

    With one bot token, the client's token speaks everywhere. In OAuth mode (`workspaces`), `for_team` gives the
    notifier of one workspace, whose calls carry that workspace's token; an unscoped notifier posts in the home
    workspace (see bot.workspaces)."""

    def __init__(
        self, client: AsyncWebClient, *, workspaces: WorkspaceTokens | None = None, team_id: str | None = None
    ) -> None:
        self._client = client
        self._workspaces = workspaces
        self._team_id = team_id

    def for_team(self, team_id: str) -> SlackNotifier:
        """The notifier that speaks as opsgate in workspace `team_id` (this one, with a single bot token)."""
        if self._workspaces is None or team_id == self._team_id:
            return self
        return SlackNotifier(self._client, workspaces=self._workspaces, team_id=team_id)

    async def _token(self) -> dict[str, Any]:
        """`token=` for this notifier's workspace; nothing with a single bot token (the client has it)."""
        if self._workspaces is None:
            return {}
        return {"token": await self._workspaces.token_for(self._team_id)}

    async def post(self, channel: str, text: str) -> str:
        """A plain message in a channel (the `post_message` tool's port), as the model wrote it but with no live
        mention, ping or link; returns its ts."""
        _, ts = await self._post(channel, None, escape_answer(text), [])
        return ts

    async def post_notice(self, channel: str, text: str) -> str:
        """opsgate's own message (an alert), composed with every untrusted part escaped where it was put in: posted
        as written (a command in it stays copyable), never as a broadcast; returns its ts."""
        _, ts = await self._post(channel, None, text, [])
        return ts

    async def _post(
        self, channel: str, thread_ts: str | None, text: str, blocks: list[dict[str, Any]]
    ) -> tuple[str, str]:
        nonce = current_post_nonce()
        token = await self._token()
        try:
            if nonce is not None and nonce.look_first:
                earlier = await adopt_earlier_post(self._client, channel, thread_ts, nonce, token)
                if earlier is not None:
                    return channel, earlier
            response = await self._client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=no_broadcasts(text),
                blocks=_without_broadcasts(blocks),
                metadata=None if nonce is None else post_metadata(nonce),
                **token,
            )
        except SlackApiError as exc:
            raise _translate(exc, channel) from exc
        return str(response["channel"]), str(response["ts"])

    async def _update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        try:
            await self._client.chat_update(
                channel=channel,
                ts=ts,
                text=no_broadcasts(text),
                blocks=_without_broadcasts(blocks),
                **await self._token(),
            )
        except SlackApiError as exc:
            raise _translate(exc, channel) from exc

    @posts_message
    async def post_root(self, channel: str, view: TaskView) -> ThreadRef:
        posted_channel, ts = await self._post(channel, None, *root_blocks(view))
        return ThreadRef(channel=posted_channel, ts=ts)

    async def update_root(self, ref: ThreadRef, view: TaskView) -> None:
        await self._update(ref.channel, ref.ts, *root_blocks(view))

    @posts_message
    async def reply(self, ref: ThreadRef, text: str) -> None:
        await self._post(ref.channel, ref.ts, *reply_blocks(text))

    async def tell_requester(self, response_url: str, text: str) -> None:
        if not response_url_allowed(response_url, self._client.base_url):
            log.warning("not calling a response_url outside Slack's hooks host")
            return
        response = await AsyncWebhookClient(response_url).send(text=no_broadcasts(text), response_type="ephemeral")
        if response.status_code == 429:
            raise SlackRetryLater(float(response.headers.get("Retry-After", "1")))
        if response.status_code >= 500:
            raise RuntimeError(f"response_url answered {response.status_code}")

    @posts_message  # a card posted again on replay would be a second card to click: found and adopted instead
    async def post_card(self, channel: str, thread_ts: str | None, card: ApprovalCard) -> CardRef:
        posted_channel, ts = await self._post(channel, thread_ts, *approval_blocks(card))
        return CardRef(channel=posted_channel, ts=ts)

    async def update_card(self, ref: CardRef, card: ApprovalCard) -> None:
        await self._update(ref.channel, ref.ts, *approval_blocks(card))

    @posts_message
    async def post_in_thread(self, channel: str, thread_ts: str, text: str) -> None:
        await self.reply(ThreadRef(channel=channel, ts=thread_ts), text)

    @posts_message
    async def post_summary(self, ref: ThreadRef, summary: TraceSummary) -> None:
        await self._post(ref.channel, ref.ts, *summary_blocks(summary))

    async def post_digest(self, channel: str, report: DigestReport) -> str:
        _, ts = await self._post(channel, None, *digest_blocks(report))
        return ts

    async def post_digest_chart(self, channel: str, ts: str, report: DigestReport) -> None:
        """The chart of tasks and cost per day, as an image in the digest's thread."""
        chart = digest_chart_png(report)
        try:
            await self._client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                content=chart,
                filename=f"opsgate-digest-{report.period_end:%Y%m%d}.png",
                title="Tasks and cost per day",
                **await self._token(),
            )
        except SlackApiError as exc:
            raise _translate(exc, channel) from exc
