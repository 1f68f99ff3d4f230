"""Rolling out a new worker version while old tasks drain: `opsgate deploy list | register URL | retire ID`.

Restate pins every invocation to the deployment it started on, and a task can wait a day for its approval, so a
new worker version is a new deployment beside the old one: register the new URL (new invocations go there), keep
the old workers reachable until no unfinished invocation is pinned to their deployment, then retire it. Restate
itself only deletes deployments by force, which breaks whatever still runs there; `retire` refuses while anything
is pinned to the deployment or while it still serves the newest revision of a service.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, TextIO

import httpx

__all__ = ["DeploymentError", "DeploymentState", "RestateAdmin", "deploy_main"]

PINNED_QUERY = (
    "SELECT pinned_deployment_id AS id, count(*) AS n FROM sys_invocation "
    "WHERE status <> 'completed' AND pinned_deployment_id IS NOT NULL GROUP BY pinned_deployment_id"
)


class DeploymentError(RuntimeError):
    """The admin API refused or did not answer; the message says what to do."""


@dataclass(frozen=True, slots=True)
class DeploymentState:
    id: str
    uri: str
    created_at: str
    services: dict[str, int]  # service name → revision this deployment serves
    pinned: int  # unfinished invocations that must finish here
    latest_for: tuple[str, ...]  # the services whose new invocations go to this deployment

    @property
    def drained(self) -> bool:
        return self.pinned == 0 and not self.latest_for


class RestateAdmin:
    """The few admin API calls a rollout needs, with errors that say which URL did not answer."""

    def __init__(self, admin_url: str, *, timeout: float = 10.0) -> None:
        self._admin = admin_url.rstrip("/")
        self._client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self._admin}{path}"
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise DeploymentError(
                f"restate admin at {self._admin} did not answer ({exc}); check OPSGATE_RESTATE_ADMIN_URL"
            ) from exc
        if response.status_code >= 300:
            raise DeploymentError(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def states(self) -> list[DeploymentState]:
        listed: list[dict[str, Any]] = self._json("GET", "/deployments").get("deployments", [])
        rows = self._json("POST", "/query", json={"query": PINNED_QUERY}, headers={"accept": "application/json"})
        pinned = {str(row["id"]): int(row["n"]) for row in rows.get("rows", [])}
        newest: dict[str, tuple[int, str]] = {}
        for deployment in listed:
            for service in deployment.get("services", []):
                revision = int(service.get("revision", 0))
                if revision >= newest.get(service["name"], (-1, ""))[0]:
                    newest[service["name"]] = (revision, str(deployment["id"]))
        states = []
        for deployment in listed:
            ident = str(deployment["id"])
            services = {str(s["name"]): int(s.get("revision", 0)) for s in deployment.get("services", [])}
            latest = tuple(sorted(name for name, (_, owner) in newest.items() if owner == ident))
            uri = str(deployment.get("uri") or deployment.get("arn") or "")
            states.append(
                DeploymentState(
                    ident, uri, str(deployment.get("created_at", "")), services, pinned.get(ident, 0), latest
                )
            )
        return sorted(states, key=lambda state: state.created_at)

    def register(self, uri: str) -> str:
        """A new deployment at `uri` (a new worker version has a URL of its own); its id."""
        answer = self._json("POST", "/deployments", json={"uri": uri})
        return str(answer["id"])

    def retire(self, deployment_id: str) -> DeploymentState:
        """Delete a drained deployment; refuses (DeploymentError) while anything still needs it."""
        state = next((s for s in self.states() if s.id == deployment_id), None)
        if state is None:
            raise DeploymentError(f"no deployment {deployment_id}: `opsgate deploy list` shows the known ones")
        if state.latest_for:
            raise DeploymentError(
                f"{deployment_id} still serves the newest revision of {', '.join(state.latest_for)}: "
                "register the new version first"
            )
        if state.pinned:
            raise DeploymentError(
                f"{deployment_id} still has {state.pinned} unfinished invocation(s) pinned to it (tasks waiting for "
                "an approval, for instance): keep its workers running and retry once they finish"
            )
        self._json("DELETE", f"/deployments/{deployment_id}", params={"force": "true"})
        return state


def _print_states(states: list[DeploymentState], out: TextIO) -> None:
    if not states:
        print("no deployments registered: `opsgate deploy register <worker URL>`", file=out)
        return
    for state in states:
        role = "serves new invocations" if state.latest_for else "drained" if state.drained else "draining"
        print(f"{state.id}  {state.uri}  pinned={state.pinned}  {role}  (registered {state.created_at})", file=out)


def deploy_main(admin_url: str, action: str, argument: str | None, out: TextIO, *, as_json: bool = False) -> int:
    admin = RestateAdmin(admin_url)
    try:
        if action == "register":
            if not argument:
                raise DeploymentError("`opsgate deploy register` needs the new worker version's URL")
            print(f"registered {argument} as {admin.register(argument)}", file=out)
            _print_states(admin.states(), out)
        elif action == "retire":
            if not argument:
                raise DeploymentError("`opsgate deploy retire` needs a deployment id (see `opsgate deploy list`)")
            retired = admin.retire(argument)
            print(f"retired {retired.id} ({retired.uri}): its workers can be stopped", file=out)
        elif as_json:
            states = admin.states()
            print(json.dumps([{**asdict(s), "drained": s.drained} for s in states], indent=2), file=out)
        else:
            _print_states(admin.states(), out)
    except DeploymentError as exc:
        print(f"error: {exc}", file=out)
        return 1
    finally:
        admin.close()
    return 0
