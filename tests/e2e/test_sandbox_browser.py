"""A person's path through the sandbox page in headless Chromium (Debian's package; no browser download):
send `/ops` for a high-risk action, approve it as an eligible approver, see the card change and the task finish.
On the test team (its probe tools); the README's screenshots come from the demo's own walkthrough
(`test_demo_walkthrough.py`), so they show what `make demo` shows.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.async_api import Dialog, async_playwright, expect

from bot.sandbox import SandboxState
from bot.sandbox.records import Message
from tests.integration.flows import attach
from tests.integration.harness import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


async def test_approve_a_high_risk_action_in_the_browser(stack: Stack, probe_name: str) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it (apt-get install chromium)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(stack.sandbox.web_url)
            await page.select_option("#actor", "U0ALICE")
            await page.fill("#composer-text", f"/ops [act:{probe_name}:restart_service] restart it")
            await page.press("#composer-text", "Enter")
            approve = page.locator("button[data-action-id='approval_approve']").last
            await expect(approve).to_be_visible(timeout=20_000)
            await expect(page.get_by_text(f"{probe_name}@staging").first).to_be_visible()

            await page.select_option("#actor", "U0BOB")
            asked: list[str] = []

            async def answer(dialog: Dialog, accept: bool) -> None:
                asked.append(dialog.message)
                await (dialog.accept() if accept else dialog.dismiss())

            page.once("dialog", lambda dialog: answer(dialog, accept=False))
            await approve.click()  # a stray click: the dialog asks first, and Cancel sends nothing
            assert len(asked) == 1 and asked[0].startswith("Approve this action?"), asked
            assert "cannot be undone" in asked[0] or "can be undone" in asked[0], asked
            await expect(approve).to_be_visible()
            page.once("dialog", lambda dialog: answer(dialog, accept=True))
            await approve.click()
            assert len(asked) == 2
            await expect(page.get_by_text("Approved by").first).to_be_visible(timeout=20_000)
            await expect(page.locator("button[data-action-id='approval_approve']")).to_have_count(0)
            await expect(page.get_by_text("Done").first).to_be_visible(timeout=20_000)
        finally:
            await browser.close()
    [root] = [m for m in stack.sandbox.state.messages_in("C0OPS") if probe_name in m.text and m.thread_ts == m.ts]
    task_id = re.search(r"task `(t-[0-9a-f]+)`", json.dumps(root.blocks))
    assert task_id is not None
    outcome = await attach(stack, task_id.group(1))
    assert outcome["phase"] == "done"
    assert len(stack.probe_lines(probe_name, "exec")) == 1  # approved in the browser, executed once


def digest_roots(stack: Stack) -> list[Message]:
    """The digests posted in #ops so far (the sandbox is shared by the session: other tests post digests too)."""
    messages = stack.sandbox.state.messages_in("C0OPS")
    return [m for m in messages if m.text.startswith("Digest on request") and m.thread_ts in (None, m.ts)]


async def test_a_task_thread_ends_with_its_trace_summary_and_a_digest_arrives_with_its_chart(stack: Stack) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it (apt-get install chromium)"
    before = {m.ts for m in digest_roots(stack)}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            await page.goto(stack.sandbox.web_url)
            await page.select_option("#actor", "U0ALICE")
            await page.fill("#composer-text", "/ops what services are running in staging?")
            await page.press("#composer-text", "Enter")
            details = page.locator("button[data-action-id='task_details']").last
            await expect(details).to_be_visible(timeout=30_000)

            await page.fill("#composer-text", "/ops digest now")
            await page.press("#composer-text", "Enter")

            def charted(state: SandboxState) -> bool | None:
                new = [m for m in digest_roots(stack) if m.ts not in before]
                return True if new and any(r.files for r in state.thread("C0OPS", new[0].ts)) else None

            await stack.sandbox.wait_for(charted, timeout=30)
            await expect(page.get_by_text("Digest on request").last).to_be_visible(timeout=30_000)
            await expect(page.locator("img[src*='/files/']").last).to_be_visible(timeout=30_000)
        finally:
            await browser.close()
    digests = [m for m in digest_roots(stack) if m.ts not in before]
    assert len(digests) == 1, [m.text for m in digests]  # one digest for one request
    assert "0 tasks" not in digests[0].text, digests[0].text  # the task just run is in the last 24 hours
    assert any(m.files for m in stack.sandbox.state.thread("C0OPS", digests[0].ts))
