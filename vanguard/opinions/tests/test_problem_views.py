"""Problem pages: the list's tabs and queue isolation, the grouping workbench, the job's proposals, a problem's page
and every action on it as the right user, refused for others (district B) with the service's message shown."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.core.models import Job, JobStatus
from vanguard.opinions import routing, services
from vanguard.opinions.models import (
    Category,
    EffectRating,
    Opinion,
    Problem,
    ProblemStatus,
    ProgressNote,
    Verdict,
)
from vanguard.opinions.tests.factories import opinions, problem_in_state

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def listed_pks(response) -> set[int]:
    return {p.pk for p in response.context["page"].rows}


def errors_of(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- the list ----------------------------------------------------------------------------------------------------


def test_the_list_shows_both_sides_and_never_another_district(client, city):
    mine = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    theirs = problem_in_state(city.district_b, city.branch_b, ProblemStatus.FORWARDED)
    response = login(client, city.secretary_a).get(reverse("opinions:problems"))
    assert response.status_code == 200
    assert listed_pks(response) == {mine.pk}
    assert listed_pks(login(client, city.secretary_b).get(reverse("opinions:problems"))) == {theirs.pk}


def test_the_receiving_organisation_sees_its_own_queue_only(client, city):
    to_a = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    to_a2 = problem_in_state(city.district_a, city.branch_a2, ProblemStatus.FORWARDED)
    grouped_at_a = problem_in_state(city.branch_a, city.branch_a2, ProblemStatus.OPEN)
    client = login(client, city.branch_secretary_a)
    assert listed_pks(client.get(reverse("opinions:problems"), {"tab": "queue"})) == {to_a.pk}
    assert listed_pks(client.get(reverse("opinions:problems"), {"tab": "here"})) == {grouped_at_a.pk}
    assert to_a2.pk not in listed_pks(client.get(reverse("opinions:problems")))
    # The district's office sees both queues below it and what it grouped.
    client = login(client, city.secretary_a)
    assert listed_pks(client.get(reverse("opinions:problems"), {"tab": "queue"})) == {
        to_a.pk,
        to_a2.pk,
        grouped_at_a.pk,
    } - {grouped_at_a.pk}
    assert listed_pks(client.get(reverse("opinions:problems"), {"tab": "here"})) == {to_a.pk, to_a2.pk, grouped_at_a.pk}


def test_escalated_problems_show_to_the_organisation_directly_above(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    on_time = problem_in_state(city.district_a, city.branch_a2, ProblemStatus.FORWARDED)
    Problem.objects.filter(pk=problem.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    out = StringIO()
    call_command("escalate_overdue_problems", stdout=out)
    assert out.getvalue().strip() == ngettext(
        "%(n)d overdue problem escalated.", "%(n)d overdue problems escalated.", 1
    ) % {"n": 1}
    committee = make_user("committee_sec_a", Role.SECRETARY, city.committee_a)
    response = login(client, committee).get(reverse("opinions:problems"), {"tab": "escalated"})
    assert listed_pks(response) == {problem.pk}
    assert 'data-testid="escalated"' in response.content.decode()
    assert on_time.pk not in listed_pks(response)
    # The district is two levels above 甲一支部: not its escalation (it still sees the problem in "all").
    client = login(client, city.secretary_a)
    assert listed_pks(client.get(reverse("opinions:problems"), {"tab": "escalated"})) == set()
    assert problem.pk in listed_pks(client.get(reverse("opinions:problems"), {"tab": "all", "overdue": "on"}))
    assert on_time.pk not in listed_pks(client.get(reverse("opinions:problems"), {"overdue": "on"}))
    # Run again: nothing escalates twice.
    out = StringIO()
    call_command("escalate_overdue_problems", stdout=out)
    assert out.getvalue().strip() == ngettext(
        "%(n)d overdue problem escalated.", "%(n)d overdue problems escalated.", 0
    ) % {"n": 0}


def test_the_list_filters(client, city):
    listed = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    services.list_publicly(problem=listed, actor=city.secretary_a, listed=True)
    circulated = problem_in_state(city.district_a, city.branch_a, ProblemStatus.REPLIED)
    services.circulate(problem=circulated, actor=city.secretary_a, text="通报")
    client = login(client, city.secretary_a)
    url = reverse("opinions:problems")
    assert listed_pks(client.get(url, {"listed": "on"})) == {listed.pk}
    assert listed_pks(client.get(url, {"circulated": "on"})) == {circulated.pk}
    assert listed_pks(client.get(url, {"status": ProblemStatus.REPLIED})) == {circulated.pk}
    assert listed_pks(client.get(url, {"category": Category.AT_ONCE})) == set()


def test_the_list_reads_a_constant_number_of_queries(client, city, django_assert_num_queries):
    problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    client = login(client, city.secretary_a)
    url = reverse("opinions:problems")
    client.get(url)  # the session and the scope, once
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _i in range(6):
        problem_in_state(city.district_a, city.branch_a2, ProblemStatus.REPLIED)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(listed_pks(response)) == 7


# --- grouping ----------------------------------------------------------------------------------------------------


def test_the_workbench_groups_ticked_opinions_into_a_new_or_open_problem(client, city):
    items = opinions(city.branch_a, ["路灯坏了", "路灯不亮", "垃圾没人收"], phone="13800000000")
    client = login(client, city.secretary_a)
    url = reverse("opinions:ungrouped") + f"?organisation={city.branch_a.pk}"
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "路灯坏了" in body and "13800000000" not in body
    response = client.post(url, {"opinions": [items[0].pk, items[1].pk], "title": "路灯"})
    problem = Problem.objects.get(title="路灯")
    assert response.status_code == 302 and response["Location"] == reverse("opinions:problem", args=[problem.pk])
    assert set(problem.opinions.values_list("pk", flat=True)) == {items[0].pk, items[1].pk}
    assert "路灯坏了" not in client.get(url).content.decode()
    client.post(url, {"opinions": [items[2].pk], "problem": problem.pk})
    assert problem.opinions.count() == 3
    response = client.post(url, {"opinions": [items[2].pk]})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_the_workbench_of_another_district_is_not_found(client, city):
    opinions(city.branch_b, ["乙区的意见"])
    client = login(client, city.secretary_a)
    assert client.get(reverse("opinions:ungrouped"), {"organisation": city.branch_b.pk}).status_code == 404
    other = opinions(city.branch_b, ["乙区另一条"])
    response = client.post(
        reverse("opinions:ungrouped") + f"?organisation={city.branch_a.pk}", {"opinions": [other[0].pk], "title": "x"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Opinion.objects.get(pk=other[0].pk).problem is None
    assert client.post(reverse("opinions:propose"), {"organisation": city.branch_b.pk}).status_code == 404


def test_propose_starts_the_grouping_job(client, city, django_capture_on_commit_callbacks):
    opinions(city.branch_a, ["路灯坏了", "路灯不亮了", "垃圾没人收", "垃圾堆在路边"])
    client = login(client, city.secretary_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("opinions:propose"), {"organisation": city.branch_a.pk})
    job = Job.objects.get(kind="opinions.grouping")
    assert response["Location"] == reverse("opinions:proposals", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["finished"]


@pytest.fixture
def proposal_job(city):
    items = opinions(city.branch_a, ["路灯坏了", "路灯不亮", "晚上太黑", "垃圾没人收"])
    job = Job.objects.create(
        kind="opinions.grouping",
        status=JobStatus.SUCCEEDED,
        created_by=city.secretary_a,
        organisation=city.branch_a,
        result={
            "organisation": city.branch_a.pk,
            "groups": [
                {"title": "路灯坏了", "keywords": ["路灯"], "opinions": [o.pk for o in items[:3]], "duplicates": 1},
                {"title": "垃圾没人收", "keywords": ["垃圾"], "opinions": [items[3].pk], "duplicates": 0},
            ],
        },
    )
    return job, items


def test_proposals_are_reviewed_and_accepted(client, city, proposal_job):
    job, items = proposal_job
    client = login(client, city.secretary_a)
    url = reverse("opinions:proposals", args=[job.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "晚上太黑" in response.content.decode()
    # A colleague groups one of them meanwhile.
    services.group_opinions(organisation=city.branch_a, actor=None, opinion_ids=[items[1].pk], title="别人归的")
    response = client.post(
        url,
        {
            "keep": ["0"],
            "title_0": "路灯问题",
            "opinions_0": [items[0].pk, items[1].pk],  # 晚上太黑 unticked
            "title_1": "垃圾",
            "opinions_1": [items[3].pk],  # its group is not kept
        },
        follow=True,
    )
    made = Problem.objects.get(title="路灯问题")
    assert set(made.opinions.values_list("pk", flat=True)) == {items[0].pk}
    assert made.keywords == "路灯"
    assert Opinion.objects.get(pk=items[1].pk).problem.title == "别人归的"
    assert Opinion.objects.get(pk=items[2].pk).problem is None
    assert Opinion.objects.get(pk=items[3].pk).problem is None
    shown = [str(m) for m in response.context["messages"]]
    skipped = ngettext(
        "%(n)d opinion had been grouped meanwhile and was left where it is.",
        "%(n)d opinions had been grouped meanwhile and were left where they are.",
        1,
    ) % {"n": 1}
    assert shown == [ngettext("%(n)d problem made.", "%(n)d problems made.", 1) % {"n": 1}, skipped]


def test_proposals_of_another_district_or_kind_are_not_found(client, city, proposal_job):
    job, items = proposal_job
    client = login(client, city.secretary_b)
    url = reverse("opinions:proposals", args=[job.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"keep": ["0"], "opinions_0": [items[0].pk]}).status_code == 404
    assert Opinion.objects.filter(problem__isnull=False).count() == 0
    other = Job.objects.create(kind="members.import", created_by=city.secretary_a, organisation=city.branch_a)
    assert login(client, city.secretary_a).get(reverse("opinions:proposals", args=[other.pk])).status_code == 404
    # A supervisor sees the proposals but may not accept them.
    client = login(client, city.supervisor_a)
    assert client.get(url).status_code == 200
    assert client.post(url, {"keep": ["0"], "opinions_0": [items[0].pk]}).status_code == 404


def test_a_running_job_says_so(client, city, proposal_job):
    job, _items = proposal_job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, result=None)
    response = login(client, city.secretary_a).get(reverse("opinions:proposals", args=[job.pk]))
    assert 'data-testid="not-finished"' in response.content.decode()


# --- a problem's page and actions --------------------------------------------------------------------------------


def test_the_problem_page(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN)
    Opinion.objects.filter(problem=problem).update(phone="13900000000", name="王某")
    response = login(client, city.secretary_a).get(reverse("opinions:problem", args=[problem.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "窗口办事排队时间太长" in body
    assert "13900000000" not in body and "王某" not in body
    assert response.context["transitions"] == {"forward"}
    assert reverse("opinions:problem_forward", args=[problem.pk]) in body
    assert len(response.context["history"]) >= 1
    assert login(client, city.secretary_b).get(reverse("opinions:problem", args=[problem.pk])).status_code == 404


def test_editing_moving_splitting_merging_and_ungrouping(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN, texts=("一", "二", "三"))
    other = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN, texts=("四",))
    one, two, three = problem.opinions.order_by("pk")
    client = login(client, city.secretary_a)
    url = lambda name: reverse(f"opinions:{name}", args=[problem.pk])  # noqa: E731
    assert client.post(url("problem_edit"), {"title": "新标题", "summary": "说明", "keywords": ""}).status_code == 302
    problem.refresh_from_db()
    assert (problem.title, problem.summary) == ("新标题", "说明")
    client.post(url("problem_opinions"), {"do": "move", "opinions": [one.pk], "target": other.pk})
    assert other.opinions.filter(pk=one.pk).exists()
    client.post(url("problem_opinions"), {"do": "split", "opinions": [two.pk], "title": "分出来的"})
    assert Problem.objects.get(title="分出来的").opinions.get().pk == two.pk
    client.post(url("problem_opinions"), {"do": "ungroup", "opinions": [three.pk]})
    assert not Problem.objects.filter(pk=problem.pk).exists()  # emptied, so gone
    assert Opinion.objects.get(pk=three.pk).problem is None
    split = Problem.objects.get(title="分出来的")
    client.post(reverse("opinions:problem_merge", args=[other.pk]), {"other": split.pk})
    assert not Problem.objects.filter(pk=split.pk).exists()
    assert set(other.opinions.values_list("pk", flat=True)) >= {one.pk, two.pk}


def test_regrouping_a_forwarded_problem_shows_the_services_refusal(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    opinion = problem.opinions.first()
    response = login(client, city.secretary_a).post(
        reverse("opinions:problem_opinions", args=[problem.pk]), {"do": "ungroup", "opinions": [opinion.pk]}
    )
    assert response.status_code == 200
    assert gettext("A forwarded problem keeps its opinions.") in errors_of(response)
    assert Opinion.objects.get(pk=opinion.pk).problem_id == problem.pk


def test_forwarding_with_a_suggestion(client, city, monkeypatch):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN)
    monkeypatch.setattr(
        routing,
        "suggest",
        lambda p, limit=3: [routing.Suggestion(city.branch_a2.pk, 0.8), routing.Suggestion(city.branch_b.pk, 0.1)],
    )
    client = login(client, city.secretary_a)
    url = reverse("opinions:problem_forward", args=[problem.pk])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "甲二支部 (80%)" in body and "乙一支部" not in body  # a suggestion out of scope is not offered
    deadline = timezone.localdate() + datetime.timedelta(days=5)
    past = client.post(url, {"suggestion": city.branch_a2.pk, "category": Category.AT_ONCE, "deadline": "2001-01-01"})
    assert past.status_code == 200 and gettext("The deadline has already passed.") in errors_of(past)
    response = client.post(
        url, {"suggestion": city.branch_a2.pk, "category": Category.AT_ONCE, "deadline": deadline.isoformat()}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.responsible, problem.suggested) == (
        ProblemStatus.FORWARDED,
        city.branch_a2,
        city.branch_a2,
    )
    assert problem.suggestion_confidence == pytest.approx(0.8)


def test_forwarding_elsewhere_than_suggested_and_searching(client, city, monkeypatch):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN)
    monkeypatch.setattr(routing, "suggest", lambda p, limit=3: [routing.Suggestion(city.branch_a2.pk, 0.6)])
    client = login(client, city.secretary_a)
    url = reverse("opinions:problem_forward", args=[problem.pk])
    options = client.get(url, {"q": "甲一"}).context["form"].fields["responsible"].widget.choices
    assert [name for _pk, name in options] == ["—", "甲一支部"]
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = client.post(url, {"category": Category.DEADLINE, "deadline": deadline})
    assert response.status_code == 200 and "responsible" in response.context["form"].errors
    # Not in the user's scope: the select refuses it.
    response = client.post(url, {"responsible": city.branch_b.pk, "category": Category.DEADLINE, "deadline": deadline})
    assert response.status_code == 200 and "responsible" in response.context["form"].errors
    response = client.post(url, {"responsible": city.branch_a.pk, "category": Category.DEADLINE, "deadline": deadline})
    problem.refresh_from_db()
    assert (problem.responsible, problem.suggested) == (city.branch_a, city.branch_a2)
    assert login(client, city.secretary_b).get(url).status_code == 404


def test_the_receiving_side_replies_notes_progress_and_rectifies(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    other_branch = make_user("branch_sec_a2", Role.SECRETARY, city.branch_a2)
    for outsider in (city.secretary_b, other_branch):
        response = login(client, outsider).post(reverse("opinions:problem_reply", args=[problem.pk]), {"text": "x"})
        assert response.status_code == 404
    client = login(client, city.branch_secretary_a)
    page = client.get(reverse("opinions:problem", args=[problem.pk]))
    assert page.context["transitions"] == {"send_back", "reply"}
    empty = client.post(reverse("opinions:problem_reply", args=[problem.pk]), {"text": " "})
    assert empty.status_code == 200 and gettext("Write the reply.") in errors_of(empty)
    evidence = SimpleUploadedFile("evidence.txt", "已经增设窗口".encode(), content_type="text/plain")
    response = client.post(
        reverse("opinions:problem_progress", args=[problem.pk]), {"text": "开始整改", "file": evidence}
    )
    assert response.status_code == 302
    note = ProgressNote.objects.get(problem=problem)
    download = client.get(reverse("opinions:progress_file", args=[note.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == "已经增设窗口".encode()
    assert login(client, city.secretary_a).get(reverse("opinions:progress_file", args=[note.pk])).status_code == 200
    assert login(client, city.secretary_b).get(reverse("opinions:progress_file", args=[note.pk])).status_code == 404
    client = login(client, city.branch_secretary_a)
    client.post(reverse("opinions:problem_reply", args=[problem.pk]), {"text": "马上办"})
    client.post(reverse("opinions:problem_rectify", args=[problem.pk]), {"text": "办好了"})
    problem.refresh_from_db()
    assert (problem.status, problem.reply, problem.rectification) == (ProblemStatus.RECTIFIED, "马上办", "办好了")
    # The receiving side does not reopen: the action is not offered, and the service refuses it with its reason.
    response = client.post(reverse("opinions:problem_reopen", args=[problem.pk]), {"reason": "不行"})
    assert response.status_code == 200 and errors_of(response)


def test_sending_back(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    client = login(client, city.branch_secretary_a)
    response = client.post(reverse("opinions:problem_send_back", args=[problem.pk]), {"reason": ""})
    assert gettext("Say why it is not yours to rectify.") in errors_of(response)
    client.post(reverse("opinions:problem_send_back", args=[problem.pk]), {"reason": "不归我们"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.responsible is None


def test_the_grouping_side_reopens_lists_circulates_and_rates_by_sample(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.RECTIFIED)
    for outsider in (city.secretary_b, city.branch_secretary_a):
        response = login(client, outsider).post(
            reverse("opinions:problem_sample", args=[problem.pk]), {"satisfied": 1, "basically": 0, "unsatisfied": 0}
        )
        assert response.status_code in (200, 404)
    assert not EffectRating.objects.exists()
    client = login(client, city.secretary_a)
    assert client.post(reverse("opinions:problem_list", args=[problem.pk]), {"listed": "1"}).status_code == 302
    problem.refresh_from_db()
    assert problem.listed_at is not None
    client.post(reverse("opinions:problem_list", args=[problem.pk]), {"listed": ""})
    problem.refresh_from_db()
    assert problem.listed_at is None
    empty = client.post(reverse("opinions:problem_circulate", args=[problem.pk]), {"text": ""})
    assert gettext("Write the circular.") in errors_of(empty)
    client.post(reverse("opinions:problem_circulate", args=[problem.pk]), {"text": "典型案例"})
    client.post(
        reverse("opinions:problem_sample", args=[problem.pk]), {"satisfied": 6, "basically": 2, "unsatisfied": 2}
    )
    services.rate_by_receipt(receipt=problem.opinions.first().receipt, verdict=Verdict.UNSATISFIED)
    page = client.get(reverse("opinions:problem", args=[problem.pk]))
    ratings = page.context["ratings"]
    assert ratings["total"] == 11 and ratings["rate"] == pytest.approx(8 / 11)
    assert dict(ratings["rows"])[Verdict.UNSATISFIED.label] == 3
    body = page.content.decode()
    assert "典型案例" in body and 'data-testid="satisfaction">73%' in body
    zero = client.post(
        reverse("opinions:problem_sample", args=[problem.pk]), {"satisfied": 0, "basically": 0, "unsatisfied": 0}
    )
    assert gettext("Give how many of the sample chose each rating.") in errors_of(zero)
    client.post(reverse("opinions:problem_reopen", args=[problem.pk]), {"reason": "群众不满意"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.REPLIED


def test_listing_an_open_problem_is_refused_on_the_page(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.OPEN)
    response = login(client, city.secretary_a).post(
        reverse("opinions:problem_list", args=[problem.pk]), {"listed": "1"}
    )
    assert gettext("Forward the problem with a deadline before listing it.") in errors_of(response)


def test_notifications_show_their_status(client, city):
    items = opinions(city.branch_a, ["路灯坏了"], phone="13800000000")
    problem = services.group_opinions(organisation=city.branch_a, actor=None, opinion_ids=[items[0].pk], title="路灯")
    problem = services.forward(
        problem=problem,
        actor=None,
        responsible=city.branch_a,
        deadline=timezone.localdate() + datetime.timedelta(days=3),
        category=Category.AT_ONCE,
    )
    services.reply(problem=problem, actor=None, text="已修")
    page = login(client, city.secretary_a).get(reverse("opinions:problem", args=[problem.pk]))
    assert sum(n["count"] for n in page.context["notifications"]) >= 1
    assert "13800000000" not in page.content.decode()


def test_a_supervisor_sees_the_page_but_acts_on_nothing(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.FORWARDED)
    client = login(client, city.supervisor_a)
    page = client.get(reverse("opinions:problem", args=[problem.pk]))
    assert page.status_code == 200
    assert page.context["transitions"] == set() and not page.context["may_progress"]
    assert 'action="' + reverse("opinions:problem_reply", args=[problem.pk]) not in page.content.decode()
    assert client.post(reverse("opinions:problem_reply", args=[problem.pk]), {"text": "x"}).status_code == 404
    assert client.get(reverse("opinions:ungrouped")).status_code == 404
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FORWARDED
