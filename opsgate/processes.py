"""Stopping child processes the same way everywhere: SIGTERM, a bounded wait, then SIGKILL.

hypercorn can hang on SIGTERM while Restate holds an HTTP/2 stream open (NOTES), so no wait is unbounded.
"""

from __future__ import annotations

import signal
import subprocess

__all__ = ["stop_process"]


def stop_process(process: subprocess.Popen[bytes] | None, grace: float) -> bool:
    """Stop `process`; True when it had to be killed after `grace` seconds."""
    if process is None or process.poll() is not None:
        return False
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        return True
    return False
