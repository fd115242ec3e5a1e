"""A 不合格 appraisal becomes a case, runs through education to 'transformed' in a real browser (issue 20).

The branch secretary finds the case waiting, starts education with a helper, ends it and records the
re-appraisal; the history shows each step with the role and the reason; the member sees their own case and
not another member's.  Assertions use test ids, URLs and data, not the wording of UI strings.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.test_campaign_journey import sign_in
from vanguard.appraisals.tests.test_peer import start, vote_and_close
from vanguard.ballots.models import Grade
from vanguard.core import audit
from vanguard.members.factories import MemberFactory
from vanguard.rectification.models import Case, Stage
from vanguard.rectification.services import cases

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_case_from_an_unqualified_appraisal_through_education_to_transformed(live_server, page: Page, city, shot):
    url = live_server.url
    page.set_default_navigation_timeout(60_000)
    sign_in(page, url, city.branch_secretary_a.username)
    helper = MemberFactory(organisation=city.branch_a, name="王丙")
    other = MemberFactory(organisation=city.branch_a, name="赵丁")
    ballot = start(city.branch_a, city.branch_secretary_a)
    keys = {q["label"]: q["key"] for q in ballot.questions}
    zhang = keys["张甲"]
    vote_and_close(ballot, [{zhang: Grade.UNQUALIFIED}, {zhang: Grade.UNQUALIFIED}, {zhang: Grade.EXCELLENT}])
    case = Case.objects.get(member=city.member_a)
    assert case.appraisal_result.ballot_id == ballot.pk and case.stage == Stage.OPENED
    others_case = cases.open_case(member=other, actor=city.branch_secretary_a, reason="长期不参加组织生活")

    # The branch secretary finds it among the newly opened cases and starts education with a helper.
    page.goto(f"{url}/rectification/cases/pending/")
    page.get_by_test_id("opened").locator(f"a[href='/rectification/cases/{case.pk}/']").click()
    expect(page).to_have_url(f"{url}/rectification/cases/{case.pk}/")
    step = page.get_by_test_id("step-start_education")
    step.locator("[name=reason]").fill("民主评议为不合格，先教育帮助")
    step.locator("[name=helper]").select_option(str(helper.pk))
    step.locator("[name=until]").fill((timezone.localdate() + datetime.timedelta(days=90)).isoformat())
    step.locator("button[type=submit]").click()
    expect(page.get_by_test_id("stage")).to_have_text(str(Stage.EDUCATION.label))
    shot(page, "case-education")

    step = page.get_by_test_id("step-end_education")
    step.locator("[name=reason]").fill("教育期满，进行再评议")
    step.locator("button[type=submit]").click()
    expect(page.get_by_test_id("stage")).to_have_text(str(Stage.REAPPRAISAL.label))
    step = page.get_by_test_id("step-transform")
    step.locator("[name=reason]").fill("再评议为合格，已转化")
    step.locator("[name=grade]").select_option(Grade.QUALIFIED)
    step.locator("button[type=submit]").click()
    expect(page.get_by_test_id("stage")).to_have_text(str(Stage.TRANSFORMED.label))

    # The history: opened, then three steps, each with the acting role and the reason.
    shown = page.goto(f"{url}/rectification/cases/{case.pk}/history/")
    assert shown.status == 200
    rows = page.locator("[data-testid=history] tbody tr")
    expect(rows).to_have_count(4)
    reasons = page.locator("[data-testid=history] [data-testid=reason]").all_inner_texts()
    assert [r.strip() for r in reasons[1:]] == [
        "民主评议为不合格，先教育帮助",
        "教育期满，进行再评议",
        "再评议为合格，已转化",
    ]
    roles = {r.strip() for r in page.locator("[data-testid=history] [data-testid=role]").all_inner_texts()[1:]}
    assert len(roles) == 1 and "" not in roles
    shot(page, "case-history")
    entries = list(audit.history(case).order_by("seq"))
    assert [e.actor_role for e in entries[1:]] == ["secretary"] * 3

    # The member sees their own case, not another member's of the branch.
    page.context.clear_cookies()
    sign_in(page, url, city.member_user_a.username)
    page.goto(f"{url}/rectification/cases/mine/")
    page.locator(f"a[href='/rectification/cases/mine/{case.pk}/']").click()
    expect(page.get_by_test_id("stage")).to_have_text(str(Stage.TRANSFORMED.label))
    response = page.goto(f"{url}/rectification/cases/mine/{others_case.pk}/")
    assert response.status == 404
    assert page.goto(f"{url}/rectification/cases/{case.pk}/").status == 404
    assert audit.verify()[0] is None and audit.run_checks() == []
