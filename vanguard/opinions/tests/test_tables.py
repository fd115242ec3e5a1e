"""Every figure of the five tables on a fixture small enough to count by hand.

The organisation is 甲区委 (D) with two direct children: 甲街道党工委 (C, with
its branches 甲一 and 甲二) and a second street, 甲二街道 (S).  The period is
March 2025.  Twelve opinions fall in it:

    #   unit      channel  direction        source        day   problem
    1   甲一       forum    public_official  public        03-01 P1   (first day of the period)
    2   甲一       forum    public_official  public        03-05 P1
    3   甲一       hotline  down_up          members       03-06 P2
    4   C         hotline  public_official  public        03-07 P2
    5   甲二       web      business_office  businesses    03-08 P3
    6   S         forum    public_official  public        03-10 P3   (one problem, two children)
    7   S         web      public_official  public        03-11 P4
    8   S         hotline  down_up          staff         03-12 P5
    9   S         forum    business_office  businesses    03-13 P5
    10  D itself  web      public_official  public        03-20 —
    11  S         forum    public_official  public        03-25 —
    12  甲一       hotline  public_official  public        03-31 P6   (last day of the period)

plus, outside the period, one opinion of 02-28 also grouped into P1 and one of
04-01 at S, and district B's opinions and its rectified, rated problem PB.

    P1 rectified on time (deadline ahead), 限期整改, at C; rated by raisers of #1 (满意) and #2 (基本满意)
       and by a sample (1 满意, 0 基本满意, 1 不满意): 3 of 4 good = 75 % ≥ 70 → rated satisfied
    P2 rectified late (deadline 2025-04-10, rectified 2025-04-15), 立说立改, at S; listed and circulated;
       sample (0, 1, 2): 1 of 3 good = 33 % → not satisfied
    P3 replied, overdue (deadline 2025-04-01) and escalated, 综合治理, forwarded to district B (outside)
    P4 forwarded, deadline ahead, 说明情况, at C; listed
    P5 grouped, not forwarded
    P6 rectified, no deadline, 立说立改, at D itself; not rated
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from vanguard.opinions import services
from vanguard.opinions.models import Category, Opinion, Problem, RatingSource, Verdict
from vanguard.opinions.tables import five_tables
from vanguard.opinions.tests.factories import row
from vanguard.orgs.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
ZERO_CATEGORIES = dict.fromkeys(Category.values, 0)


def day(month: int, d: int) -> datetime.date:
    return datetime.date(2025, month, d)


def enter(org, received_on, channel, direction, source_group) -> Opinion:
    (opinion,) = services.enter_opinions(
        organisation=org,
        actor=None,
        rows=[
            row(
                "意见",
                channel=channel,
                direction=direction,
                source_group=source_group,
                received_on=received_on,
            )
        ],
    )
    return opinion


def grouped(org, items, title) -> Problem:
    return services.group_opinions(organisation=org, actor=None, opinion_ids=[o.pk for o in items], title=title)


def forwarded(problem, responsible, category) -> Problem:
    return services.forward(
        problem=problem,
        actor=None,
        responsible=responsible,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
        category=category,
    )


def replied(problem) -> Problem:
    return services.reply(problem=problem, actor=None, text="已答复")


def rectified(problem) -> Problem:
    return services.rectify(problem=problem, actor=None, text="已整改")


@pytest.fixture
def fixture(city):
    district = city.district_a
    street = OrganisationFactory(name="甲二街道", parent=district)
    a1, a2, c = city.branch_a, city.branch_a2, city.committee_a
    pub, down, biz = "public_official", "down_up", "business_office"
    ops = {
        0: enter(a1, day(2, 28), "forum", pub, "public"),
        1: enter(a1, day(3, 1), "forum", pub, "public"),
        2: enter(a1, day(3, 5), "forum", pub, "public"),
        3: enter(a1, day(3, 6), "hotline", down, "members"),
        4: enter(c, day(3, 7), "hotline", pub, "public"),
        5: enter(a2, day(3, 8), "web", biz, "businesses"),
        6: enter(street, day(3, 10), "forum", pub, "public"),
        7: enter(street, day(3, 11), "web", pub, "public"),
        8: enter(street, day(3, 12), "hotline", down, "staff"),
        9: enter(street, day(3, 13), "forum", biz, "businesses"),
        10: enter(district, day(3, 20), "web", pub, "public"),
        11: enter(street, day(3, 25), "forum", pub, "public"),
        12: enter(a1, day(3, 31), "hotline", pub, "public"),
        13: enter(street, day(4, 1), "web", pub, "public"),
    }
    p1 = rectified(replied(forwarded(grouped(district, [ops[0], ops[1], ops[2]], "P1"), c, Category.DEADLINE)))
    services.rate_by_receipt(receipt=ops[1].receipt, verdict=Verdict.SATISFIED)
    services.rate_by_receipt(receipt=ops[2].receipt, verdict=Verdict.BASICALLY)
    services.rate_by_sample(problem=p1, actor=None, satisfied=1, basically=0, unsatisfied=1)

    p2 = rectified(replied(forwarded(grouped(district, [ops[3], ops[4]], "P2"), street, Category.AT_ONCE)))
    services.rate_by_sample(problem=p2, actor=None, satisfied=0, basically=1, unsatisfied=2)
    services.list_publicly(problem=p2, actor=None, listed=True)
    services.circulate(problem=p2, actor=None, text="通报")
    late = datetime.datetime(2025, 4, 15, 12, tzinfo=timezone.get_current_timezone())
    Problem.objects.filter(pk=p2.pk).update(deadline=day(4, 10), rectified_at=late)

    p3 = replied(forwarded(grouped(district, [ops[5], ops[6]], "P3"), city.district_b, Category.COORDINATED))
    Problem.objects.filter(pk=p3.pk).update(deadline=day(4, 1))
    assert services.escalate_overdue() == 1

    p4 = forwarded(grouped(district, [ops[7]], "P4"), c, Category.EXPLAIN)
    services.list_publicly(problem=p4, actor=None, listed=True)
    grouped(district, [ops[8], ops[9]], "P5")
    p6 = rectified(replied(forwarded(grouped(district, [ops[12]], "P6"), district, Category.AT_ONCE)))
    Problem.objects.filter(pk=p6.pk).update(deadline=None)

    # District B: counted for the city, never for district A.
    b_ops = [enter(city.branch_b, day(3, 15), "forum", pub, "public") for _ in range(3)]
    pb = rectified(replied(forwarded(grouped(city.district_b, b_ops, "PB"), city.branch_b, Category.AT_ONCE)))
    services.rate_by_sample(problem=pb, actor=None, satisfied=5, basically=0, unsatisfied=0)
    return street


def tables_of(city, organisation, start=MARCH[0], end=MARCH[1], user=None):
    return five_tables(organisation=organisation, user=user or city.secretary_a, start=start, end=end)


def test_collected_opinions(city, fixture):
    t = tables_of(city, city.district_a).collected
    assert t.total == 12  # #1–#12; #0 (02-28) and #13 (04-01) are outside, district B is elsewhere
    assert t.by_channel == {
        "forum": 5,  # 1, 2, 6, 9, 11
        "interview": 0,
        "questionnaire": 0,
        "suggestion_box": 0,
        "hotline": 4,  # 3, 4, 8, 12
        "web": 3,  # 5, 7, 10
    }
    assert t.by_direction == {"public_official": 8, "down_up": 2, "business_office": 2}  # down 3, 8; biz 5, 9
    assert t.by_source == {
        "members": 1,  # 3
        "public": 8,  # 1, 2, 4, 6, 7, 10, 11, 12
        "service_users": 0,
        "businesses": 2,  # 5, 9
        "representatives": 0,
        "staff": 1,  # 8
    }
    units = [(r.organisation_id, r.counts["opinions"]) for r in t.by_unit]
    # D itself: #10; C's subtree: 1, 2, 3, 4, 5, 12; S: 6, 7, 8, 9, 11.
    assert units == [(city.district_a.pk, 1), (city.committee_a.pk, 6), (fixture.pk, 5)]


def test_summarised_problems(city, fixture):
    t = tables_of(city, city.district_a).summarised
    assert t.problems == 6  # P1–P6; P1 counts once though #0 lies outside the period
    assert t.grouped == 10  # all but #10 and #11
    assert t.ungrouped == 2
    assert t.per_problem == 1.7  # 10 ÷ 6 = 1.67


def test_feedback(city, fixture):
    t = tables_of(city, city.district_a).fedback
    assert t.forwarded == 5  # P1, P2, P3, P4, P6 (P5 is only grouped)
    assert t.replied == 4  # P1, P2, P3, P6
    assert t.reply_rate == 80.0  # 4 ÷ 5
    assert t.forwarded_by_category == {"at_once": 2, "deadline": 1, "coordinated": 1, "explain": 1}
    assert t.replied_by_category == {"at_once": 2, "deadline": 1, "coordinated": 1, "explain": 0}
    units = [(r.organisation_id, r.counts) for r in t.by_unit]
    assert units == [
        (city.district_a.pk, {"forwarded": 1, "replied": 1}),  # P6
        (city.committee_a.pk, {"forwarded": 2, "replied": 1}),  # P1 replied, P4 not
        (fixture.pk, {"forwarded": 1, "replied": 1}),  # P2
        (None, {"forwarded": 1, "replied": 1}),  # P3, forwarded to district B
    ]


def test_rectification(city, fixture):
    t = tables_of(city, city.district_a).rectification
    assert t.rectified == 3  # P1, P2, P6
    assert t.in_progress == 2  # P3 (replied), P4 (forwarded)
    assert t.overdue == 1  # P3: deadline 2025-04-01
    assert t.escalated == 1  # P3
    assert t.with_deadline == 2  # P1, P2 (P6 has none)
    assert t.on_time == 1  # P1; P2 was rectified on 04-15 for 04-10
    assert t.on_time_rate == 50.0
    assert t.listed == 2  # P2, P4
    assert t.circulated == 1  # P2


def test_effect(city, fixture):
    t = tables_of(city, city.district_a).effect
    assert t.ratings == 7  # P1: 2 raisers + 2 sampled; P2: 3 sampled; PB is district B's
    assert t.by_verdict == {"satisfied": 2, "basically": 2, "unsatisfied": 3}
    assert t.by_source == {
        RatingSource.RAISER: {"satisfied": 1, "basically": 1, "unsatisfied": 0},
        RatingSource.SAMPLE: {"satisfied": 1, "basically": 1, "unsatisfied": 3},
    }
    assert t.satisfaction_rate == 57.1  # (2 + 2) ÷ 7
    assert t.problems_rated == 2  # P1, P2
    assert t.problems_satisfied == 1  # P1 at 75 %; P2 at 33 %


def test_the_chain_narrows_and_headline(city, fixture):
    tables = tables_of(city, city.district_a)
    assert tables.headline() == {
        "opinions": 12,
        "problems": 6,
        "forwarded": 5,
        "replied": 4,
        "rectified": 3,
        "rated": 2,
        "rated_satisfied": 1,
        "reply_rate": 80.0,
        "on_time_rate": 50.0,
        "satisfaction_rate": 57.1,
    }


def test_period_edges(city, fixture):
    inner = tables_of(city, city.district_a, day(3, 2), day(3, 30))
    assert inner.collected.total == 10  # #1 (03-01) and #12 (03-31) drop out
    assert inner.summarised.problems == 5  # P6 had only #12; P1 keeps #2
    assert inner.rectification.rectified == 2
    february = tables_of(city, city.district_a, day(2, 28), day(2, 28))
    # #0 alone; it brings P1 (and its ratings) into February too.
    assert february.collected.total == 1 and february.summarised.problems == 1
    assert february.effect.ratings == 4 and february.effect.problems_satisfied == 1
    empty = tables_of(city, city.district_a, day(1, 1), day(1, 31))
    assert empty.collected.total == 0 and empty.fedback.reply_rate is None
    assert empty.rectification.on_time_rate is None and empty.effect.satisfaction_rate is None
    assert empty.summarised.per_problem is None


def test_a_child_units_tables_and_district_b_never_mixed_in(city, fixture):
    street = tables_of(city, fixture)
    assert street.collected.total == 5  # 6, 7, 8, 9, 11
    assert street.summarised.problems == 3  # P3, P4, P5
    assert street.fedback.forwarded == 2 and street.rectification.rectified == 0
    with pytest.raises(PermissionDenied):
        tables_of(city, city.district_b)
    with pytest.raises(PermissionDenied):
        tables_of(city, city.root)
    with pytest.raises(PermissionDenied):
        tables_of(city, city.district_a, user=city.secretary_b)


def test_the_city_adds_both_districts(city, fixture):
    tables = tables_of(city, city.root, user=city.office)
    assert tables.collected.total == 15  # 12 in A, 3 in B
    assert [(r.organisation_id, r.counts["opinions"]) for r in tables.collected.by_unit] == [
        (city.district_a.pk, 12),
        (city.district_b.pk, 3),
    ]
    assert tables.summarised.problems == 7 and tables.effect.ratings == 12 and tables.effect.problems_satisfied == 2
    # PB was forwarded to 乙一支部, inside district B; P3 to district B itself.
    assert [(r.organisation_id, r.counts["forwarded"]) for r in tables.fedback.by_unit] == [
        (city.district_a.pk, 4),
        (city.district_b.pk, 2),
    ]


def test_a_campaign_narrows_to_its_opinions(city, fixture):
    from vanguard.opinions.tables import compute

    assert compute(organisation=city.district_a, start=MARCH[0], end=MARCH[1], campaign=999999).collected.total == 0
