"""Weak-organisation screening (DOMAIN §6): the composite, ranks, the bottom share, criteria, appraisal from ballots,
the assessment from above one at a time and from a workbook."""

from __future__ import annotations

from decimal import Decimal

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError

from vanguard.appraisals import events
from vanguard.appraisals import screening as logic
from vanguard.appraisals.models import Rules, Screening, ScreeningEntry, UpperAssessment
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Constituency
from vanguard.ballots.tests.factories import ballot, codes, vote
from vanguard.campaigns.tests.factories import make_campaign, unit_of
from vanguard.core.models import AuditEntry
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind, Organisation

D = Decimal
WEIGHTS = {"members": D("0.4"), "public": D("0.3"), "upper": D("0.3")}


# --- arithmetic ----------------------------------------------------------------------------------------------------


def test_composite_of_all_three_components():
    assert logic.composite({"members": D(80), "public": D(60), "upper": D(90)}, WEIGHTS) == D("77.00")


def test_composite_renormalises_over_the_components_present():
    # (0.4·80 + 0.3·60) / 0.7 = 71.428…
    assert logic.composite({"members": D(80), "public": None, "upper": D(60)}, WEIGHTS) == D("71.43")
    # One component alone is the composite, whatever its weight.
    assert logic.composite({"members": None, "public": D("55.5"), "upper": None}, WEIGHTS) == D("55.50")
    assert logic.composite({"members": None, "public": None, "upper": None}, WEIGHTS) is None


def test_a_component_weighted_zero_does_not_count():
    weights = {**WEIGHTS, "upper": D(0)}
    assert logic.composite({"members": D(80), "public": D(60), "upper": D(0)}, weights) == D("71.43")
    assert logic.composite({"members": None, "public": None, "upper": D(40)}, weights) is None


def test_rules_defaults_as_floats_are_read_exactly():
    # An unsaved Rules row holds 0.05 as a float; 0.05 × 20 must take one, not two.
    assert logic.cut_size(Rules().bottom_share, 20) == 1


def test_ranks_from_the_lowest_with_ties_sharing_a_rank():
    assert logic.ranks([D(50), D(40), D(50), None, D(30), D(60)]) == [3, 2, 3, None, 1, 5]
    assert logic.ranks([None, None]) == [None, None]


@pytest.mark.parametrize(
    ("share", "ranked", "cut"),
    [
        ("0.05", 0, 0),  # nothing ranked, nothing flagged
        ("0.05", 1, 1),  # at least one
        ("0.05", 10, 1),  # 0.5 → 1
        ("0.05", 20, 1),  # exactly 1
        ("0.05", 21, 2),  # 1.05: not fewer than the share, so 2
        ("0.05", 40, 2),
        ("0.10", 35, 4),  # 3.5 → 4
        ("0", 12, 1),  # a share of nothing still flags one
        ("1", 7, 7),
    ],
)
def test_bottom_share_rounds_up_and_flags_at_least_one(share, ranked, cut):
    assert logic.cut_size(D(share), ranked) == cut


def test_ties_at_the_cut_are_all_flagged():
    flags, edge = logic.flagged([D(20), D(10), None, D(10), D(30)], 1)
    assert flags == [False, True, False, True, False]
    assert edge == D(10)
    flags, edge = logic.flagged([D(20), D(10), D(15)], 2)
    assert flags == [False, True, True] and edge == D(15)


# --- scoring a level, without the database -------------------------------------------------------------------------


def _org(pk: int) -> Organisation:
    return Organisation(pk=pk, name=f"支部{pk}", kind=Kind.BRANCH, path=f"{pk:09d}")


def _pools(members: tuple[int, int] | None = None, public: tuple[int, int] | None = None) -> dict:
    made = {}
    for name, counts in (("members", members), ("public", public)):
        if counts:
            made[name] = logic.Pool(hits=counts[0], valid=counts[1], ballots={1})
    return made


