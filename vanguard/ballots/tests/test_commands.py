import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from vanguard.ballots.models import Ballot, Status
from vanguard.ballots.tests.factories import ballot

pytestmark = pytest.mark.django_db


def test_close_due_ballots(city):
    today = timezone.localdate()
    past = ballot(
        city.district_a, opens_on=today - datetime.timedelta(days=4), closes_on=today - datetime.timedelta(days=1)
    )
    running = ballot(city.district_a)
    call_command("close_due_ballots", stdout=io.StringIO())
    assert Ballot.objects.get(pk=past.pk).status == Status.CLOSED
    assert Ballot.objects.get(pk=running.pk).status == Status.OPEN
    call_command("close_due_ballots", stdout=io.StringIO())  # again: nothing twice
    assert Ballot.objects.filter(status=Status.CLOSED).count() == 1
