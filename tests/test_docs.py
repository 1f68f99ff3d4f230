"""The README is the front door and the manual lives in docs/: keep them short, connected and equal to the code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_TARGET = re.compile(r"^([a-z][a-z0-9-]*):", re.MULTILINE)


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors for the page's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_the_readme_stays_short() -> None:
    lines = len(README.read_text().splitlines())
    assert lines <= 250, f"README.md has {lines} lines: move the detail to a page in docs/ and link it"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {link.split("#")[0] for link in _LINK.findall(README.read_text())}
    missing = [page.name for page in sorted(DOCS.glob("*.md")) if f"docs/{page.name}" not in linked]
    assert missing == [], f"docs pages the README does not link: {missing}"


def test_every_relative_link_and_anchor_resolves() -> None:
    broken = []
    for page in _pages():
        for link in _LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", link):  # https:, mailto:
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.relative_to(ROOT)}: {link}")
            elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such heading)")
    assert broken == [], "\n".join(broken)


def test_every_makefile_target_is_in_the_commands_page() -> None:
    targets = set(_TARGET.findall((ROOT / "Makefile").read_text()))
    documented = set(re.findall(r"`make ([a-z][a-z0-9-]*)`", (DOCS / "commands.md").read_text()))
    assert {"demo", "test", "setup"} <= targets
    assert sorted(targets - documented) == [], "Makefile targets missing from docs/commands.md"
