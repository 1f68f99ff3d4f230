"""opsgate.yml: what loads, and that every mistake is reported as file:line: field: message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from agents.spec import AgentSpec
from opsgate.teamconfig import TeamConfig, TeamConfigError, load_team_config, parse_team_config

REPO_ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
version: 1
agents:
  - name: ops
    purpose: Answer questions about services.
    prompt: You answer questions.
    tools: [list_services]
  - name: deploy
    purpose: Roll out releases.
    prompt: You deploy.
    tools: [list_services, restart_service]
    max_turns: 12
    model: claude-sonnet-4-5
    token_budget: 20000
default_agent: deploy
commands:
  max_request_chars: 2000
  allowed_channels: [C123]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(TeamConfigError) as caught:
        parse_team_config(textwrap.dedent(text), "opsgate.yml")
    assert str(caught.value) == "\n".join(caught.value.problems)
    return list(caught.value.problems)


def agent_yaml(name: str, tools: list[str]) -> str:
    return f"version: 1\nagents:\n  - name: {name}\n    purpose: p\n    prompt: p\n    tools: [{', '.join(tools)}]\n"


def test_a_good_file_loads() -> None:
    config = parse_team_config(GOOD, "opsgate.yml")

    assert [agent.name for agent in config.agents] == ["ops", "deploy"]
    assert config.default_agent == "deploy"
    assert config.agent("deploy").max_turns == 12
    assert config.agent("deploy").token_budget == 20000
    assert config.commands.max_request_chars == 2000
    assert config.commands.allowed_channels == ["C123"]
    assert config.warnings() == []


def test_defaults_fill_what_the_file_leaves_out() -> None:
    config = parse_team_config(agent_yaml("ops", ["list_services"]), "opsgate.yml")

    assert config.default_agent == "ops"
    assert config.agents[0].max_turns == 8
    assert config.agents[0].model is None
    assert config.commands.max_request_chars == 4000
    assert config.commands.allowed_channels == []


def test_the_repository_example_loads_and_matches_the_embedded_defaults() -> None:
    config = load_team_config(REPO_ROOT / "opsgate.yml")

    assert config == TeamConfig.default()
    assert config.agent("ops").tools == ["list_services"]


def test_each_value_error_points_at_its_line() -> None:
    text = """\
        version: 1
        agents:
          - name: Ops
            purpose: Answer questions.
            prompt: p
            tools: [list_services]
            max_turns: 99
            colour: blue
        commands:
          max_request_chars: lots
    """
    assert problems(text) == [
        "opsgate.yml:3: agents[0].name: String should match pattern '^[a-z][a-z0-9_-]{0,39}$'",
        "opsgate.yml:7: agents[0].max_turns: Input should be less than or equal to 50",
        "opsgate.yml:8: agents[0].colour: Extra inputs are not permitted",
        "opsgate.yml:10: commands.max_request_chars: "
        "Input should be a valid integer, unable to parse string as an integer",
    ]


def test_a_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    text = """\
        version: 1
        agents:
          - name: ops
            tools: []

          - name: data
            purpose: p
            tools: []
    """
    assert problems(text) == [
        "opsgate.yml:3: agents[0].purpose: Field required",
        "opsgate.yml:3: agents[0].prompt: Field required",
        "opsgate.yml:6: agents[1].prompt: Field required",
    ]


def test_top_level_mistakes() -> None:
    assert problems("version: 2\nagents: []\n") == [
        "opsgate.yml:1: version: Input should be 1",
        "opsgate.yml:2: agents: List should have at least 1 item after validation, not 0",
    ]
    assert problems("agents: []\n") == [
        "opsgate.yml:1: version: Field required",
        "opsgate.yml:1: agents: List should have at least 1 item after validation, not 0",
    ]
    assert problems("- version: 1\n") == ["opsgate.yml:1: expected a mapping with `version` and `agents`, not a list"]
    assert problems("") == ["opsgate.yml:1: the file is empty; expected a mapping with `version` and `agents`"]


def test_more_than_fifteen_tools_is_an_error_at_the_tool_list() -> None:
    tools = [f"tool_{n}" for n in range(16)]

    assert problems(agent_yaml("big", tools)) == [
        "opsgate.yml:6: agents[0].tools: agent 'big' lists 16 tools; at most 15 (split it into specialists)"
    ]


def test_more_than_eight_tools_loads_with_a_warning() -> None:
    config = parse_team_config(agent_yaml("wide", [f"tool_{n}" for n in range(9)]), "opsgate.yml")

    assert config.warnings() == [
        "agent 'wide' lists 9 tools; more than 8 makes tool choice less reliable "
        "(consider splitting it into specialists)"
    ]
    assert parse_team_config(agent_yaml("ok", [f"tool_{n}" for n in range(8)]), "x").warnings() == []


def test_a_tool_listed_twice_is_an_error() -> None:
    assert problems(agent_yaml("ops", ["a", "b", "a"])) == [
        "opsgate.yml:6: agents[0].tools: agent 'ops' lists a more than once"
    ]


def test_duplicate_agent_names_point_at_the_second_name() -> None:
    text = """\
        version: 1
        agents:
          - {name: ops, purpose: p, prompt: p, tools: []}
          - name: data
            purpose: p
            prompt: p
            tools: []
          - name: ops
            purpose: p
            prompt: p
            tools: []
    """
    assert problems(text) == ["opsgate.yml:8: agents[2].name: duplicate agent name 'ops' (also agents[0])"]


def test_an_unknown_default_agent_points_at_its_line() -> None:
    text = agent_yaml("ops", []) + "default_agent: opps\n"

    assert problems(text) == ["opsgate.yml:7: default_agent: 'opps' is not one of the agents (ops)"]


def test_a_duplicate_yaml_key_is_an_error() -> None:
    text = agent_yaml("ops", []) + "commands:\n  max_request_chars: 10\n  max_request_chars: 20\n"

    assert problems(text) == ["opsgate.yml:9: commands.max_request_chars: duplicate key (first at line 8)"]


def test_yaml_syntax_errors_give_the_line() -> None:
    text = "version: 1\nagents:\n  - name: ops\n    tools: [a, b\n  - name: other\n"

    [problem] = problems(text)
    assert problem.startswith("opsgate.yml:5: YAML syntax error: ")


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "opsgate.yml"

    with pytest.raises(TeamConfigError, match="team configuration not found"):
        load_team_config(missing)


def test_load_names_the_file_in_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "team.yml"
    path.write_text("version: 1\nagents: []\n", encoding="utf-8")

    with pytest.raises(TeamConfigError) as caught:
        load_team_config(path)
    assert caught.value.problems == (f"{path}:2: agents: List should have at least 1 item after validation, not 0",)


def test_agent_specs_are_frozen_and_closed() -> None:
    spec = AgentSpec(name="ops", purpose="p", prompt="p", tools=["a"])

    with pytest.raises(ValidationError):
        spec.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        AgentSpec(name="ops", purpose="p", prompt="p", tools=[], temperature=1)  # type: ignore[call-arg]


def test_unknown_agent_lookup_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="ops"):
        TeamConfig.default().agent("nope")
