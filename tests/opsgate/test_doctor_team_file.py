"""`opsgate doctor` fails on an invalid `opsgate.yml` and names the error, as the running processes (which keep the
policy they had) and the alert watch see it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from opsgate.doctor import Status, check_team_file, format_report
from opsgate.policy_source import invalid_config
from opsgate.teamconfig import DEFAULT_TEAM_FILE


@pytest.fixture
def team_file(tmp_path: Path) -> Path:
    path = tmp_path / "opsgate.yml"
    shutil.copy(DEFAULT_TEAM_FILE, path)
    return path


@pytest.mark.parametrize(
    ("breakage", "named"),
    [
        (lambda text: text.replace("version: 1", "version: 7"), ":3: version: Input should be 1"),
        (lambda text: text + "\nagents: [\n", "YAML syntax error"),
    ],
    ids=["bad-value", "bad-yaml"],
)
def test_an_invalid_team_file_fails_the_doctor_with_the_error_named(
    team_file: Path, breakage: Callable[[str], str], named: str
) -> None:
    team_file.write_text(breakage(team_file.read_text()))

    [result], team = check_team_file(team_file)

    assert team is None
    assert result.status is Status.FAIL
    report = format_report([result])
    assert report.startswith(f"FAIL  team file         {team_file} is invalid: running processes keep the policy")
    assert named in report
    assert f"fix: correct {team_file} at the lines named above" in report
    assert report.endswith("1 FAIL, 0 WARN, 0 OK")
    problem = invalid_config(team_file)  # what the alert watch announces says the same
    assert problem is not None and any(named in line for line in problem.problems)


def test_a_valid_team_file_passes_and_has_no_problem(team_file: Path) -> None:
    [result, *_], team = check_team_file(team_file)

    assert team is not None and result.status is Status.OK
    assert invalid_config(team_file) is None
    assert invalid_config(team_file.with_name("absent.yml")) is None  # absent: the embedded default team
