"""File uploads as slack_sdk's files_upload_v2 makes them: files.getUploadURLExternal, a POST of the bytes to the
upload URL, then files.completeUploadExternal."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
import pytest
from PIL import Image
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import Sandbox
from bot.sandbox.records import Message

from .test_web_api import slack_error


def png_chart() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (30, 144, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


async def fetch(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.content_type, await response.read()


async def upload(url: str, data: bytes | aiohttp.FormData) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, data=data) as response:
        return response.status, await response.text()


async def ticket_for(client: AsyncWebClient, filename: str, content: bytes) -> tuple[str, str]:
    """A file id and upload URL for `content`, as files_upload_v2's first step gets them."""
    ticket = await client.files_getUploadURLExternal(filename=filename, length=len(content))
    return ticket["file_id"], ticket["upload_url"]


async def test_a_png_uploaded_into_a_thread_is_one_reply_carrying_the_file(
    client: AsyncWebClient, sandbox: Sandbox
) -> None:
    root = await client.chat_postMessage(channel="C0OPS", text="Daily digest")
    chart = png_chart()

    reply = await client.files_upload_v2(
        channel="C0OPS",
        thread_ts=root["ts"],
        file=chart,
        filename="deploys.png",
        title="Deploys this week",
        initial_comment="Chart for the week",
    )

    [answered] = reply["files"]
    assert answered["id"].startswith("F")
    assert answered["title"] == "Deploys this week"
    assert reply["file"]["id"] == answered["id"]
    assert len(sandbox.state.messages_in("C0OPS")) == 2
    [_, shared] = sandbox.state.thread("C0OPS", root["ts"])
    assert (shared.text, shared.files, shared.bot_id) == ("Chart for the week", [answered["id"]], "B0BOT")
    file = sandbox.state.files[answered["id"]]
    assert (file.name, file.title, file.mimetype, file.size) == (
        "deploys.png",
        "Deploys this week",
        "image/png",
        len(chart),
    )
    assert (file.channel, file.ts) == ("C0OPS", shared.ts)
    assert await fetch(file.url_private) == (200, "image/png", chart)


async def test_the_message_shows_its_file_like_slack_and_the_page_can_show_it(
    client: AsyncWebClient, sandbox: Sandbox
) -> None:
    chart = png_chart()
    reply = await client.files_upload_v2(channel="C0DEPLOY", file=chart, filename="deploys.png")
    file_id = reply["file"]["id"]

    [message] = sandbox.state.messages_in("C0DEPLOY")
    [shown] = message.to_api(sandbox.state.team.id, sandbox.state.files)["files"]
    async with aiohttp.ClientSession() as session, session.get(sandbox.base_url + "ui/state") as response:
        [on_page] = (await response.json())["messages"]

    assert message.text == ""
    assert {k: shown[k] for k in ("id", "name", "title", "mimetype", "filetype", "size")} == {
        "id": file_id,
        "name": "deploys.png",
        "title": "deploys.png",
        "mimetype": "image/png",
        "filetype": "png",
        "size": len(chart),
    }
    assert on_page["files"] == [
        {
            "id": file_id,
            "name": "deploys.png",
            "title": "deploys.png",
            "mimetype": "image/png",
            "size": len(chart),
            "url": f"/files/{file_id}",
        }
    ]
    assert await fetch(sandbox.base_url + on_page["files"][0]["url"].lstrip("/")) == (200, "image/png", chart)


async def test_a_waiter_wakes_when_the_file_is_shared(client: AsyncWebClient, sandbox: Sandbox) -> None:
    def shared_file(state: Any) -> Message | None:
        return next((m for m in state.messages_in("C0OPS") if m.files), None)

    waiter = asyncio.create_task(sandbox.wait_for(shared_file, timeout=5))
    await client.files_upload_v2(channel="C0OPS", content="a,b\n1,2\n", filename="numbers.csv")

    message = await waiter
    assert sandbox.state.files[message.files[0]].mimetype == "text/csv"


async def test_the_upload_url_takes_the_declared_bytes_once(client: AsyncWebClient, sandbox: Sandbox) -> None:
    file_id, url = await ticket_for(client, "notes.txt", b"hello")
    version = sandbox.state.version

    too_short = await upload(url, b"hell")
    too_long = await upload(url, b"hello!")
    accepted = await upload(url, b"hello")
    again = await upload(url, b"hello")
    unknown = await upload(f"{sandbox.base_url}upload/v1/F0NOPE", b"hello")

    assert url == f"{sandbox.base_url}upload/v1/{file_id}"
    assert (too_short[0], too_long[0]) == (400, 400)
    assert accepted == (200, "OK - 5")
    assert (again[0], unknown[0]) == (404, 404)
    assert sandbox.state.files[file_id].content == b"hello"
    assert sandbox.state.version > version


