"""The campaigns' REST API: read-only, scoped like the pages, with filters and the progress figures."""

from __future__ import annotations

import pytest

from vanguard.campaigns.models import Evidence, StepRecord, Unit
from vanguard.campaigns.tests.test_dashboard import late  # noqa: F401  (fixture)
from vanguard.campaigns.tests.test_services import step, template, unit_of  # noqa: F401  (fixture)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["organisation_name"] for row in response.json()["results"]}


def test_campaigns_list_and_detail(as_user, city, late):  # noqa: F811
    api = as_user(city.secretary_b)
    listed = api.get("/api/campaigns/").json()["results"]
    assert [c["id"] for c in listed] == [late.pk] and listed[0]["status"] == "running"
    detail = api.get(f"/api/campaigns/{late.pk}/").json()
    assert [p["key"] for p in detail["phases"]] == ["study", "appraisal", "rectify"]
    assert [s["key"] for s in detail["phases"][0]["steps"]] == ["mobilise", "branch-study", "lecture", "essay"]
    first = detail["batches"][0]
    assert first["key"] == "first" and len(first["windows"]) == 3
    assert first["windows"][0]["starts_on"] == late.starts_on.isoformat()


def test_progress_is_the_users_organisation_and_its_children(as_user, city, late):  # noqa: F811
    api = as_user(city.secretary_a)
    body = api.get(f"/api/campaigns/{late.pk}/progress/").json()
    assert body["organisation"] == city.district_a.pk
    assert body["total"]["units"] == 4 and body["total"]["overdue"] == 2
    assert [c["organisation_name"] for c in body["children"]] == ["甲街道党工委"]
    study = str(late.phases.get(key="study").pk)
    assert body["total"]["by_phase"][study] == 3
    # The city and the sibling district are not theirs; an ill-formed id is a 400 naming the parameter.
    for organisation in (city.root.pk, city.district_b.pk, 10**15):
        response = api.get(f"/api/campaigns/{late.pk}/progress/", {"organisation": organisation})
        assert response.status_code == 404
    bad = api.get(f"/api/campaigns/{late.pk}/progress/", {"organisation": "abc"})
    assert bad.status_code == 400 and list(bad.json()) == ["organisation"]
    office = as_user(city.office).get(f"/api/campaigns/{late.pk}/progress/", {"organisation": city.root.pk}).json()
    assert office["total"]["units"] == 7 and office["total"]["overdue"] == 4
    assert {c["organisation_name"]: c["returned"] for c in office["children"]} == {"甲区委": 0, "乙区委": 1}


def test_units_are_scoped_and_filtered(as_user, city, late):  # noqa: F811
    api = as_user(city.secretary_a)
    assert names(api.get("/api/campaign-units/")) == {"甲区委", "甲街道党工委", "甲一支部", "甲二支部"}
    assert names(api.get("/api/campaign-units/", {"organisation": city.committee_a.pk})) == {
        "甲街道党工委", "甲一支部", "甲二支部",
    }  # fmt: skip
    assert names(api.get("/api/campaign-units/", {"organisation": city.district_b.pk})) == set()
    appraisal = late.phases.get(key="appraisal").pk
    assert names(api.get("/api/campaign-units/", {"phase": appraisal})) == {"甲一支部"}
    assert names(api.get("/api/campaign-units/", {"campaign": late.pk, "state": "open"})) == {
        "甲区委", "甲街道党工委", "甲一支部", "甲二支部",
    }  # fmt: skip
    office = as_user(city.office)
    assert names(office.get("/api/campaign-units/", {"state": "returned"})) == {"乙一支部"}
    second = late.batches.get(key="second").pk
    assert names(office.get("/api/campaign-units/", {"batch": second})) == set()
    assert api.get("/api/campaign-units/", {"state": "nonsense"}).status_code == 400
    sibling = unit_of(late, city.branch_b).pk
    assert as_user(city.secretary_a).get(f"/api/campaign-units/{sibling}/").status_code == 404


def test_step_records_with_their_evidence(as_user, city, late):  # noqa: F811
    record = StepRecord.objects.get(unit=unit_of(late, city.branch_a2))
    Evidence.objects.create(record=record, kind="number", data={"value": 12, "unit": "人"})
    api = as_user(city.secretary_a)
    rows = api.get("/api/step-records/", {"unit": record.unit_id}).json()["results"]
    assert rows == [
        {
            "id": record.pk, "campaign": late.pk, "unit": record.unit_id, "organisation": city.branch_a2.pk,
            "step": record.step_id, "step_key": "mobilise", "note": "", "actor_role": "secretary",
            "recorded_at": rows[0]["recorded_at"],
            "evidence": [{"id": rows[0]["evidence"][0]["id"], "kind": "number", "summary": "12 人",
                          "added_at": rows[0]["evidence"][0]["added_at"]}],
        }
    ]  # fmt: skip
    mine = api.get("/api/step-records/", {"campaign": late.pk}).json()["results"]
    assert {Unit.objects.get(pk=r["unit"]).organisation_id for r in mine} == {city.branch_a.pk, city.branch_a2.pk}
    mobilise = step(late, "mobilise").pk
    assert len(api.get("/api/step-records/", {"step": mobilise}).json()["results"]) == 2
    everyone = as_user(city.office).get("/api/step-records/", {"step": mobilise}).json()["results"]
    assert len(everyone) == 3  # 乙一支部's too
    sibling = StepRecord.objects.get(unit=unit_of(late, city.branch_b), step_id=mobilise)
    assert as_user(city.secretary_a).get(f"/api/step-records/{sibling.pk}/").status_code == 404
