"""Commitments over the API: read-only, scoped to the caller's subtree, filtered by subtree, campaign and verdict."""

from __future__ import annotations

from django.urls import reverse

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.commitments.models import Status
from vanguard.commitments.tests.factories import make_commitment


def test_commitments_are_scoped_and_filtered(client, city):
    campaign = make_campaign(city.root)
    mine = make_commitment(campaign, city.member_a, text="带头学习", status=Status.PUBLISHED, public_kept=4)
    make_commitment(campaign, city.member_b, text="乙区的承诺")

    client.force_login(city.secretary_a)
    rows = client.get(reverse("commitment-list"), {"organisation": city.district_a.pk}).json()["results"]
    assert [(row["id"], row["text"], row["public_kept"]) for row in rows] == [(mine.pk, "带头学习", 4)]
    # District A's secretary sees nothing of district B, by filter or by id.
    assert client.get(reverse("commitment-list"), {"organisation": city.district_b.pk}).json()["count"] == 0
    assert client.get(reverse("commitment-detail", args=[mine.pk + 1])).status_code == 404
    other = client.get(reverse("commitment-list")).json()["results"]
    assert [row["text"] for row in other] == ["带头学习"]
    assert client.get(reverse("commitment-list"), {"status": "draft"}).json()["count"] == 0
    assert client.post(reverse("commitment-list"), {}).status_code == 405

    client.force_login(city.office)
    assert client.get(reverse("commitment-list"), {"campaign": campaign.pk}).json()["count"] == 2
