"""The current approval policy, re-read when `opsgate.yml` changes, so a policy change needs no restart.

Decisions already journaled keep the policy they were made under; the gate re-checks an approved action
against the policy of the moment, which is how a changed rule voids an approval. An invalid file keeps the
previous policy: logged here once per change, announced once per bad version in the alerts channel by the
worker's alert watch (`invalid_config`, `opsgate.alert_watch`), and failed by `opsgate doctor`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from approvals import ApprovalPolicy
from opsgate.teamconfig import TeamConfigError, load_team_config, parse_team_config

__all__ = ["InvalidConfig", "PolicySource", "invalid_config"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvalidConfig:
    path: Path
    version: str
    """A digest of the file's content: one bad version, however often it is read."""
    problems: tuple[str, ...]


def invalid_config(path: Path) -> InvalidConfig | None:
    """What is wrong with the team file at `path`, or None when it is valid or absent (the default team)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return InvalidConfig(path, "unreadable", (f"{path}: cannot read the team configuration: {exc}",))
    version = hashlib.sha256(raw).hexdigest()[:32]
    try:
        parse_team_config(raw.decode("utf-8"), str(path))
    except UnicodeDecodeError as exc:
        return InvalidConfig(path, version, (f"{path}: cannot read the team configuration: {exc}",))
    except TeamConfigError as exc:
        return InvalidConfig(path, version, exc.problems)
    return None


class PolicySource:
    def __init__(self, path: Path, initial: ApprovalPolicy) -> None:
        self._path = path
        self._policy = initial
        self._mtime = self._stat()
        self._lock = threading.Lock()

    def _stat(self) -> float | None:
        try:
            return self._path.stat().st_mtime_ns / 1e9
        except OSError:
            return None

    def __call__(self) -> ApprovalPolicy:
        mtime = self._stat()
        if mtime is None or mtime == self._mtime:
            return self._policy
        with self._lock:
            if mtime != self._mtime:
                try:
                    self._policy = load_team_config(self._path).policy
                    log.info("reloaded the policy from %s", self._path)
                except TeamConfigError as exc:
                    log.error("%s is invalid, kept the previous policy: %s", self._path, exc)
                self._mtime = mtime
        return self._policy
