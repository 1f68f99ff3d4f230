"""The current approval policy, re-read when `opsgate.yml` changes, so a policy change needs no restart.

Decisions already journaled keep the policy they were made under; the gate re-checks an approved action
against the policy of the moment, which is how a changed rule voids an approval.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from approvals import ApprovalPolicy
from opsgate.teamconfig import TeamConfigError, load_team_config

__all__ = ["PolicySource"]

log = logging.getLogger(__name__)


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
                    log.error("kept the previous policy: %s", exc)
                self._mtime = mtime
        return self._policy
