"""Pages of plans and items: the hub, drawing up a plan, an item from a problem, notes with evidence, transitions,
the office's listing and circulation, the lists' filters, and what others cannot open."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.opinions.models import Category, ProblemStatus
from vanguard.opinions.tests.factories import problem_in_state
from vanguard.rectification.models import ItemStatus, RectificationItem, RectificationPlan
from vanguard.rectification.services import items, plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


@pytest.fixture
def plan(city, campaign):
    return plans.create_plan(actor=city.branch_secretary_a, campaign=campaign, organisation=city.branch_a, title="方案")


def signed_in(client, user):
    client.force_login(user)
    return client


def test_hub_links_every_area_and_cases_only_for_their_readers(client, city, campaign):
    page = signed_in(client, city.branch_secretary_a).get(reverse("rectification:hub"))
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("hub-plans", "hub-items", "hub-institutions", "hub-remedies", "hub-figures", "hub-cases"):
        assert f'data-testid="{testid}"' in html
    assert f'data-testid="unit-plan-{city.branch_a.pk}-{campaign.pk}"' in html
    client.force_login(city.supervisor_a)
    html = client.get(reverse("rectification:hub")).content.decode()
    assert 'data-testid="hub-items"' in html and 'data-testid="hub-cases"' not in html
    client.force_login(city.member_user_a)
    html = client.get(reverse("rectification:hub")).content.decode()
    assert 'data-testid="hub-cases"' not in html and 'data-testid="hub-my-plans"' in html


def test_drawing_up_a_plan_and_publishing_it(client, city, campaign):
    client = signed_in(client, city.branch_secretary_a)
    url = reverse("rectification:plan_new", args=[city.branch_a.pk]) + f"?campaign={campaign.pk}"
    response = client.post(url, {"title": "甲一支部整改方案", "text": "分三步", "audience": "public"})
    plan = RectificationPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("rectification:plan", args=[plan.pk])
    # Drawn up once: the page sends to the existing plan.
    assert client.get(url).url == reverse("rectification:plan", args=[plan.pk])
    refused = client.post(reverse("rectification:plan_publish", args=[plan.pk]))
    plan.refresh_from_db()
    assert refused.status_code == 302 and plan.status == "draft"
    items.create_item(actor=city.branch_secretary_a, plan=plan, title="门口积水", category=Category.AT_ONCE)
    client.post(reverse("rectification:plan_publish", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "published"
    page = client.get(reverse("rectification:plan", args=[plan.pk]))
    assert 'data-testid="public-link"' in page.content.decode()
    # Another district's secretary cannot open it, nor draw up a plan for the branch.
    client.force_login(city.secretary_b)
    assert client.get(reverse("rectification:plan_edit", args=[plan.pk])).status_code == 404
    assert client.get(url).status_code == 404


def test_an_item_from_a_problem_is_prefilled_and_linked(client, city, plan):
    problem = problem_in_state(city.district_a, city.branch_a, ProblemStatus.REPLIED)
    client = signed_in(client, city.branch_secretary_a)
    url = reverse("rectification:item_new", args=[plan.pk]) + f"?problem={problem.pk}"
    form = client.get(url)
    assert form.status_code == 200 and problem.title in form.content.decode()
    response = client.post(url, {"title": "", "category": "", "description": ""})
    item = RectificationItem.objects.get()
    assert response.status_code == 302 and item.problem == problem and item.deadline == problem.deadline
    page = client.get(reverse("rectification:item", args=[item.pk])).content.decode()
    assert reverse("opinions:problem", args=[problem.pk]) in page
    # And the problem's page shows the item raised from it.
    client.force_login(city.secretary_a)
    problem_page = client.get(reverse("opinions:problem", args=[problem.pk])).content.decode()
    assert f'data-testid="rectification-item-{item.pk}"' in problem_page
    client.force_login(city.branch_secretary_a)
    # A problem the user cannot see is not a source.
    other = problem_in_state(city.district_b, city.branch_b, ProblemStatus.FORWARDED)
    assert client.get(reverse("rectification:item_new", args=[plan.pk]) + f"?problem={other.pk}").status_code == 404


def test_note_with_evidence_then_done_then_verified(client, city, plan, today):
    item = items.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=5),
    )
    client = signed_in(client, city.branch_secretary_a)
    proof = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\nproof\n", content_type="application/pdf")
    response = client.post(reverse("rectification:item_note", args=[item.pk]), {"text": "补齐台账", "file": proof})
    assert response.status_code == 302
    note = item.notes.get()
    assert client.get(reverse("rectification:item_note_file", args=[note.pk])).status_code == 200
    act = reverse("rectification:item_act", args=[item.pk])
    assert client.post(act + "?t=report_done", {"text": "已补齐"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE
    # The branch may not check its own work: the refusal lands on the form.
    assert client.post(act + "?t=verify", {}).status_code == 400
    client.force_login(city.secretary_a)
    assert client.post(act + "?t=verify", {}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    # Outside district A nothing of it opens.
    client.force_login(city.secretary_b)
    for name in ("item", "item_note", "item_circulate"):
        assert client.get(reverse(f"rectification:{name}", args=[item.pk])).status_code == 404
    assert client.get(reverse("rectification:item_note_file", args=[note.pk])).status_code == 404


def test_listing_and_circulation_pages_are_the_offices(client, city, plan, today):
    item = items.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=5),
    )
    client = signed_in(client, city.branch_secretary_a)
    assert client.post(reverse("rectification:item_listing", args=[item.pk]), {"listed": "1"}).status_code == 404
    client.force_login(city.office)
    client.post(reverse("rectification:item_listing", args=[item.pk]), {"listed": "1"})
    client.post(reverse("rectification:item_circulate", args=[item.pk]), {"text": "予以通报"})
    item.refresh_from_db()
    assert item.listed_at is not None and item.circular == "予以通报"
    listed = client.get(reverse("rectification:items") + "?listed=1&circulated=1").content.decode()
    assert f'data-testid="item-{item.pk}"' in listed
    assert (
        f'data-testid="item-{item.pk}"'
        not in client.get(reverse("rectification:items") + "?overdue=1").content.decode()
    )


def test_items_list_shows_escalated_overdue_items_to_those_above(client, city, plan, today):
    item = items.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=1),
    )
    items.escalate_overdue(today=today + datetime.timedelta(days=3))
    client = signed_in(client, city.secretary_a)
    page = client.get(reverse("rectification:items") + "?escalated=1").content.decode()
    assert f'data-testid="item-{item.pk}"' in page
    client.force_login(city.secretary_b)
    assert f'data-testid="item-{item.pk}"' not in client.get(reverse("rectification:items")).content.decode()


def test_member_keeps_own_plan(client, city, campaign, today):
    client = signed_in(client, city.member_user_a)
    url = reverse("rectification:my_plans") + f"?campaign={campaign.pk}"
    assert client.post(url, {"title": "我的整改措施", "text": "", "audience": "branch"}).status_code == 302
    plan = RectificationPlan.objects.get(member=city.member_a)
    response = client.post(
        reverse("rectification:item_new", args=[plan.pk]),
        {"title": "按时交党费", "category": "deadline", "deadline": (today + datetime.timedelta(days=9)).isoformat()},
    )
    assert response.status_code == 302
    item = RectificationItem.objects.get(plan=plan)
    assert client.get(reverse("rectification:item", args=[item.pk])).status_code == 200


def test_api_lists_items_in_scope_and_takes_transitions(client, city, plan, today):
    item = items.create_item(
        actor=city.branch_secretary_a,
        plan=plan,
        title="台账不全",
        category=Category.DEADLINE,
        deadline=today + datetime.timedelta(days=5),
    )
    client = signed_in(client, city.secretary_a)
    listed = client.get("/api/rectification-items/", {"organisation": city.district_a.pk}).json()
    assert [row["id"] for row in listed["results"]] == [item.pk]
    assert client.get("/api/rectification-plans/").json()["results"][0]["id"] == plan.pk
    url = f"/api/rectification-items/{item.pk}/transition/"
    # Reporting done without evidence is refused with its reason.
    refused = client.post(url, {"transition": "report_done", "text": "已完成"}, content_type="application/json")
    assert refused.status_code == 400
    extended = client.post(
        url,
        {"transition": "extend", "reason": "需协调", "deadline": (today + datetime.timedelta(days=20)).isoformat()},
        content_type="application/json",
    )
    assert (
        extended.status_code == 200 and extended.json()["deadline"] == (today + datetime.timedelta(days=20)).isoformat()
    )
    client.force_login(city.secretary_b)
    assert client.get(f"/api/rectification-items/{item.pk}/").status_code == 404
    assert client.post(url, {"transition": "cancel", "reason": "x"}, content_type="application/json").status_code == 404
