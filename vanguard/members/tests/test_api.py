import datetime
import random

import pytest
from rest_framework.test import APIClient

from vanguard.core import people
from vanguard.members.models import Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def payload(city, **overrides):
    born = datetime.date(1985, 6, 1)
    data = {
        "name": "接口党员",
        "gender": "M",
        "birth_date": born.isoformat(),
        "joined_on": "2010-07-01",
        "organisation": city.branch_a.pk,
        "id_number": people.id_number(random.Random(3), born, "M"),
    }
    data.update(overrides)
    return data


def test_list_is_scoped_and_masks_id_numbers(api, city):
    api.force_authenticate(city.secretary_a)
    body = api.get("/api/members/").json()
    assert [m["name"] for m in body["results"]] == ["张甲"]
    assert "id_number" not in body["results"][0] and "*" in body["results"][0]["id_number_masked"]


def test_create_validates_through_the_service(api, city):
    api.force_authenticate(city.secretary_a)
    bad = api.post("/api/members/", payload(city, gender="F"), format="json")
    assert bad.status_code == 400 and "id_number" in bad.json()
    good = api.post("/api/members/", payload(city), format="json")
    assert good.status_code == 201, good.content
    assert Member.objects.get(name="接口党员").org_path == city.branch_a.path


def test_cannot_create_in_another_subtree(api, city):
    api.force_authenticate(city.secretary_a)
    response = api.post("/api/members/", payload(city, organisation=city.branch_b.pk), format="json")
    assert response.status_code == 403
    assert not Member.objects.filter(name="接口党员").exists()


def test_update_cannot_move_a_member(api, city):
    api.force_authenticate(city.office)
    response = api.patch(f"/api/members/{city.member_a.pk}/", {"organisation": city.branch_b.pk}, format="json")
    assert response.status_code == 400


def test_organisation_counts_endpoint(api, city):
    api.force_authenticate(city.secretary_a)
    body = api.get(f"/api/organisations/{city.district_a.pk}/counts/").json()
    assert body["members_by_category"] == {"ordinary": 1}
    assert api.get(f"/api/organisations/{city.district_b.pk}/counts/").status_code == 404


def test_schema_and_docs_are_served(api, city):
    api.force_authenticate(city.secretary_a)
    assert api.get("/api/schema/").status_code == 200
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()


def test_anonymous_gets_nothing(api, city):
    assert api.get("/api/members/").status_code in (401, 403)
