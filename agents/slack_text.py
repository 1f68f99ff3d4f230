"""Text from people, models and tools made safe to post as Slack mrkdwn, keeping what it says readable.

Slack reads `<…>` as a control sequence: `<!channel>`, `<!here>`, `<!subteam^S1>` notify people, `<@U1>` and
`<#C1>` mention, `<https://evil|docs>` is a link whose label hides its target. Escaping `&`, `<` and `>` as
entities (Slack's own rule) turns every one of them into the text it was. Beyond that:

- **Bare URLs.** Slack links `https://…` written as plain text. A word joiner (U+2060, invisible) after the
  scheme's colon keeps the text as written but not live, so nothing opsgate posts from untrusted text is a link;
  to open one, a person copies it by hand. Text without a scheme (`evil.com`) may still be linked by Slack, but
  its label is then its target: it cannot disguise where it leads.
- **Code.** Untrusted text never opens or closes a code block: in running text and inside ```` ``` ```` blocks, a
  zero-width space goes between two backticks and outside a backtick at either end, so ```` ``` ```` cannot form.
  Inline code cannot hold a backtick at all, so one shows there as the look-alike `ˋ` (U+02CB).
- **The model's answer** keeps its mrkdwn (`*bold*`, `` `code` ``, fences): only `&<>` and URLs are treated.

Where opsgate puts its own markup (an approver's `<@U…>`, emoji, backticks around a tool name) around untrusted
text, the untrusted part alone goes through these functions, at the point where it is inserted; `mention` builds
the markup for a known id. Limits apply to the output, so escaping never pushes a text past a Slack limit and a
cut never drops a closing fence. This lives in `agents` because it is pure string code that both the worker's
handlers (thread lines they compose) and the bot (Block Kit) need, and `agents` is the package both may import.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["code_block", "entities", "escape", "escape_answer", "inline_code", "mention", "no_broadcasts", "quote"]

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_SCHEME = re.compile(r"(?i)([a-z][a-z0-9+.-]{0,31}):(?=//)|mailto:(?=\S)|(?<![a-z0-9+.-])tel:(?=\S)")
"""A scheme's colon, where Slack would make a link of what follows: before `//` whatever precedes the scheme
(`.https://…` and `-https://…` were left live, their scheme seen as starting at the `.`; found by hypothesis),
`mailto:` even glued to a word before it (`…/loginmailto:a@b.example`), `tel:` only as a word of its own (not
`hotel:`)."""
_BACKTICK_PAIR = re.compile(r"`(?=`)")
_WORD_JOINER = "\u2060"
_ZERO_WIDTH_SPACE = "\u200b"
_LOOKALIKE_BACKTICK = "\u02cb"
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{1,20}")
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{1,20}")
_BROADCAST = re.compile(r"<(!(?:channel|here|everyone)\b[^>]*)>", re.IGNORECASE)


def _entities_and_links(text: str) -> str:
    return _SCHEME.sub(lambda m: f"{m.group(0)}{_WORD_JOINER}", text.translate(_ENTITIES))


def entities(text: str) -> str:
    """Only `&`, `<` and `>` as Slack's entities, links left usable: for opsgate's own values (a URL from its
    settings in a command to copy), never for text from a person, a model or a tool."""
    return text.translate(_ENTITIES)


def _no_fences(text: str) -> str:
    """No two backticks side by side, and none at either end where opsgate's own markup may follow."""
    text = _BACKTICK_PAIR.sub("`" + _ZERO_WIDTH_SPACE, text)
    if text.startswith("`"):
        text = _ZERO_WIDTH_SPACE + text
    if text.endswith("`"):
        text += _ZERO_WIDTH_SPACE
    return text


def _fit(text: str, render: Callable[[str], str], limit: int | None) -> str:
    """`render(text)` within `limit` characters, cutting the raw text (with "…") rather than the result."""
    out = render(text)
    if limit is None or len(out) <= limit:
        return out
    low, high = 0, len(text) - 1  # the longest prefix whose rendering, with "…", fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(text[:middle] + "…")) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(text[:low] + "…")


def escape(text: str, limit: int | None = None) -> str:
    """Untrusted text inside opsgate's mrkdwn: no mention, broadcast, link or code fence of its own."""
    return _fit(text, lambda t: _no_fences(_entities_and_links(t)), limit)


def escape_answer(text: str, limit: int | None = None) -> str:
    """The model's answer: its formatting kept (bold, code, fences), its mentions, broadcasts and links not."""
    return _fit(text, _entities_and_links, limit)


def inline_code(text: str, limit: int | None = None) -> str:
    """`text` as one inline code span: on one line, backticks shown as a look-alike."""
    flat = " ".join(text.replace("`", _LOOKALIKE_BACKTICK).splitlines())
    return _fit(flat, lambda t: f"`{_entities_and_links(t) or ' '}`", limit)


def code_block(text: str, limit: int | None = None) -> str:
    """`text` as a ```` ``` ```` block it cannot close early: it ends where opsgate ends it."""
    return _fit(text, lambda t: f"```{_no_fences(_entities_and_links(t)) or ' '}```", limit)


def quote(text: str, limit: int | None = None) -> str:
    """Untrusted text as a block quote, every line escaped."""
    return _fit(text, lambda t: "\n".join("> " + escape(line) for line in t.splitlines() or [""]), limit)


def mention(slack_id: str) -> str:
    """A mention opsgate means: `<@U…>` for a user id, `<!subteam^S…>` for a user group, either also when written
    after its workspace (`T…:U…`, `approvals.people`: Slack mentions by id alone); anything else as text."""
    slack_id = _unqualified(slack_id)
    if _USER_ID.fullmatch(slack_id):
        return f"<@{slack_id}>"
    if _GROUP_ID.fullmatch(slack_id):
        return f"<!subteam^{slack_id}>"
    return escape(slack_id, 40)


def approver_mention(slack_id: str, *, ping_groups: bool = True) -> str:
    """`mention`, except that a user group is named without a ping when `ping_groups` is off (`approvals.caps`)."""
    if not ping_groups and _GROUP_ID.fullmatch(_unqualified(slack_id)):
        return f"group `{_unqualified(slack_id)}`"
    return mention(slack_id)


def _unqualified(slack_id: str) -> str:
    team, _, rest = slack_id.partition(":")
    return rest if rest and _TEAM_ID.fullmatch(team) else slack_id


def no_broadcasts(text: str) -> str:
    """A last net for whole messages: opsgate never notifies a channel, so `<!channel>`, `<!here>` and
    `<!everyone>` are shown as text wherever they come from (escaping at insertion is the defence; this is not)."""
    return _BROADCAST.sub(lambda m: f"&lt;{m.group(1)}&gt;", text) if "<!" in text else text
