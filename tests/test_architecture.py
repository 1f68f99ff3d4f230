"""DESIGN.md's import rules, enforced: a rule that only a document states is broken by the next change.

- The bot knows the worker only through its contract modules (names and messages), never its implementation, so
  `import bot.app` loads neither the Restate SDK nor the MCP SDK nor the model SDK.
- The contract modules import no SDK of the worker's runtime and, of `handlers`, only each other.
- `agents` and `approvals` import no `bot`, `handlers` or `opsgate`.
- Only `agents` (and `opsgate`, the composition root that builds clients) import `anthropic` and `mcp`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = frozenset(
    {
        "handlers.contracts",
        "handlers.approval_contracts",
        "handlers.report_contracts",
        "handlers.ops_contracts",
        "handlers.envelope",
        "handlers.post_nonce",
    }
)
RUNTIME_SDKS = ("restate", "mcp", "anthropic")


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


def test_the_bot_knows_the_worker_only_through_its_contracts() -> None:
    leaks = [
        (file, line, module)
        for file, line, module in imports("bot")
        if _top(module) == "handlers" and module not in CONTRACTS
    ]
    assert leaks == []


def test_the_contracts_import_no_runtime_and_only_each_other() -> None:
    for name in CONTRACTS:
        path = ROOT / (name.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names] + [
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        ]
        assert [m for m in modules if _top(m) in RUNTIME_SDKS] == [], name
        assert [m for m in modules if _top(m) == "handlers" and m not in CONTRACTS] == [], name
        assert [m for m in modules if _top(m) in ("bot", "opsgate")] == [], name


@pytest.mark.parametrize("package", ["agents", "approvals"])
def test_the_core_imports_no_shell(package: str) -> None:
    assert [(f, n, m) for f, n, m in imports(package) if _top(m) in ("bot", "handlers", "opsgate")] == []


@pytest.mark.parametrize("package", ["bot", "handlers", "approvals"])
def test_only_agents_talk_to_the_model_and_tool_sdks(package: str) -> None:
    assert [(f, n, m) for f, n, m in imports(package) if _top(m) in ("anthropic", "mcp")] == []


def test_importing_the_bot_loads_no_worker_runtime() -> None:
    code = "import sys, bot.app; print(sorted(m for m in ('restate', 'mcp', 'anthropic') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr[-2000:]


def test_the_operations_services_register_under_their_contract_names() -> None:
    """The wire names are a protocol (in-flight invocations carry them): each service registers its handlers under
    the contract's constants, and changing a constant's value is a deliberate change that this test names."""
    from handlers.ops_contracts import BREAKERS, DIGEST_POST, FROZEN, IS_FROZEN, SET_FROZEN

    registrations = {
        "handlers/health.py": ["name=BREAKERS"],
        "handlers/switches.py": ["name=SET_FROZEN", "name=FROZEN", "name=IS_FROZEN"],
        "handlers/digest.py": ["name=DIGEST_POST"],
    }
    for file, expected in registrations.items():
        text = (ROOT / file).read_text(encoding="utf-8")
        assert [registration for registration in expected if registration not in text] == [], file
    wire = (BREAKERS, DIGEST_POST, FROZEN, IS_FROZEN, SET_FROZEN)
    assert wire == ("breakers", "post", "frozen", "is_frozen", "set_frozen")
