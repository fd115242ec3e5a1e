"""Score sheets as data, letters signed by the unit and scored by the issuer, the arithmetic, the ranking."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.core import audit
from vanguard.core.testing import refused
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind
from vanguard.targets import services
from vanguard.targets.models import Letter, LetterStatus, SheetStatus, Target
from vanguard.targets.tests import factories

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def towns(city):
    """Three towns under district A, each with its own secretary."""
    made = []
    for name in ("甲镇", "乙镇", "丙镇"):
        town = OrganisationFactory(name=name, kind=Kind.GRASSROOTS_COMMITTEE, parent=city.district_a)
        town.secretary = make_user(f"sec_{town.pk}", Role.SECRETARY, town)
        made.append(town)
    return made


def test_a_sheet_is_data_and_publishes_only_when_each_part_adds_up(city):
    draft = services.define_sheet(
        actor=city.secretary_a, organisation=city.district_a, name="六定任务", meant_for="区级部门",
        parts=[{"key": "tasks", "name": "六定任务", "total": 100}],
        items=[{"part": "tasks", "title": "招商引资", "points": 60, "standard": "引资1亿元", "deadline": "12月底",
                "responsible": "分管副区长", "measures": "专班推进", "reward": "超额奖励"},
               {"part": "tasks", "title": "信访稳定", "points": 30}],
    )  # fmt: skip
    assert draft.status == SheetStatus.DRAFT and draft.items.first().standard == "引资1亿元"
    error = refused("unbalanced", services.publish_sheet, actor=city.secretary_a, sheet=draft)
    assert "90" in str(error) and "100" in str(error)
    for items, fragment in [
        ([{"part": "nope", "title": "x", "points": 100}], "Item 1"),
        ([{"part": "tasks", "title": "", "points": 100}], "Item 1"),
        ([{"part": "tasks", "title": "x", "points": 60}, {"part": "tasks", "title": "y", "points": "-40"}], "Item 2"),
        ([{"part": "tasks", "title": "x", "points": "12.34"}], "Item 1"),
    ]:
        with pytest.raises(ValidationError) as caught, translation.override("en"):
            services.define_sheet(actor=city.secretary_a, organisation=city.district_a, name="x", meant_for="y",
                                  parts=[{"key": "tasks", "name": "t", "total": 100}], items=items)  # fmt: skip
        assert fragment in str(caught.value)
    refused("forbidden", services.define_sheet, actor=city.secretary_b, organisation=city.district_a, name="z",
            meant_for="y", parts=[{"key": "a", "name": "b", "total": 1}], items=[{"part": "a", "title": "c",
            "points": 1}])  # fmt: skip


def test_letters_signed_scored_and_concluded(city, towns):
    sheet = factories.sheet(city.secretary_a, city.district_a)
    letters = factories.letters(city.secretary_a, city.district_a, towns, sheet_=sheet)
    assert [len(letter.targets.all()) for letter in letters] == [5, 5, 5]
    refused("duplicate", services.issue_letters, actor=city.secretary_a, sheet=sheet, year=TODAY.year,
            issued_by=city.district_a, units=towns[:1])  # fmt: skip
    refused("not_below", services.issue_letters, actor=city.secretary_a, sheet=sheet, year=TODAY.year,
            issued_by=city.district_a, units=[city.branch_b])  # fmt: skip
    letter = letters[0]
    town = towns[0]
    # The issuer does not sign for the unit; the unit signs.
    refused("transition_refused", services.sign, actor=city.secretary_a, letter=letter, signed_by="x")
    letter = services.sign(actor=town.secretary, letter=letter, signed_by="甲镇党委书记 王某")
    assert letter.status == LetterStatus.SIGNED
    # The unit breaks a target down to a department and a person, and shows evidence through the year.
    dept = OrganisationFactory(name="甲镇党政办支部", parent=town)
    top = letter.targets.get(item__title="班子建设")
    share = services.break_down(actor=town.secretary, target=top, text="每月一次中心组学习", department=dept)
    assert share.parent == top and share.item == top.item
    refused("outside", services.break_down, actor=town.secretary, target=top, text="x", department=city.branch_b)
    refused("forbidden", services.break_down, actor=city.secretary_a, target=top, text="x", department=dept)
    services.add_evidence(actor=town.secretary, target=top, on=TODAY, text="中心组学习12次")
    refused("forbidden", services.add_evidence, actor=city.secretary_a, target=top, on=TODAY, text="x")
    # The unit does not score itself; the issuer does, within each item's points.
    targets = {t.item.title: t for t in letter.targets.filter(parent__isnull=True)}
    given = {"班子建设": "28.5", "先进性教育活动": "40", "党风廉政建设": "25", "经济发展": "55", "社会事业": "0"}
    scores = {targets[title].pk: (value, "") for title, value in given.items()}
    refused("forbidden", services.give_scores, actor=town.secretary, letter=letter, scores=scores)
    refused("bad_score", services.give_scores, actor=city.secretary_a, letter=letter,
            scores={targets["班子建设"].pk: ("31", "")})  # fmt: skip
    refused("bad_score", services.give_scores, actor=city.secretary_a, letter=letter,
            scores={targets["班子建设"].pk: ("-1", "")})  # fmt: skip
    services.give_scores(actor=city.secretary_a, letter=letter, scores={targets["班子建设"].pk: ("28.5", "")})
    refused("transition_refused", services.conclude, actor=city.secretary_a, letter=letter)  # four unscored
    services.give_scores(actor=city.secretary_a, letter=letter, scores=scores)
    assert services.part_scores(letter) == {"party": Decimal("93.5"), "development": Decimal("55")}
    letter = services.conclude(actor=city.secretary_a, letter=letter, outcome="通报表扬")
    assert letter.status == LetterStatus.ASSESSED and letter.total == Decimal("148.5")
    refused("not_signed", services.give_scores, actor=city.secretary_a, letter=letter, scores=scores)
    refused("closed", services.break_down, actor=town.secretary, target=top, text="x", department=dept)


def conclude_with(city, letter, total_points):
    """Sign and score a letter so its total is `total_points` (spread over the items in order), then conclude."""
    unit_secretary = next(a.user for a in letter.organisation.role_assignments.all())
    services.sign(actor=unit_secretary, letter=letter, signed_by="书记")
    left = Decimal(total_points)
    scores = {}
    for target in letter.targets.filter(parent__isnull=True).select_related("item").order_by("item__order"):
        give = min(left, target.item.points)
        scores[target.pk] = (str(give), "")
        left -= give
    services.give_scores(actor=city.secretary_a, letter=letter, scores=scores)
    return services.conclude(actor=city.secretary_a, letter=letter)


def test_ranking_shares_ranks_on_equal_totals_and_leaves_out_the_unassessed(city, towns):
    sheet = factories.sheet(city.secretary_a, city.district_a)
    letters = factories.letters(city.secretary_a, city.district_a, towns, sheet_=sheet)
    fourth = OrganisationFactory(name="丁镇", kind=Kind.GRASSROOTS_COMMITTEE, parent=city.district_a)
    make_user("sec_ding", Role.SECRETARY, fourth)
    [extra] = factories.letters(city.secretary_a, city.district_a, [fourth], sheet_=sheet)
    conclude_with(city, letters[0], "180")
    conclude_with(city, letters[1], "150")
    conclude_with(city, letters[2], "180")
    ranked = services.ranking(issued_by=city.district_a, sheet=sheet, year=TODAY.year)
    assert [(rank, letter.organisation.name, letter.total) for rank, letter in ranked] == [
        (1, "丙镇", Decimal("180")), (1, "甲镇", Decimal("180")), (3, "乙镇", Decimal("150")),
    ]  # fmt: skip
    assert extra.status == LetterStatus.ISSUED


@pytest.mark.tampers_audit
def test_a_total_changed_by_sql_is_found(city, towns):
    [letter] = factories.letters(city.secretary_a, city.district_a, towns[:1])
    conclude_with(city, letter, "120")
    assert not audit.run_checks()
    Letter.objects.filter(pk=letter.pk).update(total=Decimal("199"))
    assert any("targets.letter" in problem for problem in audit.run_checks())
    Target.objects.filter(letter=letter).update(score=Decimal("0"))
