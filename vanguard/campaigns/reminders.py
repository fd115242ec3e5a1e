"""Reminders of overdue steps (issue 17 §7): to the current secretaries of each late unit's organisation, in the
app (`Reminder` rows, shown on the home page) and by e-mail through Django's mail settings.

A required step is late for a unit now in the step's phase, past the step's deadline in the unit's batch window,
that has not recorded it (the rule of `selectors.unit_steps`).  The late (unit, step) pairs are found with one
query per batch and step whose deadline has passed, never one per unit, so a city of 58,000 units costs a few
dozen queries.  Roles are read as they stand on the day, so a successor gets the reminders (DOMAIN §1).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.campaigns import events
from vanguard.campaigns.models import (
    Campaign,
    CampaignStatus,
    Reminder,
    Step,
    StepRecord,
    Unit,
    UnitState,
)
from vanguard.campaigns.selectors import due_from, windows_of
from vanguard.core import audit

CHUNK = 2000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits
RECENT_DAYS = 14


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def late_pairs(campaign: Campaign, today: datetime.date) -> list[tuple[int, int, int, datetime.date]]:
    """(unit pk, organisation pk, step pk, due date) for every required step late in the campaign on `today`."""
    windows = windows_of(campaign)
    out = []
    steps = Step.objects.filter(phase__campaign=campaign, required=True).order_by("phase__order", "order")
    batch_ids = sorted({batch_id for batch_id, _phase in windows})
    for step in steps:
        for batch_id in batch_ids:
            window = windows.get((batch_id, step.phase_id))
            if window is None:
                continue
            due = due_from(window, step)
            if due >= today:
                continue
            recorded = StepRecord.objects.filter(unit=OuterRef("pk"), step=step)
            late = (
                Unit.objects.filter(
                    campaign=campaign,
                    batch_id=batch_id,
                    phase_id=step.phase_id,
                    unit_class__in=step.unit_classes,
                    state__in=[UnitState.OPEN, UnitState.RETURNED],
                )
                .filter(~Exists(recorded))
                .values_list("pk", "organisation_id")
                .order_by()
            )
            out += [(unit_id, organisation_id, step.pk, due) for unit_id, organisation_id in late]
    return out


def _secretaries(organisation_ids: Iterable[int], today: datetime.date) -> dict[int, set[int]]:
    """organisation pk -> users holding the secretary's role there on `today`."""
    held: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(sorted(set(organisation_ids))):
        rows = (
            RoleAssignment.objects.current(today)
            .filter(role=Role.SECRETARY, organisation_id__in=chunk, user__is_active=True)
            .values_list("organisation_id", "user_id")
        )
        for organisation_id, user_id in rows:
            held[organisation_id].add(user_id)
    return held


def send_reminders(today: datetime.date | None = None) -> int:
    """Remind the secretaries of every late unit of the running campaigns; returns the reminders written.

    Once a day per unit, step and user (a second run the same day writes and sends nothing); one e-mail per
    user with an address, listing that day's late steps; one audit entry per campaign with the count.
    """
    today = today or timezone.localdate()
    written = 0
    for campaign in Campaign.objects.filter(status=CampaignStatus.RUNNING).select_related("organisation"):
        written += _remind(campaign, today)
    return written


@transaction.atomic
def _remind(campaign: Campaign, today: datetime.date) -> int:
    pairs = late_pairs(campaign, today)
    if not pairs:
        return 0
    held = _secretaries((organisation_id for _u, organisation_id, _s, _d in pairs), today)
    already = set(
        Reminder.objects.filter(sent_on=today, unit__campaign=campaign).values_list("unit_id", "step_id", "user_id")
    )
    new = [
        Reminder(unit_id=unit_id, step_id=step_id, user_id=user_id, sent_on=today)
        for unit_id, organisation_id, step_id, _due in pairs
        for user_id in sorted(held.get(organisation_id, ()))
        if (unit_id, step_id, user_id) not in already
    ]
    if not new:
        return 0
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    _email(campaign, new, {(u, s): d for u, _o, s, d in pairs}, today)
    audit.record(
        event=events.REMINDER_SENT,
        target=campaign,
        organisation=campaign.organisation_id,
        data={"date": today.isoformat(), "count": len(new), "units": len({r.unit_id for r in new})},
    )
    return len(new)


def _email(campaign: Campaign, reminders: list[Reminder], due: dict, today: datetime.date) -> None:
    from django.contrib.auth import get_user_model

    by_user: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        by_user[reminder.user_id].append(reminder)
    users = {
        u.pk: u
        for chunk in _chunks(list(by_user))
        for u in get_user_model().objects.filter(pk__in=chunk).exclude(email="")
    }
    if not users:
        return
    unit_ids = sorted({r.unit_id for r in reminders if r.user_id in users})
    names = {}
    for chunk in _chunks(unit_ids):
        names.update(Unit.objects.filter(pk__in=chunk).values_list("pk", "organisation__name"))
    steps = dict(Step.objects.filter(phase__campaign=campaign).values_list("pk", "name"))
    emailed = []
    for user_id, user in users.items():
        lines = [
            _("%(unit)s: “%(step)s”, due on %(date)s")
            % {"unit": names.get(r.unit_id, ""), "step": steps.get(r.step_id, ""), "date": due[(r.unit_id, r.step_id)]}
            for r in sorted(by_user[user_id], key=lambda r: (names.get(r.unit_id, ""), r.step_id))
        ]
        subject = _("Overdue steps in %(campaign)s") % {"campaign": campaign.name}
        body = "\n".join([_("These steps are past their deadline (as of %(date)s):") % {"date": today}, "", *lines])
        send_mail(subject, body, None, [user.email], fail_silently=False)
        emailed.append(user_id)
    Reminder.objects.filter(sent_on=today, user_id__in=emailed, unit__campaign=campaign).update(emailed=True)


def reminders_for(user, *, days: int = RECENT_DAYS) -> QuerySet[Reminder]:
    """The user's reminders of the last `days` days whose step is still not recorded, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Reminder.objects.none()
    since = timezone.localdate() - datetime.timedelta(days=days)
    recorded = StepRecord.objects.filter(unit=OuterRef("unit_id"), step=OuterRef("step_id"))
    return (
        Reminder.objects.filter(user=user, sent_on__gte=since)
        .filter(~Exists(recorded))
        .select_related("unit__organisation", "unit__campaign", "step")
        .order_by("-sent_on", "-pk")
    )
