"""`opsgate deploy`: what it says when the admin API is not there or an argument is missing (the rollout itself
is tested against a real restate-server in tests/integration/test_upgrade.py)."""

from __future__ import annotations

import pytest

from opsgate.cli import main
from opsgate.restate_server import free_port


def test_deploy_list_names_the_admin_url_it_could_not_reach(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_RESTATE_ADMIN_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["deploy", "list"]) == 1
    out = capsys.readouterr().out
    assert "did not answer" in out and "OPSGATE_RESTATE_ADMIN_URL" in out


@pytest.mark.parametrize(("action", "needs"), [("register", "URL"), ("retire", "deployment id")])
def test_deploy_actions_without_their_argument_say_what_they_need(
    action: str, needs: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPSGATE_RESTATE_ADMIN_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["deploy", action]) == 1
    assert needs in capsys.readouterr().out
