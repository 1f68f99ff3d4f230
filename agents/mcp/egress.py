"""Where an open-world tool call would send data, checked against an allowlist of hosts before it runs.

The checker reads every string in the call's arguments (recursively) and finds destinations three ways: URLs
anywhere in the text (`https://host/...`, `//host/...`), e-mail addresses anywhere (their domain), and bare
host names or IP addresses where they stand alone, either as a whole value (`"host": "api.example.com"`) or in
free text when followed by a path or port (`api.example.com/v1`). A host name mentioned in prose without a path is
not a destination: `see runbook.md` must not be blocked. It fails closed: an unparsable URL, or arguments nested
too deeply to read, is a reason to refuse.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

__all__ = ["EgressPolicy"]

_MAX_DEPTH = 32
_MAX_STRINGS = 10_000
_LABEL = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
_HOST = rf"(?:{_LABEL}\.)+[a-z][a-z0-9-]{{0,62}}"
_URL = re.compile(r"(?<![\w.+-])(?:[a-z][a-z0-9+.-]{0,30}:)?//[^\s<>\"'`]+", re.I)
_EMAIL = re.compile(rf"[\w.!#$%&'*+/=?^`{{|}}~-]+@({_HOST})", re.I)
_HOST_WITH_PATH = re.compile(rf"(?<![\w@.-])((?:www\.)?{_HOST})(?=[/:]\S)", re.I)
_WHOLE_HOST = re.compile(rf"(?:{_HOST}|\d{{1,3}}(?:\.\d{{1,3}}){{3}}|\[[0-9a-f:.]+\])\.?(?::\d{{1,5}})?", re.I)
_PATTERN = re.compile(r"^(?:\*\.)?(?:[a-z0-9*?-]+\.)*[a-z0-9*?-]+$")
_HOST_KEYS = re.compile(r"host|domain|url|uri|endpoint|server|webhook|email|recipient|^to$|^cc$|^bcc$", re.I)


def _normalize(host: str) -> str:
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


class EgressPolicy:
    """Hosts a call may reach, as globs: `hooks.slack.com`, `*.example.com` (subdomains only, not the apex)."""

    def __init__(self, allowed_hosts: Sequence[str]) -> None:
        patterns = [_normalize(pattern) for pattern in allowed_hosts]
        bad = [pattern for pattern in patterns if not _PATTERN.match(pattern)]
        if bad:
            raise ValueError(f"not a host glob: {', '.join(bad)} (use names like api.example.com or *.example.com)")
        self.allowed_hosts = tuple(patterns)

    def allows(self, host: str) -> bool:
        name = _normalize(host)
        return any(fnmatchcase(name, pattern) for pattern in self.allowed_hosts)

    def check(self, arguments: dict[str, Any]) -> str | None:
        """The first destination outside the allowlist, as a reason naming the argument; None when all are allowed."""
        try:
            for path, host in _destinations(arguments):
                if host is None:
                    return f"argument {path} has a URL whose host cannot be read; refusing to guess where it goes"
                if not self.allows(host):
                    allowed = ", ".join(self.allowed_hosts) or "nothing"
                    return (
                        f"argument {path} reaches {_normalize(host)}, which is not on the egress allowlist ({allowed})"
                    )
        except _TooComplex as exc:
            return str(exc)
        return None


class _TooComplex(Exception):
    pass


def _destinations(arguments: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    """(argument path, host) for every destination; host None for a URL that cannot be parsed safely."""
    budget = [_MAX_STRINGS]
    for path, key, text in _strings(arguments, "", "", 0, budget):
        yield from ((path, host) for host in _hosts_in(key, text))


def _strings(value: Any, path: str, key: str, depth: int, budget: list[int]) -> Iterator[tuple[str, str, str]]:
    if depth > _MAX_DEPTH:
        raise _TooComplex(f"arguments nested deeper than {_MAX_DEPTH} levels at {path or 'the top'}; not checked")
    if isinstance(value, str):
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooComplex(f"arguments hold more than {_MAX_STRINGS} strings; not checked")
        yield path or "(value)", key, value
    elif isinstance(value, dict):
        for name, item in value.items():
            child = f"{path}.{name}" if path else str(name)
            yield from _strings(str(name), child, "", depth + 1, budget)
            yield from _strings(item, child, str(name), depth + 1, budget)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]", key, depth + 1, budget)


def _hosts_in(key: str, text: str) -> Iterator[str | None]:
    for match in _URL.finditer(text):
        url = match.group(0)
        if not url.lower().startswith("file:"):
            yield _url_host(url)
    for match in _EMAIL.finditer(text):
        yield match.group(1)
    stripped = text.strip()
    if _WHOLE_HOST.fullmatch(stripped) and (_HOST_KEYS.search(key) or not _looks_like_file(stripped)):
        yield _strip_port(stripped)
        return
    without_urls = _URL.sub(" ", _EMAIL.sub(" ", text))
    for match in _HOST_WITH_PATH.finditer(without_urls):
        yield match.group(1)


def _url_host(url: str) -> str | None:
    rest = url.split("//", 1)[1]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "\\" in authority or "%" in authority:
        return None  # browsers read `\` as `/` and decode `%`, Python does neither: they would disagree on the host
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _strip_port(text: str) -> str:
    if text.startswith("["):
        return text[1 : text.index("]")]
    return text.rsplit(":", 1)[0] if ":" in text else text


_FILE_SUFFIXES = frozenset(
    {
        "txt",
        "log",
        "json",
        "yaml",
        "yml",
        "toml",
        "ini",
        "cfg",
        "conf",
        "csv",
        "tsv",
        "md",
        "rst",
        "py",
        "js",
        "ts",
        "go",
        "rs",
        "java",
        "rb",
        "sh",
        "sql",
        "xml",
        "html",
        "css",
        "lock",
        "tar",
        "gz",
        "tgz",
        "zip",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "pdf",
        "diff",
        "patch",
        "env",
        "pem",
        "crt",
        "key",
    }
)


def _looks_like_file(text: str) -> bool:
    try:
        ipaddress.ip_address(_strip_port(text))
        return False
    except ValueError:
        pass
    return text.rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES
