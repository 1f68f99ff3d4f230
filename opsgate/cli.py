"""`opsgate` command line: `up` (the whole dev stack), `worker`, `bot`, `db upgrade`, `doctor`, `data purge|erase`,
`deploy list|register|retire`."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from opsgate.settings import Settings, SettingsError, load_settings

__all__ = ["main"]

log = logging.getLogger("opsgate")
PORTS = (
    "OPSGATE_BOT_PORT, OPSGATE_WORKER_PORT, OPSGATE_SANDBOX_PORT, OPSGATE_RESTATE_INGRESS_URL, "
    "OPSGATE_RESTATE_ADMIN_URL"
)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "hypercorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def run_until_signal(body: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def runner() -> None:
        shutdown = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, shutdown.set)
        await body(shutdown)

    asyncio.run(runner())


def _worker(settings: Settings) -> None:
    from handlers.genai_metrics import use_draft_names
    from opsgate.telemetry import install, install_metrics, setup_metrics, setup_telemetry
    from opsgate.worker import build_approval_deps, build_task_deps, default_mcp_servers, load_team, run_worker

    install(setup_telemetry("opsgate-worker", console=settings.trace_console))
    install_metrics(setup_metrics("opsgate-worker"))
    use_draft_names(settings.genai_draft_metrics)
    team = load_team(settings)
    deps = build_task_deps(settings, team)
    approval_deps = build_approval_deps(settings, team)
    servers = default_mcp_servers(settings, team, deps)
    run_until_signal(lambda shutdown: run_worker(settings, deps, approval_deps, shutdown, servers, alerts=team.alerts))


def _bot(settings: Settings) -> None:
    from opsgate.botmain import run_bot
    from opsgate.telemetry import install, setup_telemetry
    from opsgate.worker import load_team

    install(setup_telemetry("opsgate-bot", console=settings.trace_console))
    team = load_team(settings)
    run_until_signal(lambda shutdown: run_bot(settings, team, shutdown))


def _up(settings: Settings) -> None:
    from opsgate.devstack import run_dev_stack

    run_until_signal(lambda shutdown: run_dev_stack(settings, shutdown))


def _db_upgrade(settings: Settings) -> None:
    from opsgate.db import upgrade_database

    upgrade_database(settings.database_url)
    print(f"database at {settings.database_url.split('@')[-1]} is up to date")


def _audit_verify(settings: Settings) -> int:
    from opsgate.auditcli import audit_verify

    return audit_verify(settings.database_url, sys.stdout)


def _data(settings: Settings, args: argparse.Namespace) -> int:
    from opsgate.datacli import data_erase, data_purge, retention_from

    if args.action == "purge":
        return data_purge(settings.database_url, retention_from(settings), sys.stdout, dry_run=args.dry_run)
    return data_erase(settings.database_url, args.user_id, sys.stdout, dry_run=args.dry_run)


def _guard_check(settings: Settings, as_json: bool) -> int:
    from agents.guardrails import GuardrailsConfig, InputGuardrails
    from opsgate.guardcli import guard_check

    # Evaluation reads long texts too: a 4,000-character cap would turn them all into size blocks.
    guard = InputGuardrails.from_config(GuardrailsConfig(max_chars=100_000))
    tool_output_guard = InputGuardrails(GuardrailsConfig.for_tool_output())
    return guard_check(sys.stdin, sys.stdout, guard=guard, tool_output_guard=tool_output_guard, as_json=as_json)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="opsgate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run restate-server, worker, bot (and the sandbox without Slack tokens)")
    commands.add_parser("worker", help="run the Restate endpoint with the durable handlers")
    commands.add_parser("bot", help="run the Slack bot (HTTP or Socket Mode)")
    db = commands.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"])
    guard = commands.add_parser("guard", help="guardrail tools")
    guard.add_argument("action", choices=["check"], help='read JSON lines {"text": ...}, write one verdict each')
    guard.add_argument("--json", action="store_true", help="JSON lines out (the default; kept for scripts)")
    audit = commands.add_parser("audit", help="audit log tasks")
    audit.add_argument("action", choices=["verify"], help="check every hash chain of the audit log")
    data = commands.add_parser("data", help="data lifecycle: purge what retention no longer keeps, erase a person")
    data_actions = data.add_subparsers(dest="action", required=True)
    purge = data_actions.add_parser("purge", help="delete rows older than the OPSGATE_RETENTION_* settings")
    purge.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")
    erase = data_actions.add_parser("erase", help="erase one person's Slack id and requests from every table")
    erase.add_argument("user_id", help="the person's Slack member id, e.g. U0123ABCD")
    erase.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")
    deploy = commands.add_parser("deploy", help="roll out a worker version: list, register URL, retire ID")
    deploy.add_argument("action", choices=["list", "register", "retire"])
    deploy.add_argument("target", nargs="?", help="register: the new workers' URL; retire: a deployment id")
    deploy.add_argument("--json", action="store_true", help="list as JSON")
    keys = commands.add_parser("keys", help="print new keys: the bot's envelope keyring, Restate's request identity")
    keys.add_argument("action", choices=["envelope", "restate"])
    doctor = commands.add_parser("doctor", help="check settings, database, Restate, Slack, the model, MCP servers")
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds each check may take (default 3)")
    doctor.add_argument(
        "--role", choices=["all", "bot", "worker"], default="all", help="the process whose environment this is"
    )
    args = parser.parse_args(argv)
    if args.command == "keys":  # needs no settings: it prints keys to put into them
        from opsgate.keys import print_new_keys

        return print_new_keys(args.action, sys.stdout)
    if args.command == "doctor":  # loads the settings itself: an invalid setting is its first finding
        from opsgate.doctor import doctor_main

        logging.basicConfig(level=logging.CRITICAL)  # the report says it all
        return doctor_main(sys.stdout, timeout=args.timeout, role=args.role)
    try:
        settings = load_settings()
        _configure_logging(settings)
        if args.command == "audit":
            return _audit_verify(settings)
        if args.command == "data":
            return _data(settings, args)
        if args.command == "deploy":
            from opsgate.deployments import deploy_main

            return deploy_main(settings.restate_admin_url, args.action, args.target, sys.stdout, as_json=args.json)
        if args.command == "guard":
            return _guard_check(settings, as_json=True)
        handlers = {"up": _up, "worker": _worker, "bot": _bot, "db": _db_upgrade}
        handlers[args.command](settings)
    except SettingsError as exc:
        print(f"opsgate: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"opsgate: {exc.strerror}: is another opsgate running? Stop it, or change the ports ({PORTS}).")
        return 2
    except Exception as exc:
        from opsgate.teamconfig import TeamConfigError

        if isinstance(exc, TeamConfigError):
            print(f"opsgate: {exc}", file=sys.stderr)
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
