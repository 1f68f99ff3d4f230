"""Building the Slack Web API client once, pointed at Slack or at the local sandbox."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from opsgate.settings import Settings, SettingsError

__all__ = ["SANDBOX_BOT_TOKEN", "slack_client"]

SANDBOX_BOT_TOKEN = "xoxb-sandbox-token"
SLACK_API = "https://slack.com/api/"


def slack_client(settings: Settings) -> AsyncWebClient:
    if settings.slack_bot_token is None:
        if settings.slack_api_url is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: export your app's Bot User OAuth Token (xoxb-…) as SLACK_BOT_TOKEN, "
                "or run `opsgate up`, which starts the local sandbox in Slack's place."
            )
        token = SANDBOX_BOT_TOKEN
    else:
        token = settings.slack_bot_token.get_secret_value()
    base_url = settings.slack_api_url + "/" if settings.slack_api_url else SLACK_API
    return AsyncWebClient(token=token, base_url=base_url, timeout=10)
