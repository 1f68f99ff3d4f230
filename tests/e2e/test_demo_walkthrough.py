"""The README's walkthrough, done in a browser on the stack `make demo` runs (`demo_stack`: the production worker
on the example `opsgate.yml`, the offline model, built-ins over MCP): a person opens the sandbox, picks #ops,
types the first command, watches the thread root reach *Done*, asks for a high-risk restart, approves it as bob,
asks for a digest, and tries `/ops` in #random, where the bot is not a member.

The README's screenshots are taken here, one task's thread each, so they show what `make demo` shows: the offline
model (free), the example team's agents, the card's dry run. They go to a temporary folder, so a test run leaves
the tracked images alone; `make screenshots` sets `OPSGATE_SCREENSHOTS_DIR` to docs/ to retake them on purpose.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.async_api import Dialog, Page, async_playwright, expect

from bot.sandbox import Sandbox, SandboxState
from bot.sandbox.records import Message
from tests.e2e.test_sandbox_browser import ARGS, CHROMIUM
from tests.integration.shipped import DemoStack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCREENSHOTS_VARIABLE = "OPSGATE_SCREENSHOTS_DIR"
SHOTS = ("trace-summary", "approval", "digest")  # docs/sandbox-<name>.png, in the README


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the screenshots go: `OPSGATE_SCREENSHOTS_DIR` when set (`make screenshots`), else a temporary folder."""
    configured = os.environ.get(SCREENSHOTS_VARIABLE)
    return Path(configured) if configured else tmp_path


async def ended_thread(sandbox: Sandbox, starts: str, needle: str = "Task done") -> Message:
    """The latest root in #ops whose text starts with `starts`, once its thread holds `needle` (bounded wait)."""

    def find(state: SandboxState) -> Message | None:
        roots = [m for m in state.messages_in("C0OPS") if m.thread_ts == m.ts and starts in json.dumps(m.blocks)]
        if roots and any(needle in reply.text for reply in state.thread("C0OPS", roots[-1].ts)):
            return roots[-1]
        return None

    root: Message = await sandbox.wait_for(find, timeout=60)
    return root


def digest_roots(sandbox: Sandbox) -> list[Message]:
    """The digests in #ops so far (the sandbox is shared by the session: other tests post digests too)."""
    messages = sandbox.state.messages_in("C0OPS")
    return [m for m in messages if m.text.startswith("Digest on request") and m.thread_ts in (None, m.ts)]


async def shoot(page: Page, root: Message, path: Path) -> None:
    """One task's thread: its root and every reply, as the page shows them."""
    thread = page.locator(f"div.msg[data-ts='{root.ts}']")
    await expect(thread).to_be_visible(timeout=10_000)
    viewport = page.viewport_size
    await page.set_viewport_size({"width": 1280, "height": 3000})  # the whole thread in view, under no header
    try:
        await thread.scroll_into_view_if_needed()
        await thread.screenshot(path=str(path))
    finally:
        if viewport is not None:
            await page.set_viewport_size(viewport)


async def test_the_readme_walkthrough_works_as_written_in_a_browser(demo_stack: DemoStack, screenshots: Path) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it (apt-get install chromium)"
    summary_shot, approval_shot, digest_shot = (screenshots / f"sandbox-{name}.png" for name in SHOTS)
    sandbox = demo_stack.stack.sandbox
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(sandbox.web_url)
            await page.get_by_role("button", name="ops", exact=False).first.click()  # "pick #ops"
            await page.select_option("#actor", "U0ALICE")
            # "Open it, pick #ops and type: /ops what services are running in staging?"
            await page.fill("#composer-text", "/ops what services are running in staging?")
            await page.press("#composer-text", "Enter")
            await expect(page.get_by_text("On it").first).to_be_visible(timeout=10_000)  # the ephemeral ack
            await expect(page.get_by_text("Done").first).to_be_visible(timeout=30_000)
            roots = [m for m in sandbox.state.messages_in("C0OPS") if m.thread_ts == m.ts]
            assert roots, "a thread root appeared"
            answer = [m.text for m in sandbox.state.thread("C0OPS", roots[-1].ts) if m.ts != roots[-1].ts]
            assert any("staging" in text for text in answer), answer  # the answer is in its thread
            first = await ended_thread(sandbox, "what services are running in staging")
            await page.wait_for_timeout(1_500)  # the page polls the sandbox: let it draw the summary
            await shoot(page, first, summary_shot)

            # "/ops restart api in staging — high: an approval card; approve as bob or carol, and it runs once"
            await page.fill("#composer-text", "/ops restart api in staging")
            await page.press("#composer-text", "Enter")
            approve = page.locator("button[data-action-id='approval_approve']").last
            await expect(approve).to_be_visible(timeout=30_000)
            await page.select_option("#actor", "U0BOB")

            async def accept(dialog: Dialog) -> None:
                await dialog.accept()

            page.once("dialog", accept)
            await approve.click()
            await expect(page.get_by_text("Approved by").first).to_be_visible(timeout=30_000)
            await expect(page.locator("button[data-action-id='approval_approve']")).to_have_count(0)
            restart = await ended_thread(sandbox, "restart api in staging")
            await page.wait_for_timeout(1_500)
            await shoot(page, restart, approval_shot)

            # The digest of the channel, asked for now, with its chart in its thread.
            earlier = {m.ts for m in digest_roots(sandbox)}
            await page.fill("#composer-text", "/ops digest now")
            await page.press("#composer-text", "Enter")

            def charted(state: SandboxState) -> bool | None:
                new = [m for m in digest_roots(sandbox) if m.ts not in earlier]
                return True if new and any(r.files for r in state.thread("C0OPS", new[0].ts)) else None

            await sandbox.wait_for(charted, timeout=30)
            digests = [m for m in digest_roots(sandbox) if m.ts not in earlier]
            assert len(digests) == 1, [m.text for m in digests]
            assert "$0" in json.dumps(digests[0].blocks) or "$0" in digests[0].text  # the offline model is free
            await page.wait_for_timeout(1_500)
            await shoot(page, digests[0], digest_shot)

            # "/ops in #random (the bot is not a member there, and tells you how to invite it)"
            await page.get_by_role("button", name="random", exact=False).first.click()
            await page.select_option("#actor", "U0ALICE")
            await page.fill("#composer-text", "/ops what services are running in staging?")
            await page.press("#composer-text", "Enter")
            await expect(page.get_by_text("/invite").first).to_be_visible(timeout=20_000)
        finally:
            await browser.close()

    cards = [m for m in sandbox.state.messages_in("C0OPS") if "restart_service" in json.dumps(m.blocks)]
    assert any("Approved by" in json.dumps(m.blocks) for m in cards)

    def restarted(_: object) -> bool | None:
        executed = [m for m in sandbox.state.messages_in("C0OPS") if "Task done" in m.text]
        return True if len(executed) >= 2 else None  # both tasks ended with their trace summary

    await sandbox.wait_for(restarted, timeout=30)
    for shot in (summary_shot, approval_shot, digest_shot):
        assert shot.read_bytes().startswith(b"\x89PNG"), shot  # each thread was shot, wherever they go
