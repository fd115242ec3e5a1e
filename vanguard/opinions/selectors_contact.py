"""Who may see who raised an opinion (DOMAIN §3; issue 18: "no page, receipt or API response reveals who raised
an opinion to anyone but staff of that unit's subtree")."""

from __future__ import annotations

from vanguard.accounts.scoping import Action, can_at_path


def may_see_contact(user, opinion) -> bool:
    """Staff who may change the unit's records (its secretaries and the offices above), not viewers such as
    supervisors or the organisation a problem was forwarded to."""
    return can_at_path(user, Action.CHANGE, opinion.org_path)
