"""Global switches, kept in one Restate virtual object so every bot and worker replica sees the same value.

`frozen` is the freeze switch: while it is on, the gate refuses every action above low at once.
"""

from __future__ import annotations

import restate
from pydantic import BaseModel, ConfigDict
from restate import ObjectContext, ObjectSharedContext

__all__ = ["SWITCHES_KEY", "SWITCHES_OBJECT", "FreezeChange", "build_switches_object"]

SWITCHES_OBJECT = "Switches"
SWITCHES_KEY = "global"


class FreezeChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    frozen: bool
    by: str


def build_switches_object() -> restate.VirtualObject:
    switches = restate.VirtualObject(SWITCHES_OBJECT)

    @switches.handler(name="set_frozen")
    async def set_frozen(ctx: ObjectContext, change: FreezeChange) -> bool:
        ctx.set("frozen", change.frozen)
        ctx.set("frozen_by", change.by)
        return change.frozen

    @switches.handler(name="frozen", kind="shared")
    async def frozen(ctx: ObjectSharedContext) -> bool:
        return bool(await ctx.get("frozen", type_hint=bool))

    return switches