def test_scoring_a_level_flags_the_lowest_with_its_criteria():
    rules = Rules(bottom_share=D("0.25"), threshold=D(70))
    orgs = [_org(n) for n in range(1, 6)]
    scored = logic.score_organisations(
        organisations=orgs,
        pools={
            1: _pools(members=(9, 10), public=(8, 10)),  # 90, 80
            2: _pools(members=(6, 10)),  # 60, public missing
            3: _pools(public=(7, 10)),  # 70
            5: _pools(members=(10, 10), public=(10, 10)),
        },
        upper={1: D(85), 2: D(50), 4: D(95)},
        rules=rules,
    )
    by_pk = {s.organisation.pk: s for s in scored}
    # 2: (0.4·60 + 0.3·50)/0.7 = 55.71; 3: 70; 4: 95; 1: (36+24+25.5)=85.5; 5: (40+30)/0.7 = 100
    assert [by_pk[n].composite for n in (1, 2, 3, 4, 5)] == [
        D("85.50"),
        D("55.71"),
        D("70.00"),
        D("95.00"),
        D("100.00"),
    ]
    assert [by_pk[n].rank for n in (1, 2, 3, 4, 5)] == [3, 1, 2, 4, 5]
    # 0.25 × 5 = 1.25 → 2 flagged: the two lowest.
    assert {s.organisation.pk for s in scored if s.flagged} == {2, 3}
    criteria = {c["criterion"]: c for c in by_pk[2].criteria}
    assert criteria["rank"] == {"criterion": "rank", "value": 1, "of": 5}
    assert criteria["bottom_share"] == {"criterion": "bottom_share", "value": 0.25, "cut": 2, "of": 5}
    assert criteria["composite"]["components"] == ["members", "upper"]
    assert criteria["composite"]["missing"] == ["public"]
    assert criteria["members"] == {
        "criterion": "members",
        "value": 60.0,
        "weight": round(0.4 / 0.7, 4),
        "hits": 6,
        "valid": 10,
        "ballots": 1,
    }
    assert criteria["upper"] == {"criterion": "upper", "value": 50.0, "weight": round(0.3 / 0.7, 4)}
    below = [c for c in by_pk[2].criteria if c["criterion"] == "below_threshold"]
    assert below == [
        {"criterion": "below_threshold", "component": "members", "value": 60.0, "threshold": 70.0},
        {"criterion": "below_threshold", "component": "upper", "value": 50.0, "threshold": 70.0},
    ]
    # 70 is not below 70; no tie at the cut.
    assert not [c for c in by_pk[3].criteria if c["criterion"] in ("below_threshold", "tied_at_cut")]
    assert by_pk[4].criteria == [] and not by_pk[4].flagged
    # Every criterion is worded for the page.
    assert all(logic.describe(c) for c in by_pk[2].criteria)


def test_no_data_is_not_ranked_and_ties_at_the_cut_say_so():
    rules = Rules(bottom_share=D("0.05"))
    scored = logic.score_organisations(
        organisations=[_org(n) for n in range(1, 5)],
        pools={},
        upper={1: D(40), 2: D(40), 3: D(80)},
        rules=rules,
    )
    by_pk = {s.organisation.pk: s for s in scored}
    assert by_pk[4].composite is None and by_pk[4].rank is None and not by_pk[4].flagged
    assert [by_pk[n].rank for n in (1, 2, 3)] == [1, 1, 3]
    assert by_pk[1].flagged and by_pk[2].flagged and not by_pk[3].flagged
    tie = [c for c in by_pk[1].criteria if c["criterion"] == "tied_at_cut"]
    assert tie == [{"criterion": "tied_at_cut", "value": 40.0, "cut": 1, "flagged": 2}]
    assert {"criterion": "rank", "value": 1, "of": 3} in by_pk[2].criteria


def test_nothing_ranked_flags_nothing():
    scored = logic.score_organisations(organisations=[_org(1), _org(2)], pools={}, upper={}, rules=Rules())
    assert [(s.rank, s.flagged, s.criteria) for s in scored] == [(None, False, []), (None, False, [])]


# --- appraisal from ballots ----------------------------------------------------------------------------------------


def _rating(campaign, holder, questions, votes):
    """A closed ballot of the campaign with `questions`; votes: [(constituency, {key: answer}), …]."""
    made = ballot(holder, campaign=campaign, questions=questions)
    for constituency, answers in votes:
        (code,) = codes(made, 1, constituency)
        vote(made, code, **answers)
    return ballot_services.close_ballot(ballot=made, actor=None)


def _question(key, subject, subject_id):
    return {"key": key, "kind": "satisfaction", "label": "满意吗", "subject": subject, "subject_id": subject_id}


M, P = Constituency.MEMBERS, Constituency.PUBLIC
S, B, X = "satisfied", "basically_satisfied", "dissatisfied"


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def test_appraisal_pools_ballots_by_team_and_unit(city, campaign):
    unit_a = unit_of(campaign, city.branch_a)
    _rating(
        campaign,
        city.district_a,
        [_question("t", "team", city.branch_a.pk), _question("u", "unit", unit_of(campaign, city.branch_a2).pk)],
        [(M, {"t": S, "u": X}), (M, {"t": X, "u": X}), (P, {"t": B}), (P, {"t": X, "u": S})],
    )
    # A second ballot on branch A through its unit: pooled by summing hits and valid ballots.
    _rating(campaign, city.committee_a, [_question("q", "unit", unit_a.pk)], [(M, {"q": S}), (M, {"q": S})])
    # Not counted: an open ballot, another campaign's ballot, a question on a member.
    ballot(city.district_a, campaign=campaign, questions=[_question("t", "team", city.branch_a.pk)])
    other = make_campaign(city.district_a, name="另一活动")
    _rating(other, city.district_a, [_question("t", "team", city.branch_a.pk)], [(M, {"t": X})])
    _rating(campaign, city.district_a, [_question("m", "member", city.branch_a.pk)], [(M, {"m": X})])

    pools = logic.appraisal_pools(campaign, [city.branch_a.pk, city.branch_a2.pk, city.branch_b.pk])
    a, a2 = pools[city.branch_a.pk], pools[city.branch_a2.pk]
    assert (a["members"].hits, a["members"].valid, len(a["members"].ballots)) == (3, 4, 2)
    assert a["members"].rate == D("75.00")
    assert (a["public"].hits, a["public"].valid) == (1, 2)
    assert (a2["members"].hits, a2["members"].valid) == (0, 2)
    assert (a2["public"].hits, a2["public"].valid) == (1, 1)
    assert city.branch_b.pk not in pools


