"""manifest.yml is a valid Slack app manifest and asks for what the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "data" / "slack" / "manifest.schema.1.0.0.json"

# Web API methods the code calls, and the bot scope each needs (auth.test needs none).
SCOPE_FOR = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "users_info": "users:read",
    "usergroups_users_list": "usergroups:read",
    "conversations_open": "im:write",
    "files_upload_v2": "files:write",
    "views_open": None,
    "views_update": None,
    "auth_test": None,
    "auth_revoke": None,  # a token revokes itself: a refused install (see bot.oauth)
}


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


SLACK_API_FAMILIES = {
    "admin", "api", "apps", "auth", "bookmarks", "bots", "calls", "chat", "conversations", "dialog", "dnd", "emoji",
    "files", "oauth", "openid", "pins", "reactions", "reminders", "search", "stars", "team", "usergroups", "users",
    "views", "workflows",
}  # fmt: skip


def test_every_web_api_method_in_the_code_has_its_scope() -> None:
    used: set[str] = set()
    for package in ("bot", "handlers", "opsgate", "agents", "approvals"):
        for path in (ROOT / package).rglob("*.py"):
            if "sandbox" in path.parts:
                continue
            found = re.findall(r"client\.([a-z]+_[A-Za-z_]+)\(", path.read_text())
            used |= {method for method in found if method.split("_")[0] in SLACK_API_FAMILIES}  # not MCP, SMTP…
    assert used, "found no Web API calls, so this test checks nothing"
    unknown = used - SCOPE_FOR.keys()
    assert unknown == set(), f"add these methods and their scopes to SCOPE_FOR: {unknown}"
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    missing = {m: SCOPE_FOR[m] for m in used if SCOPE_FOR[m] and SCOPE_FOR[m] not in scopes}
    assert missing == {}
