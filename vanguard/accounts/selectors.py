"""Reads about users' roles."""

from __future__ import annotations

from vanguard.accounts.models import RoleAssignment
from vanguard.core import tree


def roles_of(user) -> list[RoleAssignment]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(RoleAssignment.objects.current().filter(user=user).select_related("organisation"))


def acting_role(user, path: str) -> RoleAssignment | None:
    """The most specific current role of `user` covering `path`: the role they act in there."""
    best = None
    for assignment in roles_of(user):
        if tree.is_within(path, assignment.organisation.path):
            if best is None or assignment.organisation.depth > best.organisation.depth:
                best = assignment
    return best


def acting_as(user, path: str) -> dict:
    """The audit trail's actor fields for `user` acting on something at `path` (core.audit.record's keywords)."""
    best = acting_role(user, path) if user is not None else None
    role = best.role if best else ("superuser" if getattr(user, "is_superuser", False) else "")
    return {"actor": user, "actor_role": role, "actor_organisation": best.organisation if best else None}