def test_run_screening_stores_entries_and_audits(city, campaign):
    OrganisationFactory(name="甲三支部", parent=city.committee_a)  # no data at all
    Rules.objects.create(campaign=campaign, bottom_share=D("0.2"))
    _rating(
        campaign,
        city.district_a,
        [_question("t", "team", city.branch_a.pk)],
        [(M, {"t": S}), (M, {"t": X}), (P, {"t": X})],
    )
    logic.record_assessment(campaign=campaign, organisation=city.branch_a2, actor=city.secretary_a, score="88")
    logic.record_assessment(campaign=campaign, organisation=city.branch_b, actor=city.office, score=75)

    run = logic.run_screening(campaign=campaign, organisation=city.root, level=Kind.BRANCH, actor=city.office)

    entries = {e.organisation.name: e for e in ScreeningEntry.objects.filter(screening=run)}
    assert set(entries) == {"甲一支部", "甲二支部", "乙一支部", "甲三支部"}
    a = entries["甲一支部"]
    assert (a.members_rate, a.public_rate, a.upper_score) == (D("50.00"), D("0.00"), None)
    assert a.composite == D("28.57")  # (0.4·50 + 0.3·0) / 0.7
    assert (a.rank, a.flagged) == (1, True)
    assert entries["甲三支部"].composite is None and entries["甲三支部"].rank is None
    assert [entries[n].rank for n in ("乙一支部", "甲二支部")] == [2, 3]
    assert not entries["乙一支部"].flagged  # 0.2 × 3 = 0.6 → 1
    entry = AuditEntry.objects.get(event=events.SCREENING_RUN)
    assert entry.data["ranked"] == 3 and entry.data["flagged"] == 1 and entry.data["level"] == "branch"
    assert Screening.objects.get().org_path == city.root.path


def test_run_screening_is_refused_outside_the_actors_scope(city, campaign):
    with pytest.raises(ValidationError) as refused:
        logic.run_screening(campaign=campaign, organisation=city.district_b, level=Kind.BRANCH, actor=city.secretary_a)
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError) as refused:
        logic.run_screening(campaign=campaign, organisation=city.district_a, level=Kind.BRANCH, actor=city.supervisor_a)
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError) as refused:
        logic.run_screening(campaign=campaign, organisation=city.district_a, level=Kind.GROUP, actor=city.office)
    assert refused.value.code == "empty"
    assert not Screening.objects.exists()


# --- the assessment from above -------------------------------------------------------------------------------------


def test_only_the_organisation_above_assesses(city, campaign):
    # The branch's own secretary may not score their branch; the district (above its committee) may.
    with pytest.raises(ValidationError) as refused:
        logic.record_assessment(campaign=campaign, organisation=city.branch_a, actor=city.branch_secretary_a, score=90)
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError):
        logic.record_assessment(campaign=campaign, organisation=city.branch_b, actor=city.secretary_a, score=90)
    # A district's secretary may not score the district itself: the city is above it.
    with pytest.raises(ValidationError):
        logic.record_assessment(campaign=campaign, organisation=city.district_a, actor=city.secretary_a, score=90)
    with pytest.raises(ValidationError) as refused:
        logic.record_assessment(campaign=campaign, organisation=city.root, actor=city.office, score=90)
    assert refused.value.code == "no_parent"
    assert not UpperAssessment.objects.exists()

    made = logic.record_assessment(
        campaign=campaign, organisation=city.branch_a, actor=city.secretary_a, score="61.5", note="班子不团结"
    )
    assert (made.score, made.org_path, made.assessed_by) == (D("61.50"), city.branch_a.path, city.secretary_a)
    logic.record_assessment(
        campaign=campaign, organisation=city.branch_a, actor=city.office, score=70, note="班子不团结"
    )
    audit = list(AuditEntry.objects.filter(event=events.UPPER_ASSESSED).order_by("seq"))
    assert [a.changes for a in audit] == [
        {"score": [None, "61.50"], "note": ["", "班子不团结"]},
        {"score": ["61.50", "70.00"]},
    ]
    assert UpperAssessment.objects.get().score == D(70)


