"""The README's walkthrough, done in a browser on the stack `make demo` runs (`demo_stack`: the production worker
on the example `opsgate.yml`, the offline model, built-ins over MCP): a person opens the sandbox, picks #ops,
types the first command, watches the thread root reach *Done*, asks for a high-risk restart, approves it as bob,
and tries `/ops` in #random, where the bot is not a member.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import Dialog, async_playwright, expect

from tests.e2e.test_sandbox_browser import ARGS, CHROMIUM
from tests.integration.shipped import DemoStack

pytestmark = pytest.mark.integration


async def test_the_readme_walkthrough_works_as_written_in_a_browser(demo_stack: DemoStack) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make setup` installs it (apt-get install chromium)"
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
