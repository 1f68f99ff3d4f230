"""Is a request ops work for this team? The words that say so, and the sentence that says it is not.

A request is in scope when it names a configured service, environment or topic, or uses the ops vocabulary below
(services, deploys, incidents, infrastructure, the tools' own nouns); only a request that does none of this and
that the learned detector reads as not ops work is out of scope. The vocabulary errs wide on purpose: a refusal
of ops work costs more than a model call on a question about a bank card.
"""

from __future__ import annotations

from agents.guardrails._regex import compile_bytes, escape_literal
from agents.guardrails.config import ScopeConfig

__all__ = ["OPS_VOCABULARY", "ScopeMatcher", "out_of_scope_reason"]

OPS_VOCABULARY = (
    r"deploy\w*|redeploy\w*|releases?|rollouts?|roll\s*backs?|rollback\w*|roll\s+(?:it\s+)?back|revert\w*|hotfix\w*|canary|"
    r"services?|microservices?|servers?|hosts?|hostnames?|nodes?|clusters?|pods?|containers?|k8s|kubernetes|kubectl|helm|"
    r"namespaces?|ingress|load\s*balancers?|lb|dns|tls|ssl|certs?|certificates?|vpn|vpc|subnets?|firewall\w*|"
    r"ports?|proxy|nginx|envoy|istio|docker|images?|registry|replicas?|autoscal\w*|scal(?:e|ed|ing)|restart\w*|reboot\w*|"
    r"databases?|db|dbs|postgres\w*|mysql|redis|kafka|rabbitmq|queues?|topics?|consumers?|migrations?|schemas?|tables?|"
    r"queries|query|sql|backups?|snapshots?|restores?|replication|failover|shards?|indexes|indices|"
    r"incidents?|outages?|alerts?|alerting|pages?|paging|pager\w*|on-?call|sev\d?|p[0-4]|postmortems?|runbooks?|"
    r"playbooks?|oncall|escalat\w*|status\s*page|sla|slo|sli|uptime|downtime|latency|p9\d|errors?|5\d\d|4\d\d|"
    r"timeouts?|logs?|logging|metrics?|dashboards?|grafana|prometheus|datadog|traces?|tracing|cpu|memory|oom\w*|"
    r"disk|disks|storage|volumes?|throughput|traffic|health\s*checks?|healthz|endpoints?|api|apis|gateway|"
    r"builds?|pipelines?|ci|cd|jobs?|cron\w*|workers?|batch|terraform|ansible|infra\w*|environments?|envs?|"
    r"config\w*|feature\s+flags?|flags?|secrets?|vault|keys?|tokens?|credentials?|iam|roles?|permissions?|access|"
    r"freeze|change\s+requests?|approvals?|approvers?|tickets?|jira|inventory|versions?|git|github|branch\w*|"
    r"commits?|prs?|pull\s+requests?|repos?|repository|aws|gcp|azure|s3|ec2|lambda|region|eu-\w+|us-\w+|"
    r"decommission\w*|provision\w*|maintenance|patch\w*|upgrade\w*|downgrade\w*|drain\w*|cordon\w*|"
    r"ssh|bastion|kill|crash\w*|down|flapping|stuck|broken|slow|degraded|healthy|unhealthy|running"
)


class ScopeMatcher:
    """Finds a sign of ops work: the vocabulary or one of the team's configured names."""

    def __init__(self, config: ScopeConfig) -> None:
        names = [escape_literal(name) for name in (*config.services, *config.environments, *config.topics)]
        words = OPS_VOCABULARY + ("|" + "|".join(names) if names else "")
        self._pattern = compile_bytes(rf"(?:^|[^a-z0-9_-])(?:{words})(?:$|[^a-z0-9_])", ignore_case=True)

    def in_scope(self, text: str) -> bool:
        return self._pattern.search(text.encode("utf-8", "surrogatepass")) is not None


def out_of_scope_reason(config: ScopeConfig) -> str:
    """What the person is told: what this bot is for, with the team's own names when it has some."""
    named = ", ".join(config.services[:5])
    services = f" (for example {named})" if named else ""
    return (
        "this does not look like ops work for this team: I work on services"
        f"{services}, deployments, incidents and runbooks"
    )
