"""manifest.yml is a valid Slack app manifest and asks for what the code uses."""

from __future__ import annotations

import ast
import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from slack_sdk.web.async_client import AsyncWebClient

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "data" / "slack" / "manifest.schema.1.0.0.json"
SCOPES_DOC = ROOT / "docs" / "slack-scopes.md"
SCANNED = ("bot", "opsgate", "handlers", "agents", "approvals")


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return loaded


def test_manifest_matches_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(manifest())]
    assert errors == []


def test_http_mode_has_request_urls_for_commands_events_and_interactivity() -> None:
    data = manifest()
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["features"]["slash_commands"][0]["command"] == "/ops"
    urls = [
        data["features"]["slash_commands"][0]["url"],
        data["settings"]["event_subscriptions"]["request_url"],
        data["settings"]["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)


# --- scopes: exactly what the code uses ------------------------------------------------------------------------


@cache
def sdk_methods() -> dict[str, frozenset[str]]:
    """slack_sdk's client method name → the Web API methods it calls (`files_upload_v2` calls two), read from the
    installed source: each method's body is `self.api_call("chat.postMessage", ...)`."""
    tree = ast.parse(inspect.getsource(AsyncWebClient))
    direct: dict[str, set[str]] = {}
    helpers: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.AsyncFunctionDef) or node.name.startswith("_"):
            continue
        for call in ast.walk(node):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            if call.func.attr == "api_call" and call.args and isinstance(call.args[0], ast.Constant):
                direct.setdefault(node.name, set()).add(str(call.args[0].value))
            elif isinstance(call.func.value, ast.Name) and call.func.value.id == "self":
                helpers.setdefault(node.name, set()).add(call.func.attr)
    resolved = {name: frozenset(methods) for name, methods in direct.items()}
    for name, called in helpers.items():
        if name not in resolved:
            methods = {m for helper in called for m in resolved.get(helper, ())}
            if methods:
                resolved[name] = frozenset(methods)
    return resolved


def called_web_api_methods() -> dict[str, set[str]]:
    """Every Web API method our code calls (through a slack_sdk client method or `api_call("…")`) → where."""
    methods = sdk_methods()
    found: dict[str, set[str]] = {}
    for package in SCANNED:
        for path in (ROOT / package).rglob("*.py"):
            if "sandbox" in path.parts:  # the stand-in answers these methods; it does not call Slack
                continue
            where = str(path.relative_to(ROOT))
            for call in ast.walk(ast.parse(path.read_text(), filename=where)):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                if call.func.attr == "api_call" and call.args and isinstance(call.args[0], ast.Constant):
                    found.setdefault(str(call.args[0].value), set()).add(where)
                for method in methods.get(call.func.attr, ()):
                    found.setdefault(method, set()).add(where)
    return found


def doc_rows(heading: str) -> list[list[str]]:
    """The rows of the table under `heading` in docs/slack-scopes.md, cells without their backquotes."""
    section = SCOPES_DOC.read_text().split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]


def scopes_of(cell: str) -> set[str]:
    """`none`, one scope, or several (`channels:history`, `groups:history`: one per kind of channel we work in)."""
    return set() if cell == "none" else {scope.strip().strip("`") for scope in cell.split(",")}


def method_scopes() -> dict[str, set[str]]:
    rows = doc_rows("Web API methods the bot calls (bot token)")
    for method, _, page, *_ in rows:
        assert page == f"https://api.slack.com/methods/{method}", f"{method}: cite Slack's page of the method"
    return {method: scopes_of(scope) for method, scope, *_ in rows}


def subscription_scopes() -> dict[str, set[str]]:
    return {name: scopes_of(scope) for name, scope, *_ in doc_rows("Events and commands")}


def bot_scopes() -> set[str]:
    return set(manifest()["oauth_config"]["scopes"]["bot"])


def test_the_scan_finds_the_calls_we_know() -> None:
    """The scan is what the scope check rests on: it must see a direct call, a call on a helper's client, and
    slack_sdk's upload helper resolved to the two methods it calls."""
    called = called_web_api_methods()
    assert "bot/notifier.py" in called["chat.postMessage"]
    assert "opsgate/slack.py" in called["usergroups.users.list"]
    assert {"files.getUploadURLExternal", "files.completeUploadExternal"} <= called.keys()
    assert sdk_methods()["apps_connections_open"] == {"apps.connections.open"}


def test_every_web_api_method_the_code_calls_has_a_row() -> None:
    called, table = called_web_api_methods(), method_scopes()
    missing = {method: sorted(where) for method, where in called.items() if method not in table}
    assert missing == {}, f"add these methods, their scope and Slack's page to {SCOPES_DOC.name}: {missing}"
    stale = set(table) - set(called)
    assert stale == set(), f"nothing calls these methods any more: remove their rows from {SCOPES_DOC.name}"


def test_every_event_and_command_of_the_manifest_has_a_row() -> None:
    data = manifest()
    subscribed = {*data["settings"]["event_subscriptions"]["bot_events"]}
    subscribed |= {command["command"] for command in data["features"]["slash_commands"]}
    assert subscribed == set(subscription_scopes())


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    """A scope the code needs and the manifest lacks fails at Slack (`missing_scope`); a scope nothing uses is a
    permission a leaked token would carry for nothing."""
    needed = set().union(*method_scopes().values(), *subscription_scopes().values())
    assert {"missing": needed - bot_scopes(), "unused": bot_scopes() - needed} == {"missing": set(), "unused": set()}


def test_socket_mode_needs_an_app_level_token_not_a_bot_scope() -> None:
    """`connections:write` belongs to the app-level token (xapp-…); the manifest cannot grant it to the bot."""
    assert "connections:write" not in bot_scopes()
    socket_mode = SCOPES_DOC.read_text().split("## Socket Mode", 1)[1]
    assert "connections:write" in socket_mode
    assert "https://api.slack.com/methods/apps.connections.open" in socket_mode
    assert "connections:write" in (ROOT / "manifest.yml").read_text()  # the comment on how to switch to it
