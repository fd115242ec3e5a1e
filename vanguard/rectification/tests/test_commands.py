"""The daily escalation command covers items and remedies, once each, judged on the day given."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command

from vanguard.rectification.models import Remedy
from vanguard.rectification.tests.factories import make_remedy


def test_overdue_remedies_escalate_once_and_on_the_day_given(city, today):
    due = make_remedy(city.branch_a, deadline=today + datetime.timedelta(days=2))
    later = make_remedy(city.branch_a2, deadline=today + datetime.timedelta(days=20))
    out = io.StringIO()
    call_command("escalate_overdue_items", stdout=out)
    assert not Remedy.objects.exclude(escalated_at=None).exists()
    as_of = (today + datetime.timedelta(days=3)).isoformat()
    call_command("escalate_overdue_items", "--as-of", as_of, stdout=out)
    call_command("escalate_overdue_items", "--as-of", as_of, stdout=out)
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.escalated_at is not None and later.escalated_at is None
    lines = out.getvalue().splitlines()
    # Two lines a run (items, remedies); only the second run's remedy line counts one.
    assert len(lines) == 6 and "1" in lines[3] and "1" not in lines[5]
