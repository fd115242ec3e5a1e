"""Factories for members and transfers, shared by the tests and seed_demo."""

from __future__ import annotations

import datetime
import random

import factory
from django.core.exceptions import ValidationError

from vanguard.core import dates, people
from vanguard.members import services
from vanguard.members.models import Category, Education, Member, Status
from vanguard.orgs.factories import OrganisationFactory

_rng = random.Random(2005)

# A realistic mix (seed 000 and 003 proportions, rounded): most members ordinary,
# a large retired share, visible minorities of mobile, laid-off and lost-contact members.
CATEGORY_WEIGHTS = {
    Category.ORDINARY: 58,
    Category.LEADER: 4,
    Category.MOBILE: 9,
    Category.LAID_OFF: 4,
    Category.RETIRED: 16,
    Category.ELDERLY: 5,
    Category.NOT_AT_POST: 2,
    Category.LOST_CONTACT: 2,
}
AGE_RANGE = {
    Category.RETIRED: (58, 85),
    Category.ELDERLY: (70, 95),
    Category.LEADER: (35, 58),
    Category.MOBILE: (20, 50),
}
MOBILE_PLACES = ["广东省深圳市", "浙江省宁波市", "上海市浦东新区", "北京市朝阳区", "福建省厦门市", "四川省成都市"]


def member_fields(rng: random.Random, category: str | None = None, today: datetime.date | None = None) -> dict:
    """Consistent fields for one synthetic member, including a valid ID number under 'id_number'."""
    today = today or datetime.date.today()
    category = category or rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    gender = "M" if rng.random() < 0.72 else "F"
    low, high = AGE_RANGE.get(category, (19, 60))
    birth = people.birth_date_for_age(rng, low, high, today)
    earliest_join = dates.add_years(birth, 18)
    joined = earliest_join + datetime.timedelta(days=rng.randrange(0, max(1, (today - earliest_join).days)))
    fields = {
        "name": people.chinese_name(rng, gender),
        "gender": gender,
        "birth_date": birth,
        "education": rng.choice(list(Education.values)),
        "joined_on": joined,
        "status": Status.PROBATIONARY if (today - joined).days < 365 else Status.FULL,
        "category": category,
        "phone": f"13{rng.randrange(0, 10**9):09d}",
        "id_number": people.id_number(rng, birth, gender),
    }
    if category == Category.MOBILE:
        fields["mobile_since"] = today - datetime.timedelta(days=rng.randrange(30, 2000))
        fields["mobile_place"] = rng.choice(MOBILE_PLACES)
    return fields


class MemberFactory(factory.django.DjangoModelFactory):
    """Build with `MemberFactory(organisation=..., category=...)`; created through services.create_member."""

    class Meta:
        model = Member

    organisation = factory.SubFactory(OrganisationFactory)

    @classmethod
    def _fields(cls, overrides: dict) -> dict:
        """Random fields with `overrides` applied, kept consistent (ID number, joining age)."""
        fields = member_fields(_rng, overrides.get("category"))
        fields.update(overrides)
        if "id_number" not in overrides and ("birth_date" in overrides or "gender" in overrides):
            fields["id_number"] = people.id_number(_rng, fields["birth_date"], fields["gender"])
        if "birth_date" in overrides and "joined_on" not in overrides:
            fields["joined_on"] = min(dates.add_years(fields["birth_date"], 25), datetime.date.today())
        return fields

    @classmethod
    def _create(cls, model_class, *args, organisation, actor=None, **overrides):
        fields = cls._fields(overrides)
        id_number = fields.pop("id_number")
        for attempt in range(20):
            try:
                return services.create_member(
                    organisation=organisation, fields=fields, id_number=id_number, actor=actor
                )
            except ValidationError as refused:
                # A drawn ID number can repeat one already given (members sharing a birth date and gender share
                # all but the serial): draw another, unless the test chose it.
                taken = "id_number" in getattr(refused, "error_dict", {})
                if not taken or "id_number" in overrides or attempt == 19:
                    raise
                id_number = people.id_number(_rng, fields["birth_date"], fields["gender"])

    @classmethod
    def _build(cls, model_class, *args, organisation, **overrides):
        fields = cls._fields(overrides)
        id_number = fields.pop("id_number")
        member = Member(organisation=organisation, org_path=organisation.path, **fields)
        if id_number:
            services.protect_id_number(member, id_number)
        return member
