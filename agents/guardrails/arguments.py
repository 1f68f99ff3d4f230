"""Reading a tool call's arguments the way the output policy needs: strings by field, hosts, paths, SQL kinds.

Arguments are JSON the model wrote, so every walk is bounded in depth and item count. Hosts come from URLs
anywhere, from fields named like a host, and from IPv4 literals; paths from fields named like a path and from
path-looking words in command fields. Globs compile to RE2.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from agents.guardrails._regex import BytePattern, compile_bytes, escape_literal

__all__ = ["GlobSet", "hosts_in", "paths_in", "sql_statement_kinds", "strings_in"]

MAX_DEPTH = 16
MAX_STRINGS = 10_000
_URL_HOST = compile_bytes(
    r"\b[a-z][a-z0-9+.-]{1,20}://(?:[^\s/@'\"]+@)?(\[[0-9a-f:.]+\]|[^\s/:?#'\"\\]+)", ignore_case=True
)
_IPV4 = compile_bytes(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
_LOGIN_HOST = compile_bytes(r"\b[A-Za-z0-9._-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|[0-9.]{7,15})\b")
_SQL_WORD = compile_bytes(
    r"\b(select|insert|update|delete|merge|upsert|replace|create|alter|drop|truncate|grant|revoke|copy|call|exec"
    r"|execute|do|set|reset|show|describe|desc|explain|pragma|attach|detach|vacuum|analyze|begin|start|commit"
    r"|rollback|savepoint|release|lock|with|values|table|load|use|refresh|comment|cluster|reindex|listen|notify)\b",
    ignore_case=True,
)
_WRITES = ("insert", "update", "delete", "merge", "upsert", "replace", "create", "alter", "drop", "truncate")


def strings_in(value: Any, key: str = "", _depth: int = 0) -> Iterator[tuple[str, str]]:
    """(field name, string) for every string in a JSON value; list items carry their list's field name."""
    stack: list[tuple[str, Any, int]] = [(key, value, _depth)]
    emitted = 0
    while stack and emitted < MAX_STRINGS:
        name, item, depth = stack.pop()
        if isinstance(item, str):
            emitted += 1
            yield name, item
        elif depth < MAX_DEPTH and isinstance(item, dict):
            stack.extend((str(k), v, depth + 1) for k, v in reversed(list(item.items())))
        elif depth < MAX_DEPTH and isinstance(item, list):
            stack.extend((name, v, depth + 1) for v in reversed(item))


def _texts(pattern: BytePattern, value: str, group: int) -> list[str]:
    data = value.encode("utf-8", "surrogatepass")
    found = []
    for match in pattern.finditer(data):
        start, end = match.span(group)
        if start >= 0:
            found.append(data[start:end].decode("utf-8", "surrogatepass"))
    return found


def _bare_host(value: str) -> str:
    host = value.strip().split("://", 1)[-1].rsplit("@", 1)[-1].split("/", 1)[0]
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def hosts_in(field: str, value: str, host_fields: list[str], command_fields: list[str]) -> set[str]:
    hosts = {host.strip("[]").lower().rstrip(".") for host in _texts(_URL_HOST, value, 1)}
    hosts.update(_texts(_IPV4, value, 0))
    if field.lower() in host_fields and value.strip() and " " not in value.strip():
        hosts.add(_bare_host(value).lower().rstrip("."))
    if field.lower() in command_fields:
        hosts.update(host.lower() for host in _texts(_LOGIN_HOST, value, 1))
    return {host for host in hosts if host}


def paths_in(field: str, value: str, path_fields: list[str], command_fields: list[str]) -> set[str]:
    candidates: list[str] = []
    name = field.lower()
    if name in path_fields:
        candidates.append(value.strip())
    if name in command_fields:
        for word in value.replace("=", " ").replace(":", " ").split()[:MAX_STRINGS]:
            word = word.strip("'\"`;|&<>(),")
            if word.startswith(("/", "~/", "./", "../")):
                candidates.append(word)
    paths = set()
    for path in candidates:
        if not path:
            continue
        normal = posixpath.normpath(path)
        paths.add(normal)
        if not normal.startswith("/"):
            paths.add("/" + normal.lstrip("./"))  # `../../etc/shadow` may well resolve to `/etc/shadow`
    return paths


def sql_statement_kinds(sql: str) -> list[str]:
    """The kind of each statement (`select`, `delete`, ...); a CTE or EXPLAIN that writes counts as the write."""
    kinds: list[str] = []
    for statement in _statements(sql):
        words = [word.lower() for word in _texts(_SQL_WORD, statement, 1)]
        if not words:
            if statement.strip():
                kinds.append("other")
            continue
        kind = words[0]
        if kind in ("with", "explain", "analyze"):
            kind = next((word for word in words if word in _WRITES), "select")
        kinds.append("describe" if kind == "desc" else kind)
    return kinds


def _statements(sql: str) -> list[str]:
    """Statements split on `;`, with comments and quoted text blanked out (one linear pass)."""
    out: list[str] = []
    current: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
        elif ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            current.append(" ")
        elif ch in "'\"`":
            end = sql.find(ch, i + 1)
            i = n if end < 0 else end + 1
            current.append(" '' ")
        elif ch == ";":
            out.append("".join(current))
            current = []
            i += 1
        else:
            current.append(ch)
            i += 1
    out.append("".join(current))
    return [statement for statement in out if statement.strip()]


class GlobSet:
    """Shell-style globs compiled into one RE2 pattern. `**` crosses `/`, `*` does not (for hosts, both do)."""

    def __init__(self, globs: list[str], *, separator: str = "/") -> None:
        self.globs = list(globs)
        alternatives = [self._translate(glob, separator) for glob in globs]
        self._pattern = compile_bytes("^(?:" + "|".join(alternatives) + ")$", ignore_case=True) if globs else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def matches(self, value: str) -> bool:
        return self._pattern is not None and self._pattern.search(value.encode("utf-8", "surrogatepass")) is not None

    @staticmethod
    def _translate(glob: str, separator: str) -> str:
        out: list[str] = []
        i = 0
        one = "[^/]*" if separator == "/" else ".*"
        while i < len(glob):
            if glob.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            elif glob.startswith("**", i):
                out.append(".*")
                i += 2
            elif glob[i] == "*":
                out.append(one)
                i += 1
            elif glob[i] == "?":
                out.append("." if separator != "/" else "[^/]")
                i += 1
            else:
                out.append(escape_literal(glob[i]))
                i += 1
        return "".join(out)
