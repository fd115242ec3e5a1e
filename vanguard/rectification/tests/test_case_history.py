"""The history page is the audit trail's story of the case: actor, role, organisation, stages and reasons."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext

from vanguard.core import audit
from vanguard.rectification.case_views import history_rows
from vanguard.rectification.models import Case, Outcome, Stage
from vanguard.rectification.tests.casework import reach, step


def test_history_rows_are_the_audit_trail(city):
    case = reach(city, Stage.PROPOSED, outcome=Outcome.REMOVAL)
    rows = history_rows(case)
    entries = list(audit.history(case).order_by("seq"))
    assert [row["seq"] for row in rows] == [entry.seq for entry in entries]
    assert [str(row["event"]) for row in rows] == [str(audit.event_label(entry.event)) for entry in entries]
    notify = next(row for row in rows if row["seq"] == entries[2].seq)
    assert (notify["from"], notify["to"]) == (Stage.REVIEW.label, Stage.HEARING.label)
    assert notify["reason"] == "理由：notify" and notify["outcome"] == Outcome.REMOVAL.label
    assert notify["actor"] == city.branch_secretary_a and notify["organisation"] == city.branch_a


@pytest.mark.tampers_audit
def test_history_page_is_read_from_the_audit_trail(client, city):
    case = reach(city, Stage.PROPOSED, outcome=Outcome.REMOVAL)
    # The columns of what the member was told and what was proposed, emptied by SQL: the history still tells it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Case._meta.db_table} SET intended_reasons = '', proposed_reasons = '' WHERE id = %s", [case.pk]
        )
    client.force_login(city.secretary_a)
    page = client.get(reverse("rectification:case_history", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("<tr data-seq=") == audit.history(case).count() == 5
    assert "理由：notify" in body and "理由：propose" in body
    assert str(gettext("Secretary")) in body and city.branch_a.name in body
    assert re.search(rf"{re.escape(str(Stage.HEARING.label))}\s*→\s*{re.escape(str(Stage.PROPOSED.label))}", body)


def test_history_shows_the_approval_by_the_role_above(client, city):
    case = step(city, reach(city, Stage.PROPOSED, outcome=Outcome.REMOVAL), "approve_removed")
    client.force_login(city.branch_secretary_a)
    body = client.get(reverse("rectification:case_history", args=[case.pk])).content.decode()
    assert city.district_a.name in body and "理由：approve_removed" in body


def test_a_case_opened_by_the_closing_ballot_has_no_actor_and_its_history_shows(client, city):
    from vanguard.appraisals.tests.test_peer import start, vote_and_close
    from vanguard.ballots.models import Grade

    ballot = start(city.branch_a, city.branch_secretary_a)
    key = next(q["key"] for q in ballot.questions if q["label"] == "张甲")
    vote_and_close(ballot, [{key: Grade.UNQUALIFIED}, {key: Grade.UNQUALIFIED}])
    case = Case.objects.get(member=city.member_a)
    assert case.appraisal_result.ballot_id == ballot.pk and audit.history(case).get().actor is None
    client.force_login(city.branch_secretary_a)
    page = client.get(reverse("rectification:case_history", args=[case.pk]))
    assert page.status_code == 200 and page.content.decode().count("<tr data-seq=") == 1
