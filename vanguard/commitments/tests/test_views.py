"""Pages: the member makes and publishes, the branch rates, the public page counts ratings per verdict, figures."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from python_calamine import CalamineWorkbook

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.commitments import public_views, services
from vanguard.commitments.models import Audience, Commitment, Status, Verdict
from vanguard.commitments.tests.factories import make_commitment

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def test_member_makes_and_publishes_their_own(client, city, campaign):
    client.force_login(city.member_user_a)
    response = client.post(reverse("commitments:new") + f"?campaign={campaign.pk}", {"text": "带头学习党章"})
    made = Commitment.objects.get(member=city.member_a)
    assert response.status_code == 302 and made.text == "带头学习党章"
    page = client.get(reverse("commitments:detail", args=[made.pk]))
    assert page.status_code == 200 and b'data-testid="publish-form"' in page.content
    assert b'data-testid="rate-form"' not in page.content
    response = client.post(
        reverse("commitments:publish", args=[made.pk]),
        {"audience": Audience.PUBLIC, "published_from": TODAY, "published_until": TODAY},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == Status.PUBLISHED
    # Bad window: the form shows the refusal, nothing changes.
    response = client.post(
        reverse("commitments:publish", args=[made.pk]),
        {"audience": Audience.UNIT, "published_from": TODAY, "published_until": TODAY - datetime.timedelta(days=1)},
    )
    assert response.status_code == 400
    made.refresh_from_db()
    assert made.audience == Audience.PUBLIC


def test_another_district_cannot_open_or_rate(client, city, campaign):
    c = make_commitment(campaign, city.member_a, status=Status.PUBLISHED)
    client.force_login(city.secretary_b)
    assert client.get(reverse("commitments:detail", args=[c.pk])).status_code == 404
    assert client.post(reverse("commitments:rate", args=[c.pk]), {"verdict": Verdict.KEPT}).status_code == 404


def test_branch_rates_from_the_page(client, city, campaign):
    campaign.ends_on = TODAY
    campaign.save(update_fields=["ends_on"])
    c = make_commitment(campaign, city.member_a, status=Status.PUBLISHED)
    client.force_login(city.branch_secretary_a)
    response = client.post(reverse("commitments:rate", args=[c.pk]), {"verdict": Verdict.NOT_KEPT, "note": ""})
    assert response.status_code == 400
    response = client.post(reverse("commitments:rate", args=[c.pk]), {"verdict": Verdict.NOT_KEPT, "note": "未落实"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.verdict == Verdict.NOT_KEPT


def test_public_page_names_the_member_counts_ratings_and_limits_them(client, city, campaign, settings):
    settings.VANGUARD_COMMITMENT_RATING_RATE = "2/h"
    public = make_commitment(campaign, city.member_a, text="公开承诺", status=Status.PUBLISHED)
    branch_only = make_commitment(
        campaign, city.member_a, text="支部内承诺", status=Status.PUBLISHED, audience=Audience.BRANCH
    )
    url = reverse("commitments_public:published", args=[public_views.public_code(campaign, city.branch_a)])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "公开承诺" in text and "支部内承诺" not in text and city.member_a.name in text and city.branch_a.name in text
    assert "<script>" not in text
    assert client.post(url, {"commitment": public.pk, "verdict": Verdict.KEPT}).status_code == 200
    assert client.post(url, {"commitment": branch_only.pk, "verdict": Verdict.KEPT}).status_code == 400
    assert client.post(url, {"commitment": public.pk, "verdict": Verdict.KEPT}).status_code == 429
    public.refresh_from_db()
    assert public.public_counts[Verdict.KEPT] == 1
    assert client.get(url[:-3] + "xx/").status_code == 404


def test_public_page_is_404_with_nothing_published_to_the_public(client, city, campaign):
    make_commitment(campaign, city.member_a, status=Status.DRAFT)
    url = reverse("commitments_public:published", args=[public_views.public_code(campaign, city.branch_a)])
    assert client.get(url).status_code == 404


def test_figures_page_and_workbook_count_the_subtree(client, city, campaign):
    campaign.ends_on = TODAY
    campaign.save(update_fields=["ends_on"])
    kept = make_commitment(campaign, city.member_a, status=Status.PUBLISHED)
    services.rate(commitment=kept, actor=city.branch_secretary_a, verdict=Verdict.KEPT)
    make_commitment(campaign, city.member_a, status=Status.DRAFT, by_leader=True)
    make_commitment(campaign, city.member_b, status=Status.PUBLISHED)
    client.force_login(city.secretary_a)
    page = client.get(reverse("commitments:figures") + f"?organisation={city.district_a.pk}")
    assert page.status_code == 200
    rows = {code: value for code, _label, value in page.context["rows"]}
    assert (rows["made"], rows["published"], rows["rated"], rows["kept_share"], rows["leaders_made"]) == (
        2,
        1,
        1,
        "100.0%",
        1,
    )
    book = client.get(reverse("commitments:figures_xlsx") + f"?organisation={city.district_a.pk}")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(book.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == city.district_a.name and sheet[2][1] == 2
    assert client.get(reverse("commitments:figures") + f"?organisation={city.district_b.pk}").status_code == 404
