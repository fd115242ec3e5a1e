import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from vanguard.core import audit, people
from vanguard.core.models import AuditEntry
from vanguard.members import services
from vanguard.members.models import Member, Transfer, TransferStatus, TransferStep

pytestmark = pytest.mark.django_db
BORN = datetime.date(1970, 3, 8)


def fields(**overrides):
    base = {"name": "王芳", "gender": "F", "birth_date": BORN, "joined_on": datetime.date(1995, 7, 1)}
    base.update(overrides)
    return base


def an_id(born=BORN, sex="F", seed=7):
    return people.id_number(random.Random(seed), born, sex)


def test_id_number_is_stored_encrypted_masked_and_findable(city):
    number = an_id()
    member = services.create_member(organisation=city.branch_a, fields=fields(), id_number=number)
    raw_row = connection.cursor()
    raw_row.execute("SELECT id_number_encrypted, id_number_masked FROM members_member WHERE id = %s", [member.pk])
    encrypted, masked = raw_row.fetchone()
    assert number not in encrypted and number[6:14] not in encrypted
    assert masked == number[:4] + "*" * 10 + number[-4:]
    assert services.reveal_id_number(member) == number
    assert services.find_by_id_number(number.lower()) == member
    assert services.find_by_id_number(number[:-1] + ("0" if number[-1] != "0" else "1")) is None


def test_full_width_id_number_is_normalised_on_save(city):
    number = an_id()
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    member = services.create_member(organisation=city.branch_a, fields=fields(), id_number=full_width)
    assert services.reveal_id_number(member) == number


@pytest.mark.parametrize(
    "change, field",
    [
        ({"birth_date": datetime.date(1971, 3, 8)}, "id_number"),  # ID says 1970
        ({"gender": "M"}, "id_number"),  # sex digit is female
        ({"joined_on": datetime.date(1985, 1, 1)}, "joined_on"),  # aged 14
        ({"joined_on": datetime.date.today() + datetime.timedelta(days=3)}, "joined_on"),
        ({"category": "mobile"}, "mobile_since"),
    ],
)
def test_inconsistent_records_are_refused_naming_the_field(city, change, field):
    with pytest.raises(ValidationError) as caught:
        services.create_member(organisation=city.branch_a, fields=fields(**change), id_number=an_id())
    assert field in caught.value.error_dict
    assert not Member.objects.filter(name="王芳").exists()


def test_the_same_id_number_cannot_be_used_twice(city):
    number = an_id()
    services.create_member(organisation=city.branch_a, fields=fields(), id_number=number)
    with pytest.raises(ValidationError) as caught:
        services.create_member(organisation=city.branch_b, fields=fields(name="王芳二"), id_number=number)
    assert "id_number" in caught.value.error_dict


def test_update_records_a_diff_and_keeps_the_id_number_when_blank(city):
    member = city.member_a
    before = member.id_number_hash
    services.update_member(member=member, fields={"phone": "13800138000", "post": "支委"}, id_number=None)
    member.refresh_from_db()
    assert member.phone == "13800138000" and member.id_number_hash == before
    event = audit.history(member).get(event="members.member.updated")
    assert event.changes["phone"][1] == "13800138000" and "post" in event.changes


def test_mobile_member_keeps_since_and_place(city):
    member = services.create_member(
        organisation=city.branch_a,
        fields=fields(category="mobile", mobile_since=datetime.date(2024, 1, 1), mobile_place="广东省深圳市"),
        id_number=an_id(),
    )
    assert member.mobile_place == "广东省深圳市"
    services.update_member(member=member, fields={"category": "retired"})
    member.refresh_from_db()
    assert member.mobile_since is None and member.mobile_place == ""


