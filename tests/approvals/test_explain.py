"""`/ops policy <tool>`: the exact text people read, one snapshot per kind of answer."""

from __future__ import annotations

from approvals.policy import ApprovalPolicy, explain
from tests.approvals.policy_cases import DESTRUCTIVE, IDEMPOTENT_WRITE, READ, WRITE

POLICY = ApprovalPolicy.model_validate(
    {
        "approvers": ["SONCALL"],
        "escalate_to": "ULEAD",
        "tools": [
            {
                "match": "deploy_*",
                "tier": "high",
                "constraints": {"environment": {"allow": ["staging", "dev-*"], "deny": ["prod*"], "max_length": 20}},
            },
            {"match": "github:delete_*", "tier": "critical", "approvers": ["UANN", "UBEN", "UCAT"], "expiry": "15m"},
            {"match": "touch", "reversible": False},
        ],
    }
)


def test_a_read_only_tool() -> None:
    assert explain("list_services", POLICY, annotations=READ) == (
        "*`list_services`* → *low* risk: it runs at once.\n"
        "• The tool only reads (its annotations say read-only).\n"
        "*Matched:* annotations: read-only\n"
        "*Reversible:* yes\n"
        "*What would change it:*\n"
        "• The agent's confidence does not move it: it only reads.\n"
        "• A freeze does not stop it: it is low risk."
    )


def test_a_rule_that_overrides_annotations_with_limits() -> None:
    assert explain("deploy_api", POLICY, annotations=WRITE) == (
        "*`deploy_api`* → *high* risk: it waits for approval while the task goes on with other steps.\n"
        "• The policy rule `deploy_*` sets the risk to high (the tool's annotations alone would give medium).\n"
        "*Matched:* annotations: non-destructive write · policy.tools[0] (deploy_*)\n"
        "*Reversible:* no\n"
        "*Decided by:* <!subteam^SONCALL> · 1 vote needed (never the requester's own) · expires after 24h · "
        "reminder 4h48m before expiry · escalates to <@ULEAD> on expiry\n"
        "*Argument limits* (a value outside them is refused): "
        "`environment` only `staging`, `dev-*`, never `prod*`, at most 20 characters\n"
        "*What would change it:*\n"
        "• An agent confidence below 70%, or none stated, leaves it at high.\n"
        "• While opsgate is frozen (`/ops freeze on`), it is refused."
    )


def test_a_critical_rule_on_an_untrusted_server() -> None:
    assert explain("delete_repo", POLICY, server="github") == (
        "*`delete_repo`* (MCP server `github`) → *critical* risk: it halts the task until enough approvers agree.\n"
        "• The policy rule `github:delete_*` sets the risk to critical "
        "(the tool's annotations alone would give high).\n"
        "*Matched:* server: github (untrusted) · policy.tools[1] (github:delete_*)\n"
        "*Reversible:* no\n"
        "*Decided by:* <@UANN>, <@UBEN>, <@UCAT> · 2 votes needed (never the requester's own) · "
        "expires after 15m · reminder 3m before expiry · escalates to <@ULEAD> on expiry · "
        "an approver types the target to confirm\n"
        "*What would change it:*\n"
        "• An agent confidence below 70%, or none stated, leaves it at critical.\n"
        "• While opsgate is frozen (`/ops freeze on`), it is refused."
    )


def test_an_untrusted_tool_without_a_rule_says_how_to_change_that() -> None:
    text = explain("create_issue", POLICY, server="github", annotations=READ)

    assert text.startswith("*`create_issue`* (MCP server `github`) → *high* risk")
    assert "which the policy does not trust, so it counts as destructive and open-world" in text
    assert text.endswith(
        "• A rule with a `tier` for it in `policy.tools`, or `github` in `policy.trusted_servers`, "
        "would replace the destructive, open-world default."
    )


def test_a_write_that_low_confidence_raises_and_one_that_cannot_be_low() -> None:
    restart = explain("restart", POLICY, annotations=IDEMPOTENT_WRITE)
    touch = explain("touch", POLICY, annotations=WRITE)

    assert "*Reversible:* yes" in restart
    assert (
        "• An agent confidence below 70%, or none stated, makes it *high*: it waits for approval while the task "
        "goes on with other steps (`policy.confidence_matrix`)."
    ) in restart
    assert touch.startswith("*`touch`* → *medium* risk")
    assert "*Matched:* annotations: non-destructive write · policy.tools[2] (touch)" in touch
    assert "*Reversible:* no" in touch


def test_a_read_is_not_moved_by_confidence() -> None:
    text = explain("touch", POLICY, annotations=READ)

    assert text.startswith("*`touch`* → *low* risk")
    assert text.endswith(
        "• The agent's confidence does not move it: it only reads.\n• A freeze does not stop it: it is low risk."
    )


def test_a_low_rule_on_an_irreversible_write_is_medium_and_says_why() -> None:
    low = ApprovalPolicy.model_validate({"approvers": ["SONCALL"], "tools": [{"match": "purge", "tier": "low"}]})

    assert explain("purge", low, annotations=WRITE) == (
        "*`purge`* → *medium* risk: it runs at once and is logged in the thread.\n"
        "• The policy rule `purge` sets the risk to low (the tool's annotations alone would give medium).\n"
        "• Even with the agent confident, for a write that cannot be undone the policy's confidence matrix "
        "raises the risk from low to medium.\n"
        "*Matched:* annotations: non-destructive write · policy.tools[0] (purge) · "
        "confidence_matrix.confident_irreversible\n"
        "*Reversible:* no\n"
        "*What would change it:*\n"
        "• An agent confidence below 70%, or none stated, makes it *high*: it waits for approval while the task "
        "goes on with other steps (`policy.confidence_matrix`).\n"
        "• While opsgate is frozen (`/ops freeze on`), it is refused."
    )


def test_an_unannotated_builtin_tool_with_no_approvers_configured() -> None:
    text = explain("mystery", ApprovalPolicy(), annotations=None)

    assert "• The tool declares no annotations, so it counts as destructive and open-world." in text
    assert "*Decided by:* nobody yet (name approvers in `policy.approvers`) · 1 vote needed" in text
    assert explain("mystery", ApprovalPolicy(), annotations=DESTRUCTIVE).startswith("*`mystery`* → *high* risk")
