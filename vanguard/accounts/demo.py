"""Accounts' share of seed_demo: the superuser, a helper for users holding roles, and the logins table.

The users who hold roles at organisations are made by the steps that made
those organisations (orgs' step for the office and the secretaries, members'
for the member's own account), with `make_user` below.
"""

from __future__ import annotations

import datetime

from vanguard.accounts.models import RoleAssignment, User
from vanguard.core.demo import DEMO_PASSWORD, DemoContext, DemoLogin, Scale

DEMO_USERNAMES = ["office", "yuzhong", "jiangbei", "branch", "supervisor", "member", "shenzhen"]


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "demo":  # the benchmark city has no logins: the bench makes its own user
        context.users["root"] = User.objects.create_superuser("root", password=DEMO_PASSWORD, first_name="系统管理员")


def make_user(username: str, full_name: str, role: str, organisation, *, member=None) -> User:
    """A demo user with the demo password, holding `role` at `organisation` since the campaign began."""
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=full_name, member=member)
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation, valid_from=datetime.date(2005, 1, 1))
    return user


def logins() -> list[DemoLogin]:
    """Who can sign in to the demo, read back from the database."""
    found = [DemoLogin("root", "superuser", "—")] if User.objects.filter(username="root").exists() else []
    for assignment in (
        RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES)
        .select_related("user", "organisation")
        .order_by("pk")
    ):
        found.append(DemoLogin(assignment.user.username, assignment.role, assignment.organisation.name))
    return found
