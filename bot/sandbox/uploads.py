"""The two file endpoints outside `/api/`: the upload URL a bot POSTs a file's bytes to, and the file's bytes.

Slack's upload URL takes the bytes raw (slack_sdk's way) or as a multipart form (curl's `-F`), needs no token
(the URL is the secret) and answers `OK - <length>` in plain text; slack_sdk only looks at the status. Here it
also refuses what Slack would make fail later: a second upload, and bytes that differ from the declared length.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from bot.sandbox.records import File
from bot.sandbox.state import SandboxState

_CHUNK_BYTES = 64 * 1024


async def read_at_most(read_chunk: Callable[[int], Awaitable[bytes]], limit: int) -> bytes:
    """The body, or enough of it to tell that it is longer than `limit`, without reading all of it.

    Chunks are always full-sized: aiohttp's multipart reader refuses chunks shorter than its boundary."""
    data = bytearray()
    while len(data) <= limit:
        chunk = await read_chunk(_CHUNK_BYTES)
        if not chunk:
            break
        data += chunk
    return bytes(data)


async def uploaded_bytes(request: web.Request, limit: int) -> bytes:
    """The file in the body: the whole body, or in a multipart form the first part with a filename (else the first)."""
    if request.content_type != "multipart/form-data":
        return await read_at_most(request.content.read, limit)
    first: bytes | None = None
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = await read_at_most(part.read_chunk, limit)
        if part.filename:
            return data
        if first is None:
            first = data
    return first or b""


class UploadRoutes:
    """`POST /upload/v1/<file_id>` (the upload_url) and `GET /files/<file_id>` (url_private, also the page's)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/upload/v1/{file_id}", self.upload), web.get("/files/{file_id}", self.download)]

    async def upload(self, request: web.Request) -> web.Response:
        file = self.state.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="no such upload")
        if file.content is not None or file.completed:
            return web.Response(status=404, text="this upload URL was already used")
        content = await uploaded_bytes(request, file.size)
        if len(content) != file.size:
            shown = f"more than {file.size}" if len(content) > file.size else str(len(content))
            return web.Response(status=400, text=f"expected {file.size} bytes, received {shown}")
        self.state.store_file_content(file, content)
        return web.Response(text=f"OK - {file.size}")

    async def download(self, request: web.Request) -> web.Response:
        file = self.state.files.get(request.match_info["file_id"])
        if file is None or not file.completed or file.content is None:
            raise web.HTTPNotFound(text="no such file")
        return web.Response(body=file.content, content_type=file.mimetype, headers=self.download_headers(file))

    def download_headers(self, file: File) -> dict[str, str]:
        """Images show inline; anything else downloads. The file is the bot's, never a page of the sandbox."""
        disposition = "inline" if file.is_image else "attachment"
        return {
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(file.name)}",
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
        }
