"""The campaign's appraisal settings: validation, audit, only the campaign office changes them, 404 outside scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import PASSWORD
from vanguard.appraisals import campaign_rules
from vanguard.appraisals.models import Rules
from vanguard.ballots.tests.factories import ballot as make_ballot
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "threshold": "70",
    "count_basically": True,
    "rewrite_below_threshold": True,
    "unqualified_share": "0.5",
    "remedial_share": "0.5",
    "weight_members": "0.4",
    "weight_public": "0.3",
    "weight_upper": "0.3",
    "bottom_share": "0.05",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": "100.01"}, "threshold"),
        ({"threshold": "-1"}, "threshold"),
        ({"unqualified_share": "1.001"}, "unqualified_share"),
        ({"remedial_share": "-0.001"}, "remedial_share"),
        ({"bottom_share": "2"}, "bottom_share"),
        ({"weight_members": "0.5"}, "__all__"),  # 0.5 + 0.3 + 0.3 = 1.1
        ({"weight_upper": "0.299"}, "__all__"),
        ({"threshold": "abc"}, "threshold"),
    ],
)
def test_invalid_settings_are_named(change, field):
    assert field in campaign_rules.check_rules({**DEFAULTS, **change})


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"threshold": "0"},
        {"threshold": "100"},
        {"unqualified_share": "0", "remedial_share": "1"},
        {"weight_members": "1", "weight_public": "0", "weight_upper": "0"},
        {"weight_members": "0.334", "weight_public": "0.333", "weight_upper": "0.333"},
    ],
)
def test_valid_settings_at_the_edges(change):
    assert campaign_rules.check_rules({**DEFAULTS, **change}) == {}


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def test_defaults_until_saved(campaign):
    rules = campaign_rules.rules_for(campaign)
    assert rules.pk is None and rules.threshold == 70 and rules.unqualified_share == Decimal("0.5")


def test_the_office_saves_and_it_is_audited(city, campaign):
    values = {"threshold": "75", "remedial_share": "0.6"}
    campaign_rules.update_rules(campaign=campaign, actor=city.office, values=values)
    rules = Rules.objects.get(campaign=campaign)
    assert rules.threshold == Decimal("75") and rules.remedial_share == Decimal("0.6")
    entry = AuditEntry.objects.get(event="appraisals.rules.changed")
    assert set(entry.changes) == {"threshold", "remedial_share"}
    # A ballot of the campaign takes its threshold.
    assert make_ballot(city.district_a, campaign=campaign).threshold == Decimal("75")
    # Nothing changed: nothing written.
    campaign_rules.update_rules(campaign=campaign, actor=city.office, values={"threshold": "75"})
    assert AuditEntry.objects.filter(event="appraisals.rules.changed").count() == 1


def test_refused_settings_change_nothing(city, campaign):
    with pytest.raises(ValidationError) as refused:
        campaign_rules.update_rules(campaign=campaign, actor=city.office, values={"weight_public": "0.4"})
    assert "__all__" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        campaign_rules.update_rules(campaign=campaign, actor=city.secretary_a, values={"threshold": "60"})
    assert refused.value.code == "forbidden"
    assert not Rules.objects.exists() and not AuditEntry.objects.filter(event="appraisals.rules.changed").exists()


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_page_saves_for_the_office(client, city, campaign):
    login(client, city.office)
    url = reverse("appraisals:rules", kwargs={"pk": campaign.pk})
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="defaults"' in page.content.decode()
    form = {**DEFAULTS, "threshold": "65", "count_basically": "", "rewrite_below_threshold": "on"}
    response = client.post(url, form)
    assert response.status_code == 302 and response["Location"] == url
    rules = Rules.objects.get(campaign=campaign)
    assert rules.threshold == Decimal("65") and rules.count_basically is False
    bad = client.post(url, {**form, "weight_members": "0.9"})
    assert bad.status_code == 200 and 'data-testid="errors"' in bad.content.decode()
    bad = client.post(url, {**form, "remedial_share": "1.5"})
    assert bad.status_code == 200 and 'data-field="remedial_share"' in bad.content.decode()
    assert Rules.objects.get(campaign=campaign).remedial_share == Decimal("0.5")


def test_the_campaigns_organisation_page_links_it_for_the_office(client, city, campaign):
    url = reverse("appraisals:rules", kwargs={"pk": campaign.pk})
    login(client, city.office)
    assert url in client.get(reverse("orgs:detail", kwargs={"pk": city.root.pk})).content.decode()
    login(client, city.secretary_a)
    assert url not in client.get(reverse("orgs:detail", kwargs={"pk": city.district_a.pk})).content.decode()


def test_others_read_it_and_cannot_change_it(client, city, campaign):
    url = reverse("appraisals:rules", kwargs={"pk": campaign.pk})
    login(client, city.secretary_a)  # a unit of the campaign, not its office
    page = client.get(url)
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert client.post(url, {**DEFAULTS, "threshold": "10"}).status_code == 404
    assert not Rules.objects.exists()


def test_outside_scope_is_404(client, city):
    other = make_campaign(city.district_b, name="乙区活动")
    login(client, city.secretary_a)
    url = reverse("appraisals:rules", kwargs={"pk": other.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, DEFAULTS).status_code == 404