class TestTransfer:
    def start(self, city, **kwargs):
        return services.start_transfer(
            member=city.member_a, to_organisation=city.branch_b, actor=city.secretary_a, **kwargs
        )

    def test_accept_moves_the_member_and_records_both_sides(self, city):
        transfer = self.start(city)
        services.accept_transfer(transfer=transfer, actor=city.secretary_b)
        member = Member.objects.get(pk=city.member_a.pk)
        assert member.organisation_id == city.branch_b.pk and member.org_path == city.branch_b.path
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.ACCEPTED and transfer.closed_at
        steps = list(transfer.steps.all())
        assert [(s.action, s.actor.username, s.actor_role) for s in steps] == [
            ("started", "sec_a", "secretary"),
            ("accepted", "sec_b", "secretary"),
        ]
        assert [s.acting_as for s in steps] == ["书记 · 甲区委", "书记 · 乙区委"]  # worded when read
        with translation.override("en"):
            assert steps[1].acting_as == "Secretary · 乙区委"
        entries = list(audit.history(transfer).order_by("seq"))
        assert [e.event for e in entries] == ["members.transfer.started", "members.transfer.accept"]
        accepted = entries[1]
        assert accepted.actor == city.secretary_b and accepted.actor_role == "secretary"
        assert accepted.actor_organisation == city.district_b and accepted.changes == {
            "status": ["pending", "accepted"]
        }
        assert entries[0].actor_organisation == city.district_a and entries[0].organisation_id == city.branch_a.pk

    def test_refuse_needs_a_reason_and_leaves_the_member(self, city):
        transfer = self.start(city)
        with pytest.raises(ValidationError):
            services.refuse_transfer(transfer=transfer, reason="  ", actor=city.secretary_b)
        services.refuse_transfer(transfer=transfer, reason="不属于本支部服务范围", actor=city.secretary_b)
        assert Member.objects.get(pk=city.member_a.pk).organisation_id == city.branch_a.pk
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.REFUSED
        assert transfer.steps.last().comment == "不属于本支部服务范围"

    def test_return_for_correction_then_resubmit_then_accept(self, city):
        transfer = self.start(city)
        services.return_transfer(transfer=transfer, reason="介绍信缺少党费缴纳情况", actor=city.secretary_b)
        with pytest.raises(ValidationError):
            services.accept_transfer(transfer=transfer, actor=city.secretary_b)
        services.resubmit_transfer(transfer=transfer, note="已补充", actor=city.secretary_a)
        services.accept_transfer(transfer=transfer, actor=city.secretary_b)
        actions = list(transfer.steps.values_list("action", flat=True))
        assert actions == ["started", "returned", "resubmitted", "accepted"]

    def test_only_one_open_transfer_per_member(self, city):
        self.start(city)
        with pytest.raises(ValidationError):
            services.start_transfer(member=city.member_a, to_organisation=city.branch_a2)
        assert Transfer.objects.count() == 1

    def test_expired_letter_cannot_be_accepted(self, city):
        transfer = self.start(city, valid_days=30)
        Transfer.objects.filter(pk=transfer.pk).update(letter_valid_until=datetime.date.today() - datetime.timedelta(1))
        with pytest.raises(ValidationError):
            services.accept_transfer(transfer=transfer)

    def test_a_closed_transfer_cannot_be_decided_again(self, city):
        transfer = self.start(city)
        services.accept_transfer(transfer=transfer)
        with pytest.raises(ValidationError):
            services.refuse_transfer(transfer=transfer, reason="x")
        assert TransferStep.objects.filter(transfer=transfer).count() == 2
        assert audit.history(transfer).count() == 2

    def test_only_the_receiving_side_may_accept(self, city):
        transfer = self.start(city)
        with pytest.raises(ValidationError, match="一方"):
            services.accept_transfer(transfer=transfer, actor=city.secretary_a)
        with pytest.raises(ValidationError, match="一方"):
            services.cancel_transfer(transfer=transfer, actor=city.secretary_b)
        assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING
        assert AuditEntry.objects.filter(event__startswith="members.transfer.").count() == 1
        services.accept_transfer(transfer=transfer, actor=city.office)  # the office covers both sides


def test_hosting_keeps_the_home_organisation_of_record(city):
    services.set_host(member=city.member_b, host_organisation=city.branch_a, actor=city.secretary_b)
    member = Member.objects.get(pk=city.member_b.pk)
    assert member.organisation_id == city.branch_b.pk and member.host_organisation_id == city.branch_a.pk
    assert member.hosted_since == datetime.date.today()
    services.set_host(member=member, host_organisation=None, actor=city.secretary_b)
    member.refresh_from_db()
    assert member.host_organisation is None and member.hosted_since is None
    kinds = list(audit.history(member).filter(event__contains="hosting").values_list("event", flat=True))
    assert kinds == ["members.member.hosting_ended", "members.member.hosting_started"]
    assert audit.history(member).first().changes == {"host_organisation": [city.branch_a.name, ""]}
