"""The Slack Web API methods the bot uses, over the sandbox state, with Slack's error codes and limits.

Each method takes the request's parameters (already merged from query, form and JSON) and returns the fields of
an `{"ok": true, ...}` answer, or raises `ApiError`, which the HTTP layer turns into Slack's failure shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sandbox.errors import ApiError
from bot.sandbox.files import FileMethods
from bot.sandbox.history import HistoryMethods
from bot.sandbox.message_content import POST_MESSAGE_MAX_TEXT, UPDATE_MAX_TEXT, checked_content, checked_metadata
from bot.sandbox.rate_limit import ChannelRateLimiter
from bot.sandbox.records import Channel, Team
from bot.sandbox.state import SandboxState
from bot.sandbox.views import ViewMethods


class WebApi:
    """Dispatches `POST /api/<method>` to the method that answers it; `base_url` is the sandbox's own, for the
    URLs it hands out (file uploads)."""

    def __init__(self, state: SandboxState, limiter: ChannelRateLimiter, base_url: Callable[[], str]) -> None:
        self.state = state
        self.limiter = limiter
        views = ViewMethods(state)
        files = FileMethods(state, base_url)
        history = HistoryMethods(state, self.member_channel)
        self.methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.delete": self.chat_delete,
            "conversations.history": history.conversations_history,
            "conversations.replies": history.conversations_replies,
            "views.open": views.views_open,
            "views.update": views.views_update,
            "users.info": self.users_info,
            "usergroups.users.list": self.usergroups_users_list,
            "conversations.open": self.conversations_open,
            "files.getUploadURLExternal": files.files_get_upload_url_external,
            "files.completeUploadExternal": files.files_complete_upload_external,
        }

    def call(self, method: str, params: dict[str, Any], caller: Team | None = None) -> dict[str, Any]:
        """Answer `method`; `caller` is the workspace of the token (auth.test answers for it, everything else
        acts in the channels the workspaces share)."""
        handler = self.methods.get(method)
        if handler is None:
            raise ApiError("unknown_method", status=404)
        if method == "auth.test":
            return self.auth_test(params, caller)
        return handler(params)

    def channel(self, params: dict[str, Any]) -> Channel:
        """The channel named by `channel`: an id, a name (with or without #), or a user id (their DM)."""
        wanted = str(params.get("channel") or "")
        if wanted in self.state.channels:
            return self.state.channels[wanted]
        if wanted in self.state.users:
            return self.state.open_dm([wanted])
        by_name = {c.name: c for c in self.state.channels.values()}
        channel = by_name.get(wanted.removeprefix("#"))
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def member_channel(self, params: dict[str, Any]) -> Channel:
        channel = self.channel(params)
        if self.state.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def auth_test(self, params: dict[str, Any], caller: Team | None = None) -> dict[str, Any]:
        team = caller or self.state.team
        return {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": self.state.users[self.state.bot_user_id].name,
            "team_id": team.id,
            "user_id": self.state.bot_user_id,
            "bot_id": self.state.bot_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(params)
        retry_after = self.limiter.retry_after(channel.id)
        if retry_after is not None:
            self.state.rate_limited[channel.id] = self.state.rate_limited.get(channel.id, 0) + 1
            raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        if self.state.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        text, blocks = checked_content(params, max_text=POST_MESSAGE_MAX_TEXT)
        metadata = checked_metadata(params)
        thread_ts = params.get("thread_ts") or None
        message = self.state.post_message(
            channel.id,
            text=text or "",
            blocks=blocks,
            user=self.state.bot_user_id,
            bot_id=self.state.bot_id,
            thread_ts=None if thread_ts is None else str(thread_ts),
            metadata=metadata,
        )
        message_api = message.to_api(self.state.team.id, self.state.files)
        return {"channel": channel.id, "ts": message.ts, "message": message_api}

    def chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(params)
        message = self.state.find_message(channel.id, str(params.get("ts") or ""))
        if message is None:
            raise ApiError("message_not_found")
        if message.bot_id != self.state.bot_id:
            raise ApiError("cant_update_message")
        text, blocks = checked_content(params, max_text=UPDATE_MAX_TEXT)
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        message.edit_count += 1
        self.state.touch()
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(self.state.team.id, self.state.files),
        }

    def chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(params)
        message = self.state.find_message(channel.id, str(params.get("ts") or ""))
        if message is None:
            raise ApiError("message_not_found")
        if message.bot_id != self.state.bot_id:
            raise ApiError("cant_delete_message")
        self.state.delete_message(message)
        return {"channel": channel.id, "ts": message.ts}

    def chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.member_channel(params)
        user = str(params.get("user") or "")
        if user not in self.state.users:
            raise ApiError("user_not_found")
        if user not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks = checked_content(params, max_text=POST_MESSAGE_MAX_TEXT)
        ephemeral = self.state.post_ephemeral(channel.id, user, text=text or "", blocks=blocks, source="api")
        return {"message_ts": ephemeral.ts}

    def users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.state.users.get(str(params.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        profile: dict[str, Any] = {"real_name": user.real_name, "display_name": user.name}
        if user.bot_id:
            profile["bot_id"] = user.bot_id
        return {
            "user": {
                "id": user.id,
                "team_id": self.state.team.id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": False,
                "is_bot": user.is_bot,
                "profile": profile,
            }
        }

    def usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("team_id") not in (None, "", self.state.team.id):
            raise ApiError("team_access_not_granted")  # as Slack answers a token for another workspace's group
        group = self.state.usergroups.get(str(params.get("usergroup") or ""))
        if group is None:
            raise ApiError("no_such_subteam")
        return {"users": list(group.users)}

    def conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("users") or ""
        user_ids = [u.strip() for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u.strip()]
        if not user_ids:
            raise ApiError("users_list_not_supplied")
        if any(u not in self.state.users for u in user_ids):
            raise ApiError("user_not_found")
        channel = self.state.open_dm(user_ids)
        return {"channel": {"id": channel.id}}
