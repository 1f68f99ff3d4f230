"""DESIGN.md's import rules, enforced: a rule that only a document states is broken by the next change.

- The bot knows the worker only through `handlers.contracts` (names, messages, the envelope), never its
  implementation, so `import bot.app` loads neither the Restate SDK nor the MCP SDK nor the model SDK.
- The contracts import no SDK of the worker's runtime and, of `handlers`, only each other.
- Every handler registers under a constant of `handlers.contracts.names`, the services register exactly what
  `SERVICES` lists, and no code outside the contracts names a service or handler with a string.
- `agents` and `approvals` import no `bot`, `handlers` or `opsgate`.
- Only `agents` (and `opsgate`, the composition root that builds clients) import `anthropic` and `mcp`.
- `tests` and `bench` never import each other; what both need is in `testkit`, which imports neither.
- Retry options are built only in `handlers/steps.py`, where each kind of step's policy is named once.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = "handlers.contracts"
RUNTIME_SDKS = ("restate", "mcp", "anthropic")
SOURCES = ("bot", "handlers", "opsgate", "agents", "approvals", "bench", "tests", "training")


def imports(package: str) -> list[tuple[str, int, str]]:
    """(file, line, imported module) for every import in `package`, at any depth (lazy imports too)."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), node.lineno, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.lineno, node.module))
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def _is_contract(module: str) -> bool:
    return module == CONTRACTS or module.startswith(CONTRACTS + ".")


def test_the_bot_knows_the_worker_only_through_its_contracts() -> None:
    leaks = [
        (file, line, module)
        for file, line, module in imports("bot")
        if _top(module) == "handlers" and not _is_contract(module)
    ]
    assert leaks == []


def test_the_contracts_import_no_runtime_and_only_each_other() -> None:
    found = imports(CONTRACTS.replace(".", "/"))
    assert found, "no contract module found"
    assert [(f, n, m) for f, n, m in found if _top(m) in RUNTIME_SDKS] == []
    assert [(f, n, m) for f, n, m in found if _top(m) == "handlers" and not _is_contract(m)] == []
    assert [(f, n, m) for f, n, m in found if _top(m) in ("bot", "opsgate")] == []


@pytest.mark.parametrize("package", ["agents", "approvals"])
def test_the_core_imports_no_shell(package: str) -> None:
    assert [(f, n, m) for f, n, m in imports(package) if _top(m) in ("bot", "handlers", "opsgate")] == []


@pytest.mark.parametrize(
    ("package", "never"), [("tests", "bench"), ("bench", "tests"), ("testkit", "tests"), ("testkit", "bench")]
)
def test_tests_and_benchmarks_share_only_the_testkit(package: str, never: str) -> None:
    assert [(f, n, m) for f, n, m in imports(package) if _top(m) == never] == []


@pytest.mark.parametrize("package", ["bot", "handlers", "approvals"])
def test_only_agents_talk_to_the_model_and_tool_sdks(package: str) -> None:
    assert [(f, n, m) for f, n, m in imports(package) if _top(m) in ("anthropic", "mcp")] == []


def test_importing_the_bot_loads_no_worker_runtime() -> None:
    code = "import sys, bot.app; print(sorted(m for m in ('restate', 'mcp', 'anthropic') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr[-2000:]


