"""The keys that bind opsgate's processes together, generated into the data directory at first start.

- `envelope.keys`: the keyring the bot signs what it asks of the worker with (see `handlers.contracts.envelope`).
  Bot and worker sharing a data directory (`opsgate up`, one host) share it; separate hosts set `OPSGATE_ENVELOPE_KEYS`.
- `restate-identity.pem`: the ed25519 key restate-server signs its requests to the worker with
  (`[worker.invoker] request-identity-private-key-pem-file`); the worker accepts only requests signed by its
  public half (`publickeyv1_…`, the SDK's `identity_keys`).

Files are created once, atomically (O_EXCL), readable by their owner only, so processes starting together on a
fresh directory agree on one key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from handlers.contracts.envelope import Keyring
from opsgate.settings import Settings, SettingsError

__all__ = [
    "ENVELOPE_KEYS_FILE",
    "RESTATE_IDENTITY_FILE",
    "create_once",
    "envelope_keyring",
    "print_new_keys",
    "restate_identity_pem",
    "restate_public_key",
    "worker_identity_keys",
]

ENVELOPE_KEYS_FILE = "envelope.keys"
RESTATE_IDENTITY_FILE = "restate-identity.pem"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def create_once(path: Path, content: bytes) -> None:
    """Write `content` to a new file readable by its owner only; an existing file wins (another process
    created it first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")  # unique per process and thread
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # atomic and fails if the file exists: the first process's key wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def envelope_keyring(settings: Settings) -> Keyring:
    """`OPSGATE_ENVELOPE_KEYS`, else the data directory's keyring, generated when missing."""
    if settings.envelope_keys is not None:
        try:
            return Keyring.parse(settings.envelope_keys.get_secret_value())
        except ValueError as exc:
            raise SettingsError(
                f"OPSGATE_ENVELOPE_KEYS is invalid ({exc}): write kid:base64secret entries of 32 random bytes "
                "each, separated by commas, the signing key first (`opsgate keys envelope` prints a new one)."
            ) from None
    path = settings.data_dir / ENVELOPE_KEYS_FILE
    if not path.exists():
        create_once(path, Keyring.generate().render().encode())
    try:
        return Keyring.parse(path.read_text())
    except ValueError as exc:
        raise SettingsError(f"{path} is invalid ({exc}): remove it to generate a new key") from None


def restate_identity_pem(settings: Settings) -> Path:
    """The data directory's ed25519 key for Restate's request identity, generated when missing."""
    path = (settings.data_dir / RESTATE_IDENTITY_FILE).resolve()
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        create_once(path, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return path


def restate_public_key(pem: Path) -> str:
    """The `publickeyv1_…` form restate-server logs and the SDK's `identity_keys` take (base58 of the raw key)."""
    key = load_pem_private_key(pem.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError(f"{pem} is not an ed25519 private key")
    return _public_key_text(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def _public_key_text(raw: bytes) -> str:
    number, text = int.from_bytes(raw, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = _BASE58[digit] + text
    return "publickeyv1_" + "1" * (len(raw) - len(raw.lstrip(b"\0"))) + text


def print_new_keys(kind: str, out: TextIO) -> int:
    """`opsgate keys envelope|restate`: new keys to put into a secret store, with where each half goes."""
    if kind == "envelope":
        entry = Keyring.generate().render().strip()
        out.write(f"# OPSGATE_ENVELOPE_KEYS for every bot and worker (new key first when rolling):\n{entry}\n")
        return 0
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    out.write("# restate-server: [worker.invoker] request-identity-private-key-pem-file = <this file>\n" + pem)
    out.write(f"# the worker: OPSGATE_RESTATE_IDENTITY_KEYS={_public_key_text(raw)}\n")
    return 0


def worker_identity_keys(settings: Settings) -> list[str]:
    """The request-identity keys the worker accepts: `OPSGATE_RESTATE_IDENTITY_KEYS`, else the data directory's."""
    if settings.restate_identity_keys:
        keys = [key.strip() for key in settings.restate_identity_keys.split(",") if key.strip()]
        if not keys or not all(key.startswith("publickeyv1_") for key in keys):
            raise SettingsError(
                "OPSGATE_RESTATE_IDENTITY_KEYS must list publickeyv1_… keys, comma-separated (restate-server logs "
                "its key at start-up; `opsgate keys restate` prints a key pair)."
            )
        return keys
    return [restate_public_key(restate_identity_pem(settings))]
