"""Everything the sandbox's Slack workspace holds, seeded with a small team, and the only place that changes it.

Every change bumps `version`, which is what `Sandbox.wait_for` and the web page's long poll wake on.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.sandbox.payloads import new_trigger_id
from bot.sandbox.records import (
    ApiCall,
    Channel,
    Ephemeral,
    EphemeralSource,
    File,
    Message,
    ResponseUrl,
    Team,
    Trigger,
    User,
    UserGroup,
    View,
    mimetype_for,
)

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
SECOND_TEAM = Team(id="T0SECOND", domain="second", name="second sandbox")
HUMAN_USERS = {"U0ALICE": "alice", "U0BOB": "bob", "U0CAROL": "carol", "U0DAVE": "dave"}
_FILE_ID_ALPHABET = string.ascii_uppercase + string.digits


class SandboxState:
    """The sandbox workspace: team, users, channels, groups, and what was posted, opened and handed out."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.version = 0
        self.rate_limited: dict[str, int] = {}  # channel -> how many calls got HTTP 429
        self.listeners: list[Callable[[], None]] = []
        self.team = Team(id="T0SANDBOX", domain="sandbox", name="sandbox")
        # Workspaces that can install the app (OAuth). They share one set of users and channels; what tells them
        # apart is the bot token a Web API call carries (`bot_tokens`, recorded in `api_calls`).
        self.workspaces: dict[str, Team] = {self.team.id: self.team, SECOND_TEAM.id: SECOND_TEAM}
        self.bot_tokens: dict[str, str] = {}  # token -> team id
        self.revoked_tokens: set[str] = set()
        self.api_calls: list[ApiCall] = []
        self.bot_user_id = BOT_USER_ID
        self.bot_id = BOT_ID
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.messages: list[Message] = []
        # Called with each message as it is stored, before the poster hears back (tests inject faults there).
        self.post_listeners: list[Callable[[Message], None]] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.files: dict[str, File] = {}
        self._last_ts_micros = 0
        self._seed()

    def _seed(self) -> None:
        self.users[BOT_USER_ID] = User(BOT_USER_ID, "opsgate", "opsgate", is_bot=True, bot_id=BOT_ID)
        for user_id, name in HUMAN_USERS.items():
            self.add_user(user_id, name)
        humans = list(HUMAN_USERS)
        self.add_channel("C0OPS", "ops", members=humans, bot_is_member=True)
        self.add_channel("C0DEPLOY", "deploys", members=humans, bot_is_member=True)
        self.add_channel("C0RANDOM", "random", members=humans, bot_is_member=False)
        self.add_usergroup("S0ONCALL", "oncall", ["U0BOB", "U0CAROL"])

    def touch(self) -> None:
        """Record that something changed, so waiters re-check their conditions."""
        self.version += 1
        for listener in self.listeners:
            listener()

    # --- directory -------------------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, real_name: str | None = None) -> User:
        user = User(user_id, name, real_name or name.title())
        self.users[user_id] = user
        self.touch()
        return user

    def add_channel(
        self, channel_id: str, name: str, *, members: Iterable[str] = (), bot_is_member: bool = False
    ) -> Channel:
        channel = Channel(channel_id, name, members=set(members))
        if bot_is_member:
            channel.members.add(BOT_USER_ID)
        self.channels[channel_id] = channel
        self.touch()
        return channel

    def join(self, channel_id: str, user_id: str) -> None:
        self.channels[channel_id].members.add(user_id)
        self.touch()

    def leave(self, channel_id: str, user_id: str) -> None:
        self.channels[channel_id].members.discard(user_id)
        self.touch()

    def add_usergroup(self, group_id: str, handle: str, users: Iterable[str]) -> UserGroup:
        group = UserGroup(group_id, handle, list(users))
        self.usergroups[group_id] = group
        self.touch()
        return group

    def open_dm(self, user_ids: list[str]) -> Channel:
        """The direct conversation between the bot and these users, created on first use like Slack's."""
        humans = sorted(set(user_ids) - {BOT_USER_ID})
        prefix = "D" if len(humans) == 1 else "G"
        channel_id = prefix + "0" + "".join(h.removeprefix("U0").removeprefix("U") for h in humans)
        if channel_id not in self.channels:
            name = "mpdm-" + "--".join(self.users[h].name for h in humans) if prefix == "G" else channel_id
            members = {*humans, BOT_USER_ID}
            self.channels[channel_id] = Channel(channel_id, name, members=members, is_im=True)
            self.touch()
        return self.channels[channel_id]

    # --- installs --------------------------------------------------------------------------------------

    def issue_bot_token(self, team_id: str, token: str | None = None) -> str:
        """A bot token of workspace `team_id`, as an install hands out (`token` to choose it)."""
        token = token or f"xoxb-{team_id}-{secrets.token_hex(12)}"
        self.bot_tokens[token] = team_id
        self.touch()
        return token

    def revoke_bot_tokens(self, team_id: str) -> list[str]:
        """Uninstall: every bot token of the workspace stops working (`token_revoked`)."""
        revoked = [token for token, team in self.bot_tokens.items() if team == team_id]
        for token in revoked:
            del self.bot_tokens[token]
            self.revoked_tokens.add(token)
        self.touch()
        return revoked

    def calls_by(self, team_id: str, method: str | None = None) -> list[ApiCall]:
        """The Web API calls made with a token of workspace `team_id` (of one method, when given)."""
        return [c for c in self.api_calls if c.team_id == team_id and method in (None, c.method)]

    # --- messages --------------------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A Slack timestamp ("1732512345.000100"): unique and increasing, even when the clock stands still."""
        micros = max(int(self.clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def post_message(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[Any] | None = None,
        user: str | None = None,
        bot_id: str | None = None,
        thread_ts: str | None = None,
        files: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        if thread_ts is not None:
            parent = self.find_message(channel, thread_ts)
            if parent is not None:
                # Slack files a reply to a reply under the thread's root, and marks the root as threaded.
                thread_ts = parent.thread_ts or parent.ts
                root = self.find_message(channel, thread_ts)
                if root is not None:
                    root.thread_ts = root.ts
        message = Message(
            channel,
            self.next_ts(),
            text,
            list(blocks or []),
            user,
            bot_id,
            thread_ts,
            files=list(files or []),
            metadata=metadata,
        )
        self.messages.append(message)
        self.touch()
        for listener in list(self.post_listeners):
            listener(message)
        return message

    def delete_message(self, message: Message) -> None:
        """Slack's chat.delete: the message is gone from the channel, its thread and every reader."""
        message.deleted = True
        self.touch()

    def find_message(self, channel: str, ts: str) -> Message | None:
        for message in self.messages:
            if message.channel == channel and message.ts == ts and not message.deleted:
                return message
        return None

    def messages_in(self, channel: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and not m.deleted]

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """The root and its replies, oldest first."""
        return [m for m in self.messages_in(channel) if m.ts == thread_ts or m.thread_ts == thread_ts]

    def post_ephemeral(
        self, channel: str, user: str, *, text: str, blocks: list[Any] | None = None, source: EphemeralSource
    ) -> Ephemeral:
        ephemeral = Ephemeral(channel, user, self.next_ts(), text, list(blocks or []), source)
        self.ephemerals.append(ephemeral)
        self.touch()
        return ephemeral

    def ephemerals_for(self, channel: str, user: str) -> list[Ephemeral]:
        return [e for e in self.ephemerals if e.channel == channel and e.user == user and not e.deleted]

    def find_ephemeral(self, channel: str, user: str, ts: str) -> Ephemeral | None:
        return next((e for e in self.ephemerals_for(channel, user) if e.ts == ts), None)

    # --- files ----------------------------------------------------------------------------------------

    def issue_file(self, base_url: str, *, name: str, size: int, alt_txt: str | None = None) -> File:
        """A file the bot may now upload `size` bytes for; its bytes will be served at `url_private`."""
        file_id = "F0" + "".join(secrets.choice(_FILE_ID_ALPHABET) for _ in range(9))
        file = File(
            file_id,
            name,
            name,
            mimetype_for(name),
            size,
            self.bot_user_id,
            self.clock(),
            f"{base_url}files/{file_id}",
            alt_txt,
        )
        self.files[file_id] = file
        self.touch()
        return file

    def store_file_content(self, file: File, content: bytes) -> None:
        file.content = content
        self.touch()

    def complete_files(
        self,
        files: list[tuple[File, str]],
        channels: list[str],
        *,
        text: str,
        blocks: list[Any] | None = None,
        thread_ts: str | None = None,
    ) -> list[Message]:
        """Finish uploads, giving each file its title, and share them all in one message per channel."""
        for file, title in files:
            file.title = title
            file.completed = True
        shared = [
            self.post_message(
                channel,
                text=text,
                blocks=blocks,
                user=self.bot_user_id,
                bot_id=self.bot_id,
                thread_ts=thread_ts,
                files=[file.id for file, _ in files],
            )
            for channel in channels
        ]
        for message in shared:
            for file, _ in files:
                if file.channel is None:
                    file.channel, file.ts = message.channel, message.ts
        self.touch()
        return shared

    # --- ids handed to the bot -------------------------------------------------------------------------

    def issue_trigger(self, user: str, trigger_id: str | None = None) -> Trigger:
        """A fresh trigger; or, when replaying a request, the one already issued under `trigger_id`."""
        if trigger_id is not None and trigger_id in self.triggers:
            return self.triggers[trigger_id]
        trigger = Trigger(trigger_id or new_trigger_id(self.clock()), user, self.clock())
        self.triggers[trigger.id] = trigger
        return trigger

    def issue_response_url(
        self,
        base_url: str,
        *,
        channel: str,
        user: str,
        message_ts: str | None = None,
        message_is_ephemeral: bool = False,
    ) -> ResponseUrl:
        url_id = f"{self.team.id}/{secrets.randbelow(10**12):012d}/{secrets.token_urlsafe(18)}"
        url = ResponseUrl(
            url_id,
            f"{base_url}response/{url_id}",
            channel,
            user,
            self.clock(),
            message_ts,
            message_is_ephemeral,
        )
        self.response_urls[url_id] = url
        return url