def _registrations() -> tuple[dict[str, set[str]], list[str]]:
    """What `handlers/` registers, read from its source: {service: {handler names}}, and every registration that
    does not name its service or handler with a constant of `handlers.contracts.names` (file:line)."""
    from handlers.contracts import names

    registered: dict[str, set[str]] = {}
    loose: list[str] = []
    for path in sorted((ROOT / "handlers").glob("*.py")):
        for scope in ast.parse(path.read_text(encoding="utf-8")).body:  # each builder function on its own
            services: dict[str, str] = {}
            for node in ast.walk(scope):
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call)
                    and isinstance(node.value.func, ast.Attribute)
                    and node.value.func.attr in ("Service", "VirtualObject", "Workflow")
                    and isinstance(node.targets[0], ast.Name)
                ):
                    first = node.value.args[0] if node.value.args else None
                    if isinstance(first, ast.Name) and hasattr(names, first.id):
                        services[node.targets[0].id] = getattr(names, first.id)
                    else:
                        loose.append(f"{path.name}:{node.lineno} service")
            for node in ast.walk(scope):
                for decorator in getattr(node, "decorator_list", []):
                    if not (
                        isinstance(decorator, ast.Call)
                        and isinstance(decorator.func, ast.Attribute)
                        and decorator.func.attr in ("handler", "main")
                        and isinstance(decorator.func.value, ast.Name)
                        and decorator.func.value.id in services
                    ):
                        continue
                    name = next((k.value for k in decorator.keywords if k.arg == "name"), None)
                    if isinstance(name, ast.Name) and hasattr(names, name.id):
                        service = services[decorator.func.value.id]
                        registered.setdefault(service, set()).add(getattr(names, name.id))
                    else:
                        loose.append(f"{path.name}:{decorator.lineno} handler")
    return registered, loose


def test_every_handler_registers_under_a_contract_name() -> None:
    from handlers.contracts import SERVICES

    registered, loose = _registrations()
    assert loose == []
    assert registered == {service: set(handlers) for service, handlers in SERVICES.items()}


def test_the_wire_names_are_a_protocol() -> None:
    """In-flight invocations and journals carry these names: changing one is a deliberate change this test names
    (and a rollout that drains the old deployment first)."""
    from handlers.contracts import SERVICES

    assert {service: sorted(handlers) for service, handlers in SERVICES.items()} == {
        "TaskWorkflow": ["cancel", "done", "info", "run"],
        "AgentWorker": ["run"],
        "TaskRoot": ["apply", "release", "reserve"],
        "Approval": [
            "answer",
            "cancel",
            "expire",
            "get",
            "open",
            "outcome",
            "remind",
            "rewait",
            "void",
            "vote",
        ],
        "Digest": ["post"],
        "WorkerHealth": ["breakers"],
        "Switches": ["frozen", "is_frozen", "set_frozen"],
        "PausedAlert": ["notify"],
        "OpsAlert": ["notify"],
    }


_ADDRESSING = {"generic_call": (0, 1), "generic_send": (0, 1), "signed_call": (3, 5), "envelope_headers": (2, 4)}
"""Calls that address a handler, and the positions of their service and handler arguments."""


def test_no_service_or_handler_is_named_with_a_string() -> None:
    """Calls address handlers through the contract's constants: a string is a rename that passes lint and types
    and breaks in production. Any string naming a service as a path (`Approval/…`, `/Switches/…`) counts too."""
    from handlers.contracts import SERVICES

    services = tuple(SERVICES)
    found = []
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative.startswith("handlers/contracts/") or relative == "tests/test_architecture.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            prose = {  # docstrings may name a handler in words
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if id(node) in prose:
                    continue
                if isinstance(node, ast.Call):
                    func = node.func
                    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    positions = _ADDRESSING.get(called, ())
                    if any(
                        isinstance(a, ast.Constant) and isinstance(a.value, str)
                        for i, a in enumerate(node.args)
                        if i in positions
                    ):
                        found.append(f"{relative}:{node.lineno} {called}")
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                    if any(text.startswith(f"{s}/") or f"/{s}/" in text for s in services):
                        found.append(f"{relative}:{node.lineno} {text[:60]!r}")
    assert found == [], "\n".join(found)


def test_retry_options_are_built_only_in_steps() -> None:
    built = []
    for path in sorted((ROOT / "handlers").glob("*.py")):
        if path.name == "steps.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func.value if isinstance(node.func, ast.Subscript) else node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "RunOptions":
                    built.append(f"{path.name}:{node.lineno}")
    assert built == []
