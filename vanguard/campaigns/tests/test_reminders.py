"""Reminders of overdue steps: to the current secretaries only, once a day, by e-mail to those with an address."""

from __future__ import annotations

import datetime

from django.core.management import call_command

from conftest import make_user
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.campaigns.models import Reminder
from vanguard.campaigns.reminders import late_pairs, reminders_for, send_reminders
from vanguard.campaigns.tests.test_dashboard import late  # noqa: F401  (fixture)
from vanguard.campaigns.tests.test_services import record, step, template, unit_of  # noqa: F401  (fixture)
from vanguard.core.models import AuditEntry


def test_late_pairs_are_the_units_late_steps(city, late, today):  # noqa: F811
    mobilise = step(late, "mobilise")
    late_units = {unit_id for unit_id, _org, step_id, _due in late_pairs(late, today) if step_id == mobilise.pk}
    expected = {unit_of(late, o).pk for o in (city.root, city.district_a, city.committee_a, city.district_b)}
    assert late_units == expected
    assert {step_id for _u, _o, step_id, _d in late_pairs(late, today)} == {mobilise.pk}
    # Nothing is late before the deadline (day 7 of a window that began ten days ago).
    assert late_pairs(late, today - datetime.timedelta(days=4)) == []


def test_secretaries_are_reminded_once_a_day_by_mail_if_they_have_an_address(city, late, today, mailoutbox):  # noqa: F811
    city.secretary_a.email = "sec_a@example.org"
    city.secretary_a.save()
    # 甲区委's and 乙区委's secretaries; the city and 甲街道党工委 have no secretary (the office is an admin).
    assert send_reminders(today) == 2
    reminders = Reminder.objects.select_related("unit__organisation", "step")
    assert {(r.user, r.unit.organisation, r.step.key) for r in reminders} == {
        (city.secretary_a, city.district_a, "mobilise"),
        (city.secretary_b, city.district_b, "mobilise"),
    }
    assert [m.to for m in mailoutbox] == [["sec_a@example.org"]]
    assert "动员大会" in mailoutbox[0].body and "甲区委" in mailoutbox[0].body
    assert late.name in mailoutbox[0].subject
    assert Reminder.objects.get(user=city.secretary_a).emailed
    assert not Reminder.objects.get(user=city.secretary_b).emailed
    entry = AuditEntry.objects.get(event="campaigns.reminder.sent")
    assert entry.data["count"] == 2
    # A second run the same day writes and sends nothing.
    assert send_reminders(today) == 0
    assert Reminder.objects.count() == 2 and len(mailoutbox) == 1
    assert AuditEntry.objects.filter(event="campaigns.reminder.sent").count() == 1
    # The next day they are reminded again.
    assert send_reminders(today + datetime.timedelta(days=1)) == 2
    assert len(mailoutbox) == 2


def test_a_successor_gets_the_reminders_not_the_predecessor(city, late, today, mailoutbox):  # noqa: F811
    RoleAssignment.objects.filter(user=city.secretary_a).update(valid_until=today)
    successor = make_user("sec_a_new", email="new@example.org")
    tomorrow = today + datetime.timedelta(days=1)
    RoleAssignment.objects.create(
        user=successor, role=Role.SECRETARY, organisation=city.district_a, valid_from=tomorrow
    )
    send_reminders(tomorrow)
    assert set(Reminder.objects.filter(unit__organisation=city.district_a).values_list("user", flat=True)) == {
        successor.pk
    }
    assert [m.to for m in mailoutbox] == [["new@example.org"]]


def test_a_recorded_step_is_no_longer_late_and_leaves_the_home_list(client, city, late, today):  # noqa: F811
    secretary = make_user("committee_sec", Role.SECRETARY, city.committee_a)
    send_reminders(today)
    mine = list(reminders_for(secretary))
    assert [(r.unit.organisation, r.step.key) for r in mine] == [(city.committee_a, "mobilise")]
    client.force_login(secretary)
    assert client.get("/").context["reminders"] == mine
    record(unit_of(late, city.committee_a), "mobilise", secretary)
    assert not reminders_for(secretary).exists()
    assert send_reminders(today + datetime.timedelta(days=1)) == 2  # 甲区委's and 乙区委's only
    assert not Reminder.objects.filter(user=secretary, sent_on__gt=today).exists()


def test_the_job_kind(city, late, today, settings, django_capture_on_commit_callbacks):  # noqa: F811
    from vanguard.core import jobs
    from vanguard.core.models import Job, JobStatus

    settings.VANGUARD_TASKS = "immediate"
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start(kind="campaigns.reminders", params={}, user=city.office, organisation=city.root)
    job.refresh_from_db()
    assert (job.status, job.result) == (JobStatus.SUCCEEDED, {"count": 2})
    assert Job.objects.count() == 1


def test_the_command_and_the_query_count(city, late, today, django_assert_max_num_queries):  # noqa: F811
    # Queries per batch and step, whatever the number of units: 3 batches x 3 required steps at most.
    with django_assert_max_num_queries(30):
        call_command("send_campaign_reminders", "--date", today.isoformat())
    assert Reminder.objects.count() == 2
