"""`python -m bot.sandbox` runs on its own and prints where to find it."""

from __future__ import annotations

import asyncio
import sys

import aiohttp


async def test_runs_standalone_and_prints_its_urls() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--signing-secret",
        "s3cret",
        "--bot-url",
        "http://127.0.0.1:9/slack/events",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first_line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
        web_url = first_line.rsplit(" ", 1)[1].strip()
        async with aiohttp.ClientSession() as session, session.get(web_url) as response:
            assert response.status == 200
            assert "opsgate sandbox" in await response.text()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
