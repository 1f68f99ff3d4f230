"""Untrusted text as Slack mrkdwn: no mention, broadcast, link or code fence survives, the words do."""

from __future__ import annotations

import html
import os
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.slack_text import code_block, escape, escape_answer, inline_code, mention, no_broadcasts, quote

EXAMPLES = max(50, int(os.environ.get("OPSGATE_FUZZ_EXAMPLES", "300")) // 2)
FRAGMENTS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0ONCALL>",
    "<@U123>",
    "<#C1|x>",
    "<https://evil.example|docs>",
    "<mailto:a@b.example|mail>",
    "https://evil.example/login",
    "HTTP://x",
    "mailto:a@b.example",
    "＜!here＞",
    "﹤@U1﹥",
    "```",
    "``",
    "`",
    "&lt;!channel&gt;",
    "&amp;",
    "&",
    "<",
    ">",
    "\u200b",
    "\u2060",
    "\u202e",
    "\n",
    "*bold*",
    "_i_",
    "> ",
]
UNTRUSTED = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=12).map("".join)
LIVE = re.compile(r"(?i)[a-z][a-z0-9+.-]*://|mailto:(?!\u2060)")


def test_a_mailto_glued_to_a_url_is_not_live() -> None:
    """Found by the property below with new examples: the URL's scheme was neutralised, the `mailto:` after it
    (preceded by a letter) was not."""
    shown = escape("https://evil.example/loginmailto:a@b.example")
    assert LIVE.search(shown) is None and "mailto:\u2060a@b.example" in shown


def test_control_sequences_become_the_text_they_were() -> None:
    assert escape("ping <!channel> & <@U1>, see <https://evil|docs>") == (
        "ping &lt;!channel&gt; &amp; &lt;@U1&gt;, see &lt;https:\u2060//evil|docs&gt;"
    )
    assert escape("&lt;") == "&amp;lt;"  # shown as typed, not decoded into a `<`
    assert escape("＜!channel＞") == "＜!channel＞"  # fullwidth brackets mean nothing to Slack


def test_bare_urls_are_kept_readable_but_not_live() -> None:
    shown = escape("open https://evil.example/x or mailto:a@b.example")

    assert shown.replace("\u2060", "") == "open https://evil.example/x or mailto:a@b.example"
    assert LIVE.search(shown) is None


def test_untrusted_text_opens_no_code_block_and_keeps_inline_code() -> None:
    assert "```" not in escape("a```b``c`")
    assert escape("run `kubectl get pods`") == "run `kubectl get pods`\u200b"
    assert escape_answer("*Done*:\n```\nkubectl get pods\n```") == "*Done*:\n```\nkubectl get pods\n```"


def test_a_code_block_ends_where_opsgate_ends_it() -> None:
    block = code_block('{"cmd": "echo ```\\n<!channel>```"}')

    assert block.startswith("```") and block.endswith("```")
    assert block.count("```") == 2
    assert "<" not in block[3:-3]
    assert code_block("`") == "```\u200b`\u200b```"
    assert code_block("") == "``` ```"


def test_inline_code_holds_no_backtick_and_no_newline() -> None:
    assert inline_code("a`b\nc<d>") == "`aˋb c&lt;d&gt;`"


def test_limits_apply_to_what_is_posted_and_keep_the_closing_fence() -> None:
    block = code_block("<" * 5000, 300)

    assert len(block) <= 300 and block.endswith("…```") and block.count("```") == 2
    assert len(escape("&" * 100, 50)) <= 50
    assert quote("line one\n<!here> two", 100) == "> line one\n> &lt;!here&gt; two"


def test_mentions_are_built_only_for_slack_ids() -> None:
    assert mention("U0ALICE") == "<@U0ALICE>"
    assert mention("S0ONCALL") == "<!subteam^S0ONCALL>"
    assert mention("U1><!channel") == "U1&gt;&lt;!channel"
    assert mention("opsgate") == "opsgate"


def test_the_net_catches_broadcasts_and_leaves_opsgates_own_markup() -> None:
    text = "<@U1> <!subteam^S1> <!date^1^{time}|x> <!channel> <!here|here> <!everyone>"

    assert (
        no_broadcasts(text)
        == "<@U1> <!subteam^S1> <!date^1^{time}|x> &lt;!channel&gt; &lt;!here|here&gt; &lt;!everyone&gt;"
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED)
def test_nothing_untrusted_is_live_whichever_way_it_is_shown(text: str) -> None:
    for shown in (escape(text), escape_answer(text), inline_code(text), code_block(text), quote(text)):
        assert "<" not in shown and ">" not in shown.replace("> ", "").replace("&gt;", "")
        assert LIVE.search(shown) is None
    assert "```" not in escape(text) and "```" not in quote(text)
    assert "`" not in inline_code(text)[1:-1]
    assert code_block(text).count("```") == 2
    assert html.unescape(escape_answer(text)).replace("\u2060", "") == text.replace("\u2060", "")  # no word lost


@settings(max_examples=EXAMPLES, deadline=None)
@given(UNTRUSTED, st.integers(min_value=10, max_value=400))
def test_limits_hold_for_any_text(text: str, limit: int) -> None:
    for render in (escape, escape_answer, inline_code, code_block, quote):
        assert len(render(text, limit)) <= limit
    assert code_block(text, limit).endswith("```")
