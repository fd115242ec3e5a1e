""" "Already a member elsewhere": kept for transfers, written to the audit trail, throttled per user (issue #10 §5)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import PASSWORD
from vanguard.core.models import AuditEntry
from vanguard.members import events, services
from vanguard.members.models import Member

BORN = datetime.date(1970, 3, 8)


def person(member: Member) -> dict:
    return {"birth_date": member.birth_date, "gender": member.gender}


def fields(member: Member, **overrides) -> dict:
    return {"name": "王新", "joined_on": datetime.date(1995, 7, 1), **person(member), **overrides}


def refusals():
    return AuditEntry.objects.filter(event=events.ELSEWHERE_REFUSED)


def test_a_member_outside_the_scope_is_refused_and_the_asking_recorded(city):
    number = services.reveal_id_number(city.member_b)
    with pytest.raises(ValidationError) as refused:
        services.create_member(
            organisation=city.branch_a, fields=fields(city.member_b), id_number=number, actor=city.secretary_a
        )
    message = " ".join(refused.value.message_dict["id_number"])
    assert city.member_b.organisation.name not in message and "其他党组织" in message
    assert Member.objects.filter(id_number_hash=city.member_b.id_number_hash).count() == 1
    entry = refusals().get()
    assert entry.actor == city.secretary_a and entry.actor_role == "secretary"
    assert entry.organisation == city.district_a and entry.data["count"] == 1
    assert entry.data["id_numbers"] == [city.member_b.id_number_masked]
    assert number not in str(entry.data)


def test_a_member_the_actor_may_see_is_the_ordinary_duplicate_message(city):
    number = services.reveal_id_number(city.member_b)
    with pytest.raises(ValidationError):
        services.create_member(
            organisation=city.branch_a, fields=fields(city.member_b), id_number=number, actor=city.office
        )
    assert not refusals().exists()


@pytest.mark.tampers_audit  # the window's passing is simulated by moving the refusals' time back
def test_repeated_asking_is_throttled(city, settings):
    settings.VANGUARD_ELSEWHERE_LIMIT = 2
    number = services.reveal_id_number(city.member_b)
    for _ in range(2):
        with pytest.raises(ValidationError):
            services.update_member(member=city.member_a, fields={}, id_number=number, actor=city.secretary_a)
    assert services.elsewhere_allowance(city.secretary_a) == 0
    # Now even a number held by nobody is not checked: the answer no longer depends on the number.
    with pytest.raises(ValidationError) as throttled:
        services.create_member(
            organisation=city.branch_a, fields=fields(city.member_a), id_number="110101199003074258",
            actor=city.secretary_a,
        )  # fmt: skip
    assert throttled.value.error_dict["id_number"][0].code == "throttled"
    assert refusals().count() == 2
    # Another user is not affected, and the window passes.
    assert services.elsewhere_allowance(city.secretary_b) == 2
    refusals().update(at=AuditEntry.objects.first().at - datetime.timedelta(hours=25))
    assert services.elsewhere_allowance(city.secretary_a) == 2


def test_the_page_shows_the_refusal_and_the_entry_survives(client, city):
    assert client.login(username=city.secretary_a.username, password=PASSWORD)
    member = city.member_b
    data = {
        "name": "王新", "gender": member.gender, "ethnicity": "汉族", "birth_date": member.birth_date.isoformat(),
        "joined_on": "1995-07-01", "status": "full", "category": "ordinary",
        "id_number": services.reveal_id_number(member),
    }  # fmt: skip
    response = client.post(reverse("members:create", args=[city.branch_a.pk]), data)
    assert response.status_code == 200 and member.organisation.name not in response.content.decode()
    assert refusals().filter(actor=city.secretary_a).count() == 1