@pytest.mark.parametrize(
    ("score", "code"),
    [("101", "out_of_range"), ("-1", "out_of_range"), ("88.555", "too_precise"), ("好", "not_number")],
)
def test_scores_out_of_range_are_refused(city, campaign, score, code):
    with pytest.raises(ValidationError) as refused:
        logic.record_assessment(campaign=campaign, organisation=city.branch_a, actor=city.office, score=score)
    assert refused.value.code == code


def _workbook(tmp_path, rows, header=("组织代码", "组织名称", "得分", "备注")):
    path = tmp_path / "scores.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["2026年上级评价"])  # a title row above the header, as offices make them
    sheet.write_row(1, 0, header)
    for number, row in enumerate(rows, start=2):
        sheet.write_row(number, 0, row)
    book.close()
    return path


def test_upload_names_every_bad_row_and_stores_nothing(city, campaign, tmp_path):
    outside = city.branch_b.code
    path = _workbook(
        tmp_path,
        [
            (city.branch_a.code, "甲一支部", 80, "好"),  # row 3: good
            ("", "无代码", 70, ""),  # row 4: no code
            ("999999", "不存在", 70, ""),  # row 5: unknown code
            (outside, "乙一支部", 70, ""),  # row 6: outside the secretary's scope: reads as unknown
            (city.branch_a2.code, "甲二支部", 101, ""),  # row 7: out of range
            (city.branch_a.code, "甲一支部", 60, ""),  # row 8: code repeated
            (city.committee_a.code, "甲街道党工委", "很好", ""),  # row 9: not a number
            (city.district_a.code, "甲区委", 90, ""),  # row 10: the district is not below the secretary
        ],
    )
    with pytest.raises(logic.AssessmentsRefused) as refused:
        logic.import_assessments(campaign=campaign, actor=city.secretary_a, path=path)
    problems = [(p.row, p.column.split(" · ")[0], p.message) for p in refused.value.problems]
    assert [(row, column) for row, column, _message in problems] == [
        (4, "A"),
        (5, "A"),
        (6, "A"),
        (7, "C"),
        (8, "A"),
        (9, "C"),
        (10, "A"),
    ]
    # Out of scope and unknown read alike: the upload reveals nothing about other subtrees.
    assert problems[2][2] == problems[1][2].replace("999999", outside)
    assert "3" in problems[4][2]  # the row the code was first seen in
    assert not UpperAssessment.objects.exists()
    assert not AuditEntry.objects.filter(event=events.UPPER_ASSESSED).exists()


def test_upload_without_the_columns_or_rows_is_refused(city, campaign, tmp_path):
    no_score = _workbook(
        tmp_path, [(city.branch_a.code, "甲一支部", "", "")], header=("组织代码", "组织名称", "x", "备注")
    )
    with pytest.raises(logic.AssessmentsRefused) as refused:
        logic.import_assessments(campaign=campaign, actor=city.office, path=no_score)
    assert refused.value.problems[0].row == 2
    empty = _workbook(tmp_path, [])
    with pytest.raises(logic.AssessmentsRefused) as refused:
        logic.import_assessments(campaign=campaign, actor=city.office, path=empty)
    assert refused.value.problems[0].row == 0


def test_upload_records_all_rows_and_audits_each(city, campaign, tmp_path):
    logic.record_assessment(campaign=campaign, organisation=city.branch_a, actor=city.office, score=50)
    path = _workbook(
        tmp_path,
        [
            (city.branch_a.code, "甲一支部", 80, "有改进"),
            (city.branch_a2.code, "甲二支部", "66.5", ""),
            (city.committee_a.code, "甲街道党工委", 90, ""),
        ],
    )
    done = logic.import_assessments(campaign=campaign, actor=city.secretary_a, path=path)
    assert (done.created, done.changed, done.unchanged) == (2, 1, 0)
    scores = dict(UpperAssessment.objects.values_list("organisation__name", "score"))
    assert scores == {"甲一支部": D(80), "甲二支部": D("66.5"), "甲街道党工委": D(90)}
    audit = AuditEntry.objects.filter(event=events.UPPER_ASSESSED).exclude(changes={"score": [None, "50.00"]})
    assert audit.count() == 3
    assert {entry.object_id for entry in audit} == {
        str(pk) for pk in UpperAssessment.objects.values_list("pk", flat=True)
    }
    # The same file again changes nothing and writes no entry.
    again = logic.import_assessments(campaign=campaign, actor=city.secretary_a, path=path)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.filter(event=events.UPPER_ASSESSED).count() == 4
