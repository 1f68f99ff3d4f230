"""Runbook passages: split at headings and paragraphs, ranked with BM25, the relevant passage first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.builtin.runbooks import DEFAULT_RUNBOOK_DIR, Passage, RunbookLibrary, split_passages, terms


@pytest.mark.parametrize(
    ("query", "file", "section"),
    [
        ("how many replicas to add for a traffic peak", "scale-for-traffic.md", "How many replicas"),
        ("check replication lag before a database failover", "database-failover.md", "Check replication lag"),
        ("status page and email to support", "incident-comms.md", "Status page and email"),
        ("pager checklist for the incoming engineer", "on-call-handoff.md", "Checklist for the incoming engineer"),
        ("should I roll back when errors rose after a deploy", "roll-back-a-deploy.md", "Roll back a deploy"),
        ("the deploy had a migration that is not backwards compatible", "roll-back-a-deploy.md", "Decide"),
        ("service still degraded after restarting twice", "restart-a-service.md", "Steps"),
        ("what does SEV2 mean", "incident-comms.md", "Severity"),
    ],
)
def test_the_relevant_passage_comes_first(query: str, file: str, section: str) -> None:
    best = RunbookLibrary().search(query, limit=3)[0].passage
    assert (best.file, best.heading.split(" › ")[-1]) == (file, section)


def test_the_shipped_runbooks_are_there() -> None:
    names = sorted(path.name for path in DEFAULT_RUNBOOK_DIR.glob("*.md"))
    assert names == [
        "database-failover.md",
        "incident-comms.md",
        "on-call-handoff.md",
        "restart-a-service.md",
        "roll-back-a-deploy.md",
        "scale-for-traffic.md",
    ]


def test_passages_follow_headings_paragraphs_and_code_fences() -> None:
    markdown = (
        "# Deploy\nIntro line.\n\n## Steps\n### Build\n" + "word " * 100 + "\n\n" + "more " * 50 + "\n\n"
        "```\nmake build\n\n# not a heading\n```\n## Verify\nAll green.\n"
    )
    passages = split_passages("deploy.md", markdown)
    assert [(passage.heading, passage.text[:10]) for passage in passages] == [
        ("Deploy", "Intro line"),
        ("Deploy › Steps › Build", "word word "),
        ("Deploy › Steps › Build", "more more "),
        ("Deploy › Verify", "All green."),
    ]
    assert passages[2].text.endswith("```\nmake build\n\n# not a heading\n```")
    assert passages[0] == Passage("deploy.md", "Deploy", "Intro line.")


def test_no_shared_word_means_no_passage() -> None:
    assert RunbookLibrary().search("pizza delivery", limit=3) == []
    assert RunbookLibrary().search("the and of", limit=3) == []


def test_terms_are_lowercased_stemmed_and_without_stopwords() -> None:
    assert terms("Restarting the Services; restarted") == ["restart", "servic", "restart"]
    assert terms("scale scaling scaled") == ["scal", "scal", "scal"]


def test_the_folder_is_read_again_when_a_file_changes(tmp_path: Path) -> None:
    runbook = tmp_path / "cache.md"
    runbook.write_text("# Cache\nFlush the cache with the flush command.\n", encoding="utf-8")
    library = RunbookLibrary(tmp_path)
    assert library.search("flush cache", limit=1)[0].passage.text.startswith("Flush")
    runbook.write_text("# Cache\nWarm the cache after a deploy.\n", encoding="utf-8")
    os.utime(runbook, (1, 1))
    assert library.search("flush", limit=1) == []
    assert library.search("warm", limit=1)[0].passage.text == "Warm the cache after a deploy."
