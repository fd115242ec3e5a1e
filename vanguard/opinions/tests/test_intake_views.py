"""Staff intake pages: the scoped list and opinion page, entering one opinion, many by line, and their refusals."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from conftest import PASSWORD
from vanguard.campaigns.models import Campaign
from vanguard.core.models import AuditEntry
from vanguard.opinions import events, services
from vanguard.opinions.models import Channel, Direction, Opinion, SourceGroup
from vanguard.opinions.tests.factories import opinions, problem_in_state, row

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def entry(organisation, **fields) -> dict:
    values = {
        "organisation": organisation.pk,
        "channel": Channel.HOTLINE,
        "direction": Direction.PUBLIC_OFFICIAL,
        "source_group": SourceGroup.PUBLIC,
        "received_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
    }
    values.update(fields)
    return values


def test_the_list_never_shows_another_districts_opinions(client, city):
    mine = opinions(city.branch_a, ["甲区窗口排队"])[0]
    theirs = opinions(city.branch_b, ["乙区路灯不亮"])[0]
    login(client, city.secretary_a)
    response = client.get(reverse("opinions:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [o.pk for o in response.context["page"].rows] == [mine.pk]
    assert "甲区窗口排队" in html and "乙区路灯不亮" not in html
    # Naming district B in the filter finds nothing, rather than its rows.
    response = client.get(reverse("opinions:list"), {"organisation": city.district_b.pk})
    assert "乙区路灯不亮" not in response.content.decode()
    assert theirs.pk not in [o.pk for o in response.context["page"].rows]
    assert client.get(reverse("opinions:opinion", args=[theirs.pk])).status_code == 404


def test_the_list_shows_each_row_and_links_its_problem(client, city):
    problem = problem_in_state(city.district_a, city.branch_a, "forwarded", texts=("窗口太少" * 40,))
    opinions(city.branch_a2, ["未归类"])
    login(client, city.secretary_a)
    html = client.get(reverse("opinions:list")).content.decode()
    assert 'class="stack"' in html and 'data-label="' in html
    assert reverse("opinions:problem", args=[problem.pk]) in html
    assert "窗口太少" * 40 not in html  # the text is cut short in the list
    assert city.branch_a2.name in html
    filtered = client.get(reverse("opinions:list"), {"grouped": "no"})
    assert [o.text for o in filtered.context["page"].rows] == ["未归类"]


def test_the_opinion_page_shows_contact_details_to_staff_of_the_unit_only(client, city):
    saved = services.enter_opinions(
        organisation=city.branch_a,
        actor=None,
        rows=[row("路面坑洼", name="王五", phone="13800000000", email="wang@example.com")],
    )[0]
    login(client, city.secretary_a)
    response = client.get(reverse("opinions:opinion", args=[saved.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert saved.receipt in html and "王五" in html and "13800000000" in html and "wang@example.com" in html
    client.logout()
    login(client, city.supervisor_a)  # views the district, does not handle its opinions
    html = client.get(reverse("opinions:opinion", args=[saved.pk])).content.decode()
    assert "路面坑洼" in html and "王五" not in html and "13800000000" not in html
    client.logout()
    login(client, city.secretary_b)
    assert client.get(reverse("opinions:opinion", args=[saved.pk])).status_code == 404


def test_entering_one_opinion_shows_its_receipt(client, city):
    login(client, city.secretary_a)
    form = client.get(reverse("opinions:enter"))
    assert form.status_code == 200 and form.context["form"]["organisation"].value() == city.district_a.pk
    response = client.post(
        reverse("opinions:enter"), entry(city.branch_a, text="食堂饭菜太贵", name="赵六", phone="13900000000")
    )
    saved = Opinion.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("opinions:opinion", args=[saved.pk])
    assert saved.organisation == city.branch_a and saved.channel == Channel.HOTLINE
    assert saved.entered_by == city.secretary_a and saved.name == "赵六"
    page = client.get(response["Location"]).content.decode()
    assert saved.receipt in page
    assert AuditEntry.objects.filter(event=events.OPINIONS_ENTERED).exists()


def test_entering_for_an_organisation_out_of_scope_is_refused(client, city):
    login(client, city.secretary_a)
    response = client.post(reverse("opinions:enter"), entry(city.branch_b, text="越界"))
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    response = client.post(reverse("opinions:enter"), {**entry(city.branch_b, text="x"), "organisation": "乙一支部"})
    assert response.status_code == 400
    assert not Opinion.objects.exists()
    login(client, city.supervisor_a)  # may view, may not enter
    assert client.get(reverse("opinions:enter")).status_code == 404


def test_entering_a_bad_opinion_names_the_field(client, city):
    login(client, city.secretary_a)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(reverse("opinions:enter"), entry(city.branch_a, text="好", received_on=future, phone="abc"))
    errors = response.context["form"].errors
    assert response.status_code == 400 and "received_on" in errors and "phone" in errors
    assert not Opinion.objects.exists()


def test_the_campaign_offered_is_one_the_user_sees(client, city):
    login(client, city.secretary_a)
    form = client.get(reverse("opinions:enter")).context["form"]
    assert set(form.fields["campaign"].queryset) <= set(Campaign.objects.all())
    assert form.fields["campaign"].queryset.model is Campaign


def test_bulk_entry_one_opinion_per_line(client, city):
    login(client, city.secretary_a)
    lines = "窗口太少\n\n  停车难  \n\n路灯不亮\n"
    response = client.post(
        reverse("opinions:bulk"), entry(city.committee_a, channel=Channel.FORUM, lines=lines), follow=True
    )
    assert response.redirect_chain == [(reverse("opinions:entered"), 302)]
    saved = list(Opinion.objects.order_by("pk"))
    assert [o.text for o in saved] == ["窗口太少", "停车难", "路灯不亮"]
    assert {o.channel for o in saved} == {Channel.FORUM} and {o.organisation for o in saved} == {city.committee_a}
    html = response.content.decode()
    assert all(o.receipt in html for o in saved)
    # Reloading the page of receipt codes shows them again and enters nothing twice.
    again = client.get(reverse("opinions:entered"))
    assert all(o.receipt in again.content.decode() for o in saved)
    assert Opinion.objects.count() == 3


def test_bulk_errors_name_the_line_and_nothing_is_stored(client, city):
    login(client, city.secretary_a)
    lines = "窗口太少\n\n" + "长" * 5001 + "\n路灯不亮\n" + "短" * 5001 + "\n"
    response = client.post(reverse("opinions:bulk"), entry(city.branch_a, lines=lines))
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 2
    assert errors[0].startswith(gettext("Line %(line)d") % {"line": 3} + " · ")
    assert errors[1].startswith(gettext("Line %(line)d") % {"line": 5} + " · ")
    assert f" · {response.context['form'].fields['lines'].label}: " in errors[0]
    assert not Opinion.objects.exists()


def test_bulk_for_another_district_is_refused(client, city):
    login(client, city.secretary_a)
    response = client.post(reverse("opinions:bulk"), entry(city.branch_b, lines="越界"))
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    assert not Opinion.objects.exists()


def test_bulk_refuses_more_lines_than_a_box_holds(client, city):
    from vanguard.opinions.intake_forms import MAX_LINES

    login(client, city.secretary_a)
    lines = "\n".join(f"意见{i}" for i in range(MAX_LINES + 1))
    response = client.post(reverse("opinions:bulk"), entry(city.branch_a, lines=lines))
    assert response.status_code == 400 and "lines" in response.context["form"].errors
    assert not Opinion.objects.exists()


def test_the_pages_link_each_other_and_offer_a_select_for_a_small_scope(client, city):
    login(client, city.secretary_a)
    html = client.get(reverse("opinions:list")).content.decode()
    for name in ("enter", "bulk", "import"):
        assert reverse(f"opinions:{name}") in html
    assert f'<option value="{city.branch_a.pk}">{city.branch_a.name}</option>' in html
    assert city.branch_b.name not in html


def test_a_large_scope_types_the_unit_by_code_or_name(client, city, monkeypatch):
    from vanguard.opinions import intake_forms

    monkeypatch.setattr(intake_forms, "MAX_CHOICES", 2)
    login(client, city.secretary_a)
    form = client.get(reverse("opinions:enter")).context["form"]
    assert form.fields["organisation"].widget.input_type == "text"
    response = client.post(
        reverse("opinions:enter"), {**entry(city.branch_a, text="按名称"), "organisation": "甲二支部"}
    )
    assert response.status_code == 302 and Opinion.objects.get().organisation == city.branch_a2
    response = client.post(reverse("opinions:enter"), {**entry(city.branch_a, text="越界"), "organisation": "乙一支部"})
    assert response.status_code == 400 and Opinion.objects.count() == 1
