"""seed_demo's opinions: every stage of the five forms, both scripts, all inside the demo city."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from vanguard.core import chinese
from vanguard.opinions import demo
from vanguard.opinions.models import (
    ConductAppraisal,
    EffectRating,
    IntakePage,
    MonitoringBody,
    Opinion,
    Problem,
    ProblemStatus,
)
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_seed_demo_fills_the_five_forms(media):
    call_command("seed_demo", "--scale", "demo", stdout=io.StringIO())
    assert demo.loaded() == "opinions"
    # The demo questionnaire (ballots, a later app) adds its written answers as opinions when it closes.
    from vanguard.ballots.demo import COMMENTS

    answers = Opinion.objects.filter(text__in=COMMENTS, channel="questionnaire")
    assert answers.exists()
    assert Opinion.objects.count() == demo.OPINIONS + answers.count()
    assert set(Problem.objects.values_list("status", flat=True)) == set(ProblemStatus.values)
    assert Opinion.objects.filter(problem__isnull=True).exists()
    assert Problem.objects.filter(escalated_at__isnull=False).exists()
    assert Problem.objects.filter(listed_at__isnull=False).exists()
    assert Problem.objects.filter(circulated_at__isnull=False).exists()
    assert {"raiser", "sample"} == set(EffectRating.objects.values_list("source", flat=True))
    texts = list(Opinion.objects.values_list("text", flat=True))
    assert any(chinese.to_simplified(t) != t for t in texts) and any(chinese.to_simplified(t) == t for t in texts)
    assert len(set(texts)) < len(texts)  # near and exact duplicates, as the grouping must handle
    root = Organisation.objects.get(parent__isnull=True)
    assert not Opinion.objects.exclude(org_path__startswith=root.path).exists()
    assert IntakePage.objects.exists()
    assert set(MonitoringBody.objects.values_list("level", flat=True)) == {"office", "station", "point"}
    assert ConductAppraisal.objects.exists()
