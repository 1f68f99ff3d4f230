"""The alert watch keeps asking until Restate accepts: a notice it could not hand over is not forgotten because the
file (or the drop count) did not change since."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from handlers.contracts import OPS_ALERT, OpsNotice
from handlers.contracts.envelope import SYSTEM_USER, Actor
from opsgate.alert_watch import AlertWatch
from opsgate.teamconfig import DEFAULT_TEAM_FILE


@dataclass
class Engine:
    accepting: bool = False
    sent: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    async def notify_ops(self, key: str, notice: OpsNotice, *, actor: Actor) -> bool:
        assert actor.user == SYSTEM_USER
        self.sent.append((OPS_ALERT, key, notice.model_dump()))
        return self.accepting


async def test_a_bad_version_not_accepted_is_asked_for_again_at_the_next_look(tmp_path: Path) -> None:
    config = tmp_path / "opsgate.yml"
    shutil.copy(DEFAULT_TEAM_FILE, config)
    config.write_text(config.read_text().replace("version: 1", "version: 2"))
    engine = Engine()
    watch = AlertWatch(engine, channel="C0ADMIN", config_file=config)

    assert await watch.check() == 0  # Restate did not take it
    engine.accepting = True
    assert await watch.check() == 1
    assert await watch.check() == 0  # taken: the unchanged file is not announced again

    [first, second] = engine.sent
    assert first == second
    service, key, notice = first
    assert (service, notice["kind"], notice["channel"]) == ("OpsAlert", "config", "C0ADMIN")
    assert key.startswith("config-") and len(key) == len("config-") + 32


async def test_span_drops_not_accepted_are_reported_at_the_next_look(tmp_path: Path) -> None:
    engine, dropped = Engine(), [4]
    watch = AlertWatch(engine, channel=None, config_file=tmp_path / "absent.yml", dropped_spans=lambda: dropped[0])

    assert await watch.check() == 0
    engine.accepting = True
    assert await watch.check() == 1
    assert [notice["kind"] for _, _, notice in engine.sent] == ["spans", "spans"]
    assert str(engine.sent[-1][2]["text"]).startswith(":warning: 4 span summaries could not be stored")
