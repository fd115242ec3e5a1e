"""Pages: pairing and recording help, scheduling and recording services, a fund's income and grants decided,
the figures and their workbook; other districts see none of it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from vanguard.assistance import services
from vanguard.assistance.models import Entry, Fund, Grant, GrantStatus, Pairing, SpecialService, Visit
from vanguard.assistance.tests import factories
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_a_secretary_pairs_members_and_records_help(client, city):
    helper = MemberFactory(organisation=city.branch_a, name="帮扶人")
    poor = MemberFactory(organisation=city.branch_a, name="困难党员")
    client.force_login(city.branch_secretary_a)
    url = reverse("assistance:new_pairing", args=[city.branch_a.pk])
    response = client.post(url, {"kind": "one_two", "helper_member": helper.pk, "helped": [poor.pk],
                                 "started_on": TODAY, "hardship": "下岗"})  # fmt: skip
    assert response.status_code == 400 and not Pairing.objects.exists()
    response = client.post(url, {"kind": "one_one", "helper_member": helper.pk, "helped": [poor.pk],
                                 "started_on": TODAY, "hardship": "下岗"})  # fmt: skip
    pairing = Pairing.objects.get()
    assert response.status_code == 302
    page = reverse("assistance:pairing", args=[pairing.pk])
    response = client.post(page, {"visit": "1", "visit-visited_on": TODAY, "visit-help_kind": "job",
                                  "visit-value": "300", "visit-note": "介绍到超市工作"})  # fmt: skip
    assert response.status_code == 302 and Visit.objects.get().value_fen == 30_000
    body = client.get(page).content.decode()
    assert "介绍到超市工作" in body and "300.00" in body
    client.force_login(city.secretary_b)
    assert client.get(page).status_code == 404
    assert client.post(page, {"end": "1", "end-on": TODAY, "end-reason": "x"}).status_code == 404


def test_households_services_scheduled_and_done(client, city):
    client.force_login(city.branch_secretary_a)
    response = client.post(
        reverse("assistance:new_household", args=[city.branch_a.pk]),
        {"name": "老劳模张师傅", "address": "解放路1号", "group": "model_worker", "listed_on": TODAY},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("assistance:schedule", args=[city.branch_a.pk]),
        {"year": TODAY.year, "times_safety_check": 3, "times_cleaning": 1, "times_repair": 0, "times_care_visit": 0},
    )
    assert response.status_code == 302 and SpecialService.objects.count() == 4
    service = SpecialService.objects.order_by("due_on").first()
    page = reverse("assistance:household", args=[service.household_id])
    response = client.post(page, {"service": service.pk, "done_on": TODAY, "note": "检查燃气、电路"})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.done_on == TODAY
    # Someone else's service is not reachable through this household's page.
    other = factories.service(factories.household(city.branch_a2, name="另一户"))
    assert client.post(page, {"service": other.pk, "done_on": TODAY, "note": "x"}).status_code == 404


def test_a_fund_its_income_and_a_grant_decided_by_the_district(client, city):
    fund = services.set_up_fund(actor=city.secretary_a, organisation=city.district_a, name="甲区帮扶基金",
                                set_up_on=TODAY)  # fmt: skip
    client.force_login(city.secretary_a)
    page = reverse("assistance:fund", args=[fund.pk])
    response = client.post(page, {"income": "1", "income-amount": "-100", "income-on": TODAY,
                                  "income-description": "x"})  # fmt: skip
    assert response.status_code == 400 and not Entry.objects.exists()
    client.post(page, {"income": "1", "income-amount": "2,000", "income-on": TODAY, "income-description": "捐款"})
    # The branch asks (it cannot see the district's fund page), the district decides.
    client.force_login(city.branch_secretary_a)
    assert client.get(page).status_code == 404
    ask = reverse("assistance:request_grant", args=[city.branch_a.pk])
    response = client.post(ask, {"fund": fund.pk, "beneficiary": "困难党员李某", "amount": "2500", "purpose": "医疗"})
    grant = Grant.objects.get()
    assert response.status_code == 302
    branch_page = client.get(reverse("assistance:organisation", args=[city.branch_a.pk])).content.decode()
    assert "困难党员李某" in branch_page
    client.force_login(city.secretary_a)
    response = client.post(page, {"decide": "1", "grant": grant.pk, "decision": "approve"})
    assert response.status_code == 400 and "2,000.00" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REQUESTED
    response = client.post(page, {"decide": "1", "grant": grant.pk, "decision": "refuse", "reason": "超出余额"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REFUSED and grant.decided_role == "secretary"
    assert Fund.objects.get().balance_fen == 200_000


def test_figures_page_and_workbook(client, city):
    fund = services.set_up_fund(actor=city.secretary_a, organisation=city.district_a, name="基金", set_up_on=TODAY)
    services.record_income(actor=city.secretary_a, fund=fund, amount="1234.5", on=TODAY, description="x")
    factories.pairing(city.member_a, MemberFactory(organisation=city.branch_a))
    client.force_login(city.office)
    page = client.get(reverse("assistance:figures", args=[city.root.pk]))
    assert page.status_code == 200 and 'id="bar-charts"' in page.content.decode()
    response = client.get(reverse("assistance:figures_xlsx", args=[city.root.pk]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names[:4] == ["1 结对帮扶", "2 特别服务", "3 帮扶基金", "4 技能培训"]
    money = book.get_sheet_by_name("3 帮扶基金").to_python()
    assert any(1234.5 in row for row in money)
    client.force_login(city.secretary_b)
    assert client.get(reverse("assistance:figures", args=[city.district_a.pk])).status_code == 404
