"""A user-group directory that knows what it is told (`approvals.authz.UserGroupDirectory`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["StaticDirectory"]


class StaticDirectory:
    """Each listed group's members; a group not listed is still being looked up (None)."""

    def __init__(self, groups: Mapping[str, Iterable[str]] | None = None) -> None:
        self.groups = {group: frozenset(members) for group, members in (groups or {}).items()}

    def members(self, group_id: str) -> frozenset[str] | None:
        return self.groups.get(group_id)
