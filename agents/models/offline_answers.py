"""What the offline model says: results summarized per call, specialists' reports, decisions, and honest help.

Every answer quotes the tools' own words (a result, a refusal, the approval notice) so a person reading the thread
sees exactly what happened; the offline model never claims more than the tools reported.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agents.messages import ToolResultBlock, ToolUseBlock
from agents.models.offline_reading import Facts

__all__ = ["DECISIONS", "answer_decisions", "answer_results", "help_text", "not_done"]

DECISIONS = "Decisions on the actions that were awaiting approval:"
_READS = {"list_services", "get_incidents", "query_inventory", "search_runbooks"}
_AWAITING = "is waiting for a person's approval"
_DECISION_LINE = re.compile(r"^- ([\w-]+) \([^)]*\): ")
_EXAMPLES = {
    "list_services": "what services are running in staging?",
    "get_incidents": "which incidents are open?",
    "query_inventory": "show the deploy history of api in production",
    "search_runbooks": "find the runbook for a database failover",
    "scale_service": "scale search in production to 6 replicas",
    "restart_service": "restart api in staging",
    "rollback_service": "roll back web in staging",
    "decommission_service": "decommission notifications in dev",
    "open_incident": "open a SEV3 incident on billing in production: webhook retries piling up",
    "add_incident_note": "add a note to incident #1: rebuild paused",
    "post_message": "post in C0OPS that the search incident is mitigated",
    "send_email": "email oncall@example.com that api was restarted",
}
_SPECIALIST_EXAMPLES = {
    "research": ["find the runbook for a database failover and show open incidents"],
    "data": ["show the deploy history of api in production"],
    "ops": ["scale search in production to 6 replicas", "restart api in staging", "decommission notifications in dev"],
    "comms": ["restart api in staging and tell oncall@example.com"],
}


def _target(call: ToolUseBlock | None) -> str:
    if call is None:
        return ""
    arguments: dict[str, Any] = call.input
    if "service" in arguments and "environment" in arguments:
        return f" on {arguments['service']} in {arguments['environment']}"
    if "incident_id" in arguments:
        return f" on incident #{arguments['incident_id']}"
    if "channel" in arguments:
        return f" to {arguments['channel']}"
    if isinstance(arguments.get("to"), list):
        return " to " + ", ".join(str(address) for address in arguments["to"])
    if "environment" in arguments:
        return f" ({arguments['environment']})"
    if "service" in arguments:
        return f" ({arguments['service']})"
    return ""


def _relevant(content: str, question: Facts) -> str:
    """The inventory lines about the services the question names, or all of them when none match."""
    lines = [line for line in content.splitlines() if any(line.startswith(f"- {s} (") for s in question.services)]
    return "\n".join(lines) if lines else content


def _delegation(content: str) -> str:
    try:
        reports = json.loads(content)["results"]
    except (ValueError, KeyError, TypeError):
        return f"The handoff to the specialists did not work: {content}"
    parts = ["Here is what the specialists reported:"]
    for report in reports:
        part = f"*{report.get('agent', '?')}* ({report.get('status', '?')}): {report.get('summary', '')}".strip()
        if report.get("errors"):
            part += "\nErrors: " + "; ".join(str(error) for error in report["errors"])
        parts.append(part)
    return "\n\n".join(parts)


def _one_result(result: ToolResultBlock, call: ToolUseBlock | None, question: Facts) -> str:
    name = call.name if call is not None else "the tool"
    if name == "delegate":
        return _delegation(result.content)
    where = _target(call)
    if result.is_error and "needs a person's approval" in result.content:
        return (
            f"`{name}`{where} {_AWAITING}: it has NOT run yet. The request is posted in the thread, and I will "
            "report the decision when it is made."
        )
    if result.is_error:
        return f"`{name}`{where} did not run: {result.content}"
    if name in _READS:
        shown = _relevant(result.content, question) if name == "list_services" else result.content
        return f"From `{name}`{where}:\n{shown}"
    return f"`{name}`{where}: {result.content}"


def not_done(gaps: list[str]) -> str:
    return "Not done:\n" + "\n".join(f"- {gap}" for gap in gaps)


def answer_results(
    results: list[ToolResultBlock], calls: dict[str, ToolUseBlock], question: Facts, gaps: list[str]
) -> str:
    """One paragraph per result, in the order of the calls, then what was not done."""
    parts = [_one_result(result, calls.get(result.tool_use_id), question) for result in results]
    if gaps:
        parts.append(not_done(gaps))
    return "\n\n".join(parts)


def answer_decisions(decisions: str, previous: str) -> str:
    """The decisions, one line per action, then what had already been reported (minus the waiting notices)."""
    lines = [_DECISION_LINE.sub(r"- `\1`: ", line) for line in decisions.splitlines()[1:] if line.strip()]
    answer = "The actions that were waiting for approval have been decided:\n" + "\n".join(lines)
    earlier = [part for part in previous.split("\n\n") if part.strip() and _AWAITING not in part]
    if earlier:
        answer += "\n\nEarlier in this task:\n\n" + "\n\n".join(earlier)
    return answer


def help_text(tools: set[str], specialists: list[str]) -> str:
    """What the offline model can do with the tools and specialists it has, as requests to copy."""
    examples = [example for tool, example in _EXAMPLES.items() if tool in tools]
    examples += [example for name in specialists for example in _SPECIALIST_EXAMPLES.get(name, [])]
    unique = list(dict.fromkeys(examples))
    text = (
        "I'm the offline demo model (no ANTHROPIC_API_KEY is set): I follow a few fixed rules instead of "
        "reasoning, and none of them fits this request."
    )
    if not unique:
        return text + " I have no tools here, so there is nothing I can do."
    return text + " Requests I understand look like:\n" + "\n".join(f"- `/ops {example}`" for example in unique)
