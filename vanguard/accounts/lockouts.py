"""Sign-in lockouts: who is locked now, who may lift a lockout, the unlock itself and its audit entries.

A lockout is what django-axes' failure records add up to (see throttling.py):
a user name or an address with enough failures within the cool-off.  The
campaign office unlocks the users of its subtree: a user name is within an
office's reach when every organisation the user holds a role at (or is a
member of) lies in the office's subtrees.  User names nobody holds, users
without any role, superusers' accounts and addresses (which may be anyone's)
are for the city office and superusers only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from vanguard.accounts import events
from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.accounts.scoping import Action, scope_roots
from vanguard.core import audit, tree

USERNAME = "username"
ADDRESS = "ip_address"


@dataclass(frozen=True)
class Lockout:
    kind: str  # USERNAME or ADDRESS
    value: str
    failures: int
    last_failure: datetime.datetime
    user: User | None = None

    @property
    def until(self) -> datetime.datetime:
        # Every failure during a lockout starts the cool-off again (axes' default).
        return self.last_failure + settings.AXES_COOLOFF_TIME


def _reach(viewer) -> tuple[list[str] | None, bool]:
    """(subtree roots where `viewer` may unlock, None meaning everywhere; whether that is the whole city)."""
    roots = scope_roots(viewer, Action.UNLOCK_SIGN_IN)
    if roots is None:
        return None, True
    return roots, any(tree.depth_of(root) == 1 for root in roots)


def may_unlock(viewer) -> bool:
    """Whether `viewer` may use the lockouts page at all (the campaign office, superusers)."""
    roots, _ = _reach(viewer)
    return roots is None or bool(roots)


def may_unlock_addresses(viewer) -> bool:
    return _reach(viewer)[1]


def _places(users: list[User]) -> dict[int, set[str]]:
    """Tree paths where each user holds a current role or is a member."""
    places: dict[int, set[str]] = {user.pk: set() for user in users}
    rows = RoleAssignment.objects.current().filter(user__in=users).values_list("user_id", "organisation__path")
    for user_id, path in rows:
        places[user_id].add(path)
    for user in users:
        if user.member_id:
            places[user.pk].add(user.member.organisation.path)
    return places


def _within_reach(viewer, user: User | None, places: set[str]) -> bool:
    roots, whole_city = _reach(viewer)
    if roots is None:
        return True
    if user is not None and user.is_superuser:
        return False
    if whole_city:
        return True
    if user is None or not places:
        return False
    return all(any(tree.is_within(path, root) for root in roots) for path in places)


def _recent() -> AccessAttempt:
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def _locked(field: str, limit: int, values: list[str] | None = None) -> list[dict]:
    rows = _recent().exclude(**{f"{field}__isnull": True})
    if values is not None:
        rows = rows.filter(**{f"{field}__in": values})
    return list(
        rows.values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=limit)
        .order_by("-last")
    )


def username_lockouts(viewer, usernames: list[str] | None = None) -> list[Lockout]:
    """User names locked now that `viewer` may unlock, most recent first."""
    rows = _locked(USERNAME, settings.LOGIN_FAILURES_PER_USER, usernames)
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[row[USERNAME] for row in rows]).select_related(
            "member__organisation"
        )
    }
    places = _places(list(users.values()))
    lockouts = []
    for row in rows:
        user = users.get(row[USERNAME])
        if _within_reach(viewer, user, places.get(user.pk, set()) if user else set()):
            lockouts.append(Lockout(USERNAME, row[USERNAME], row["failures"], row["last"], user))
    return lockouts


def address_lockouts(viewer, addresses: list[str] | None = None) -> list[Lockout]:
    """Addresses locked now; only the city office and superusers see them."""
    if not may_unlock_addresses(viewer):
        return []
    rows = _locked(ADDRESS, settings.LOGIN_FAILURES_PER_ADDRESS, addresses)
    return [Lockout(ADDRESS, row[ADDRESS], row["failures"], row["last"]) for row in rows]


def _home_organisation(user: User | None):
    """The organisation a lockout entry of `user` belongs to: the highest one they hold a role at or belong to."""
    if user is None:
        return None
    assignment = (
        RoleAssignment.objects.current()
        .filter(user=user)
        .select_related("organisation")
        .order_by("organisation__depth", "organisation__path")
        .first()
    )
    if assignment is not None:
        return assignment.organisation
    return user.member.organisation if user.member_id else None


def record_lockout(*, username: str, address: str, by: list[str]) -> None:
    """The audit entry for a sign-in that has just locked its user name and/or its address.

    A user name's entry belongs to the user's organisation, so the office that
    may unlock it sees it; an address's alone belongs to no organisation.
    """
    user = User.objects.filter(username=username).select_related("member__organisation").first()
    audit.record(
        event=events.LOGIN_LOCKED,
        target=user,
        organisation=_home_organisation(user) if USERNAME in by else None,
        data={"username": username, "address": address, "locked": by},
    )


def _actor_fields(viewer, organisation) -> dict:
    """The unlocking office's role and organisation for the audit entry."""
    if viewer.is_superuser:
        return {"actor": viewer, "actor_role": "superuser", "actor_organisation": None}
    path = organisation.path if organisation is not None else None
    best = None
    assignments = RoleAssignment.objects.current().filter(user=viewer, role=Role.ADMIN)
    for assignment in assignments.select_related("organisation"):
        if path is None or tree.is_within(path, assignment.organisation.path):
            if best is None or assignment.organisation.depth < best.organisation.depth:
                best = assignment
    return {
        "actor": viewer,
        "actor_role": best.role if best else "",
        "actor_organisation": best.organisation if best else None,
    }


@transaction.atomic
def unlock(*, actor, username: str = "", address: str = "") -> Lockout:
    """Lift the lockout of a user name or of an address; returns the lockout lifted.

    Refused (PermissionDenied) unless `actor` may unlock it: see the module's
    docstring.  Unlocking forgets the failures; the lockout and the unlock stay
    in the audit trail.
    """
    if bool(username) == bool(address):
        raise ValueError("unlock one user name or one address")
    if username:
        found = username_lockouts(actor, [username])
    else:
        found = address_lockouts(actor, [address])
    if not found:
        raise PermissionDenied("no such lockout within reach")
    lockout = found[0]
    if username:
        AxesProxyHandler.reset_attempts(username=username)
    else:
        AxesProxyHandler.reset_attempts(ip_address=address)
    organisation = _home_organisation(lockout.user) if username else None
    audit.record(
        event=events.LOGIN_UNLOCKED,
        target=lockout.user,
        organisation=organisation,
        data={"username": username, "address": address, "failures": lockout.failures},
        **_actor_fields(actor, organisation),
    )
    return lockout
