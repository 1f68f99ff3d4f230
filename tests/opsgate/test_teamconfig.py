"""opsgate.yml: what loads, and that every mistake is reported as file:line: field: message."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from agents.spec import AgentSpec
from approvals.policy import Tier
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


POLICY_HEAD = "version: 1\nagents:\n  - {name: ops, purpose: p, prompt: p, tools: []}\n"


def test_a_policy_loads_with_durations_as_people_write_them() -> None:
    text = POLICY_HEAD + textwrap.dedent(
        """\
        policy:
          approvers: [UALICE, UBOB, SONCALL]
          high_expiry: 2h
          critical_expiry: 600
          tools:
            - match: deploy_*
              tier: high
              reminder: 15m
              constraints:
                environment: {deny: [prod*]}
        """
    )
    policy = parse_team_config(text, "opsgate.yml").policy

    assert policy.high_expiry == timedelta(hours=2)
    assert policy.critical_expiry == timedelta(minutes=10)
    assert policy.tools[0].tier is Tier.HIGH
    assert policy.tools[0].reminder == timedelta(minutes=15)
    assert policy.tools[0].constraints["environment"].deny == ["prod*"]


def test_policy_value_errors_point_at_their_lines() -> None:
    text = POLICY_HEAD + textwrap.dedent(
        """\
        policy:
          high_expiry: soon
          reminder_before: 2
          tools:
            - match: deploy_*
              tier: critical
              quorum: 1
            - match: drop_*
              quorum: 0
              expiry: 90 minutes
              approvers: [alice]
              constraints:
                env: {deny: [prod], pattern: "v("}
            - match: "github:"
              tier: urgent
        """
    )
    duration = "is not a duration: write e.g. 90s, 30m, 24h, 1h30m, 2d or a number of seconds"
    assert problems(text) == [
        f"opsgate.yml:5: policy.high_expiry: 'soon' {duration}",
        "opsgate.yml:6: policy.reminder_before: Input should be less than 1",
        "opsgate.yml:10: policy.tools[0].quorum: "
        "a critical action needs two distinct approvers: quorum must be at least 2",
        "opsgate.yml:12: policy.tools[1].quorum: Input should be greater than or equal to 1",
        f"opsgate.yml:13: policy.tools[1].expiry: '90 minutes' {duration}",
        "opsgate.yml:14: policy.tools[1].approvers[0]: 'alice' is not a Slack user id (U… or W…) or user group id "
        "(S…), alone (in the home workspace) or after a team id and a colon (T…:U…)",
        "opsgate.yml:16: policy.tools[1].constraints.env.pattern: "
        "'v(' is not a regular expression RE2 accepts (missing ): v(; RE2 has no look-around or backreferences)",
        "opsgate.yml:17: policy.tools[2].match: "
        "'github:' is not a tool pattern: write a tool name or glob like deploy_*, "
        "optionally after a server name like github:*",
        "opsgate.yml:18: policy.tools[2].tier: Input should be 'low', 'medium', 'high' or 'critical'",
    ]


def test_a_policy_that_cannot_be_satisfied_is_refused_where_it_fails() -> None:
    text = POLICY_HEAD + textwrap.dedent(
        """\
        policy:
          approvers: [UALICE]
          tools:
            - match: deploy_*
              tier: critical
            - match: drop_*
              tier: high
              approvers: [UALICE, UBOB, UALICE]
              quorum: 2
            - match: deploy_prod
              tier: low
            - match: purge
              tier: critical
              approvers: [SONCALL]
              reminder: 45m
            - match: restart
              tier: high
              approvers: [UALICE, UBOB]
        """
    )
    too_few = "cannot reach a quorum of {q} when one of them requests the action (nobody approves their own)"
    assert problems(text) == [
        f"opsgate.yml:5: policy.approvers: 1 approver {too_few.format(q=1)}: name at least 2 people, or a user group",
        f"opsgate.yml:8: policy.tools[0].tier: with policy.approvers, 1 approver {too_few.format(q=2)}: "
        "name at least 3 people, or a user group",
        f"opsgate.yml:11: policy.tools[1].approvers: 2 approvers {too_few.format(q=2)}: "
        "name at least 3 people, or a user group",
        "opsgate.yml:13: policy.tools[2].match: this rule never applies: tools[0] (deploy_*) comes first and matches "
        "every tool it does (the first matching rule wins; move the narrower rule up)",
        "opsgate.yml:18: policy.tools[3].reminder: "
        "the reminder must come before the approval expires (reminder is how long before expiry)",
    ]


def test_a_rule_that_asks_for_approval_needs_someone_to_give_it() -> None:
    text = (
        POLICY_HEAD + "policy:\n  tools:\n    - match: deploy\n      tier: high\n    - match: list_*\n      tier: low\n"
    )

    assert problems(text) == [
        "opsgate.yml:6: policy.tools[0].approvers: "
        "nobody may approve this high rule: name approvers here or in policy.approvers"
    ]


def test_a_duplicate_key_in_a_rule_is_an_error() -> None:
    text = POLICY_HEAD + "policy:\n  tools:\n    - match: deploy\n      tier: low\n      tier: medium\n"

    assert problems(text) == ["opsgate.yml:8: policy.tools[0].tier: duplicate key (first at line 7)"]


def test_the_commented_policy_example_in_the_repository_file_loads() -> None:
    lines = (REPO_ROOT / "opsgate.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("# policy:")
    example = "\n".join(line.removeprefix("#").removeprefix(" ") for line in lines[start:] if line.startswith("#"))
    policy = parse_team_config(POLICY_HEAD + example, "opsgate.yml").policy

    assert [rule.match for rule in policy.tools] == ["list_*", "restart_service", "github:delete_*", "deploy_*"]
    assert policy.tools[1].expiry == timedelta(hours=2)
    assert policy.trusted_servers == ["github"]


def team_yaml(*agents: tuple[str, list[str]]) -> str:
    lines = ["version: 1", "agents:"]
    for name, delegates in agents:
        lines += [f"  - name: {name}", "    purpose: p", "    prompt: p", "    tools: []"]
        lines.append(f"    delegates: [{', '.join(delegates)}]")
    return "\n".join(lines) + "\n"


def test_an_orchestrator_names_its_specialists() -> None:
    config = parse_team_config(team_yaml(("lead", ["research", "data"]), ("research", []), ("data", [])), "x.yml")
    assert config.agent("lead").delegates == ["research", "data"]


def test_delegates_must_exist_and_must_not_loop() -> None:
    assert problems(team_yaml(("lead", ["lead", "nobody"]))) == [
        "opsgate.yml:7: agents[0].delegates[0]: 'lead': an agent cannot delegate to itself (agents: lead)",
        "opsgate.yml:7: agents[0].delegates[1]: 'nobody': no such agent (agents: lead)",
    ]
    [cycle] = problems(team_yaml(("a", ["b"]), ("b", ["c"]), ("c", ["a"])))
    assert cycle.endswith("agents delegate in a circle: a → b → c → a")


def test_the_built_in_team_is_the_example_files_team() -> None:
    example = load_team_config(REPO_ROOT / "opsgate.yml")
    default = TeamConfig.default()
    assert default.agents == example.agents
    assert default.default_agent == example.default_agent == "lead"
    assert default.policy.approvers == []  # nobody approves until a team says who


def test_an_unknown_model_is_refused_at_load_with_its_line() -> None:
    found = problems(agent_yaml("ops", ["list_services"]) + "    model: gpt-4o\n")

    assert len(found) == 1
    assert found[0].startswith("opsgate.yml:7: agents[0].model:")
    assert "unknown model 'gpt-4o'" in found[0] and "claude-sonnet-4-6" in found[0]


def test_a_dated_model_id_counts_as_its_family() -> None:
    config = parse_team_config(agent_yaml("ops", ["list_services"]) + "    model: claude-haiku-4-5-20251001\n", "x")

    assert config.agents[0].model == "claude-haiku-4-5-20251001"
