"""Global switches, kept in one Restate virtual object so every bot and worker replica sees the same value.

`frozen` is the freeze switch: while it is on, the gate refuses every action above low at once. Only a policy
admin the bot verified may change it (the envelope's actor, checked again here), each change is audited, and a
change signed before the last one applied is refused, so a replayed old "off" cannot lift a newer freeze.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import restate
from restate import ObjectContext, ObjectSharedContext, TerminalError

from handlers.contracts import FROZEN, IS_FROZEN, SET_FROZEN, SWITCHES_OBJECT, FreezeChange
from handlers.contracts.envelope import Actor
from handlers.deps import AuditWriter
from handlers.steps import AUDIT_RETRY, CHECK_RETRY
from handlers.verified import Verifier, verified_actor

__all__ = ["FORBIDDEN", "FREEZE_AUDIT_CHAIN", "SwitchesDeps", "build_switches_object"]

FREEZE_AUDIT_CHAIN = "opsgate-freeze"
FORBIDDEN = 403


@dataclass(frozen=True)
class SwitchesDeps:
    verifier: Verifier
    audit: AuditWriter
    admin_refusal: Callable[[Actor], str | None]
    """Why this person may not change switches (not a policy admin), or None."""


def build_switches_object(deps: SwitchesDeps) -> restate.VirtualObject:
    switches = restate.VirtualObject(SWITCHES_OBJECT)

    @switches.handler(name=SET_FROZEN)
    async def set_frozen(ctx: ObjectContext, change: FreezeChange) -> bool:
        verdict = await verified_actor(ctx, deps.verifier, SWITCHES_OBJECT, SET_FROZEN, ctx.key())
        actor = verdict.actor
        assert actor is not None

        async def authorize() -> str:
            return await asyncio.to_thread(deps.admin_refusal, actor) or ""

        refusal = await ctx.run_typed("authz: admin", authorize, CHECK_RETRY.options(str))
        if refusal:
            raise TerminalError(f"refused: {refusal}", status_code=FORBIDDEN)
        last = await ctx.get("changed_at", type_hint=float) or 0.0
        if verdict.issued_at <= last:
            raise TerminalError("refused: a newer change was applied already", status_code=409)
        ctx.set("frozen", change.frozen)
        ctx.set("frozen_by", actor.user)
        ctx.set("frozen_by_team", actor.team)
        ctx.set("changed_at", verdict.issued_at)
        invocation = ctx.request().id

        async def audit() -> None:
            detail: dict[str, object] = {"frozen": change.frozen, "team": actor.team}
            await asyncio.to_thread(
                deps.audit, FREEZE_AUDIT_CHAIN, "freeze", f"freeze:{invocation}", actor.user, detail
            )

        await ctx.run_typed("audit: freeze", audit, AUDIT_RETRY.options())
        return change.frozen

    @switches.handler(name=FROZEN, kind="shared")
    async def frozen(ctx: ObjectSharedContext) -> bool:
        await verified_actor(ctx, deps.verifier, SWITCHES_OBJECT, FROZEN, ctx.key())
        return bool(await ctx.get("frozen", type_hint=bool))

    @switches.handler(name=IS_FROZEN, kind="shared", ingress_private=True)
    async def is_frozen(ctx: ObjectSharedContext) -> bool:
        return bool(await ctx.get("frozen", type_hint=bool))

    return switches
