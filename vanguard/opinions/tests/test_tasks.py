"""The grouping job: reads the ungrouped opinions of the subtree, stores proposals in the agreed format."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from vanguard.core.models import Job, JobStatus
from vanguard.opinions import services, tasks
from vanguard.opinions.tests.factories import opinions

pytestmark = pytest.mark.django_db

LIGHTS = ["小区路灯坏了，晚上很黑", "我們小區的路燈壞了，晚上很黑", "小区路灯坏了，晚上很黑！"]
HOSPITAL = ["社区医院看病排队太久", "社區醫院看病排隊時間太長"]


@pytest.fixture
def immediate_jobs(settings):
    settings.VANGUARD_TASKS = "immediate"


def test_the_job_proposes_groups_of_the_subtrees_ungrouped_opinions(
    city, immediate_jobs, django_capture_on_commit_callbacks
):
    lights = opinions(city.branch_a, LIGHTS)
    hospital = opinions(city.branch_a2, HOSPITAL)
    grouped = opinions(city.branch_a, ["小区路灯坏了，晚上很黑啊"])
    services.group_opinions(organisation=city.branch_a, actor=None, opinion_ids=[grouped[0].pk], title="路灯")
    opinions(city.branch_b, LIGHTS)  # another district: never read
    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.start_grouping(organisation=city.committee_a, actor=city.secretary_a)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.kind == "opinions.grouping" and job.params["organisation"] == city.committee_a.pk
    result = job.result
    assert result["organisation"] == city.committee_a.pk and result["count"] == 5
    assert sorted(sorted(g["opinions"]) for g in result["groups"]) == sorted(
        [sorted(o.pk for o in lights), sorted(o.pk for o in hospital)]
    )
    group = next(g for g in result["groups"] if lights[0].pk in g["opinions"])
    assert set(group) == {"title", "keywords", "opinions", "duplicates"}
    assert group["duplicates"] == 1 and "路灯" in group["keywords"] and group["title"]
    assert job.done == job.total == 5


def test_only_who_may_follow_the_job_may_start_it(city, immediate_jobs):
    with pytest.raises(PermissionDenied):
        tasks.start_grouping(organisation=city.branch_b, actor=city.secretary_a)
    assert not Job.objects.exists()


def test_a_creator_who_lost_the_subtree_gets_a_failed_job(city, immediate_jobs, django_capture_on_commit_callbacks):
    opinions(city.branch_b, LIGHTS)
    with django_capture_on_commit_callbacks(execute=True):
        job = Job.objects.create(
            kind=tasks.KIND,
            params={"organisation": city.branch_b.pk},
            created_by=city.secretary_a,
            organisation=city.branch_b,
        )
        from vanguard.core import jobs

        jobs.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result is None


def test_filters_choose_the_opinions_read(city):
    import datetime

    old = opinions(city.branch_a, ["路灯坏了"], received_on=datetime.date(2026, 1, 5))
    new = opinions(city.branch_a, ["停水了"], received_on=datetime.date(2026, 3, 5))
    problem = services.group_opinions(organisation=city.branch_a, actor=None, opinion_ids=[new[0].pk], title="停水")
    ids = lambda params: [pk for pk, _ in tasks.opinions_to_group(city.branch_a, params)]  # noqa: E731
    assert ids({}) == [old[0].pk]
    assert ids({"ungrouped_only": False}) == [old[0].pk, new[0].pk]
    assert ids({"ungrouped_only": False, "date_from": "2026-02-01"}) == [new[0].pk]
    assert ids({"ungrouped_only": False, "date_to": "2026-02-01"}) == [old[0].pk]
    assert problem.opinions.count() == 1
