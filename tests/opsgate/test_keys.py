"""Keys in the data directory: generated once for every process that starts on it, and in the forms Restate
and its SDK read."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from opsgate.keys import (
    envelope_keyring,
    print_new_keys,
    restate_identity_pem,
    restate_public_key,
    worker_identity_keys,
)
from opsgate.settings import Settings, SettingsError

REPO_ROOT = Path(__file__).resolve().parents[2]
# A throwaway key and the id restate-server 1.7.12 logged for it ("Loaded request identity key", kid).
RESTATE_PEM = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIMy930f7NrX7HL9rsllbLi9MtAAXi9rKN18miDkVbXSq
-----END PRIVATE KEY-----
"""
RESTATE_KID = "publickeyv1_4tXH3DX87DXRW5KbhfdtGPSFpXE3sHEdiEbRBcssgZx7"


def test_the_public_key_is_written_as_restate_server_names_it(tmp_path: Path) -> None:
    pem = tmp_path / "id.pem"
    pem.write_text(RESTATE_PEM)
    assert restate_public_key(pem) == RESTATE_KID


def test_bot_and_worker_on_one_directory_share_one_generated_keyring(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        rings = list(pool.map(lambda _: envelope_keyring(settings).current, range(8)))
    assert len(set(rings)) == 1
    assert (tmp_path / "envelope.keys").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["envelope.keys"]  # no temporary file left behind


def test_processes_starting_together_agree_on_one_identity_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from opsgate.keys import worker_identity_keys; "
        "from opsgate.settings import Settings; print(worker_identity_keys(Settings(data_dir=Path(sys.argv[1])))[0])"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO_ROOT, stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    keys = {process.communicate(timeout=60)[0].decode().strip() for process in processes}
    assert len(keys) == 1
    assert keys == {restate_public_key(restate_identity_pem(Settings(data_dir=tmp_path)))}


def test_configured_keys_win_over_the_directory_and_bad_ones_name_the_variable(tmp_path: Path) -> None:
    out = io.StringIO()
    print_new_keys("envelope", out)
    entry = out.getvalue().splitlines()[-1]
    settings = Settings(data_dir=tmp_path, envelope_keys=entry, restate_identity_keys=RESTATE_KID)
    assert envelope_keyring(settings).render().strip() == entry
    assert worker_identity_keys(settings) == [RESTATE_KID]
    assert not any(tmp_path.iterdir())  # nothing generated
    with pytest.raises(SettingsError, match="OPSGATE_ENVELOPE_KEYS"):
        envelope_keyring(Settings(envelope_keys="k1:short"))
    with pytest.raises(SettingsError, match="OPSGATE_RESTATE_IDENTITY_KEYS"):
        worker_identity_keys(Settings(restate_identity_keys="not-a-key"))


def test_a_printed_restate_key_pair_belongs_together(tmp_path: Path) -> None:
    out = io.StringIO()
    print_new_keys("restate", out)
    text = out.getvalue()
    pem = tmp_path / "id.pem"
    pem.write_text(text[text.index("-----BEGIN") : text.index("-----END PRIVATE KEY-----") + 26])
    assert text.strip().endswith(f"OPSGATE_RESTATE_IDENTITY_KEYS={restate_public_key(pem)}")