async def test_a_multipart_upload_completed_without_a_channel_stays_private(
    client: AsyncWebClient, sandbox: Sandbox
) -> None:
    table = b"service,deploys\napi,4\n"
    file_id, url = await ticket_for(client, "deploys.csv", table)
    form = aiohttp.FormData()
    form.add_field("filename", table, filename="deploys.csv", content_type="text/csv")

    uploaded = await upload(url, form)
    completed = await client.files_completeUploadExternal(files=[{"id": file_id, "title": "Deploys"}])
    status, content_type, body = await fetch(sandbox.state.files[file_id].url_private)

    assert uploaded == (200, f"OK - {len(table)}")
    assert [(f["id"], f["title"]) for f in completed["files"]] == [(file_id, "Deploys")]
    assert sandbox.state.files[file_id].completed
    assert sandbox.state.files[file_id].channel is None
    assert [m for m in sandbox.state.messages if m.files] == []
    assert (status, content_type, body) == (200, "text/csv", table)


async def test_a_user_id_in_channels_shares_in_their_dm(client: AsyncWebClient, sandbox: Sandbox) -> None:
    await client.files_upload_v2(channels=["U0DAVE"], content="for you", filename="note.txt")

    [message] = [m for m in sandbox.state.messages if m.files]
    assert message.channel == "D0DAVE"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"length": 5}, "invalid_arguments"),
        ({"filename": "chart.png"}, "invalid_arguments"),
        ({"filename": "chart.png", "length": "lots"}, "invalid_arguments"),
        ({"filename": "chart.png", "length": -1}, "invalid_arguments"),
        ({"filename": "chart.png", "length": 0}, "missing_argument"),
        ({"filename": "chart.png", "length": 10 * 1024 * 1024 + 1}, "file_upload_size_restricted"),
        ({"filename": "chart.png", "length": 5, "alt_txt": "x" * 1001}, "alt_txt_too_large"),
    ],
)
async def test_get_upload_url_checks_its_arguments(client: AsyncWebClient, params: dict[str, Any], error: str) -> None:
    failure = await slack_error(client.api_call("files.getUploadURLExternal", params=params))

    assert failure.response["error"] == error


@pytest.mark.parametrize(
    ("channel", "error"),
    [("C0RANDOM", "not_in_channel"), ("C0NOPE", "channel_not_found"), ("U0ALICE", "invalid_arguments")],
)
async def test_completing_into_a_channel_the_bot_cannot_post_in_fails(
    client: AsyncWebClient, sandbox: Sandbox, channel: str, error: str
) -> None:
    failure = await slack_error(client.files_upload_v2(channel=channel, file=png_chart(), filename="chart.png"))

    assert failure.response["error"] == error
    [file] = sandbox.state.files.values()
    assert not file.completed
    assert [m for m in sandbox.state.messages if m.files] == []


async def test_completing_an_unknown_unsent_or_completed_file_is_file_not_found(
    client: AsyncWebClient, sandbox: Sandbox
) -> None:
    unsent_id, _ = await ticket_for(client, "chart.png", b"12345")
    done_id, url = await ticket_for(client, "chart.png", b"12345")
    await upload(url, b"12345")
    await client.files_completeUploadExternal(files=[{"id": done_id}], channel_id="C0OPS")

    unknown = await slack_error(client.files_completeUploadExternal(files=[{"id": "F0NOPE"}], channel_id="C0OPS"))
    unsent = await slack_error(client.files_completeUploadExternal(files=[{"id": unsent_id}], channel_id="C0OPS"))
    twice = await slack_error(client.files_completeUploadExternal(files=[{"id": done_id}], channel_id="C0OPS"))
    no_files = await slack_error(client.api_call("files.completeUploadExternal", params={"channel_id": "C0OPS"}))

    assert [f.response["error"] for f in (unknown, unsent, twice)] == ["file_not_found"] * 3
    assert no_files.response["error"] == "invalid_arguments"
    assert len([m for m in sandbox.state.messages_in("C0OPS") if m.files]) == 1
