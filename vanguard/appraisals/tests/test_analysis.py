"""Self-analyses' services: versions kept, publication's audience and window, comments, the rewrite rule."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.appraisals import analysis
from vanguard.appraisals.models import AnalysisStatus, Audience, Rules, SelfAnalysis, Version
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Constituency, Kind, Medium, Satisfaction, Subject
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.models import AuditEntry
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def written(city, campaign, member=None, text="我的党性分析", actor=None):
    member = member or city.member_a
    return analysis.write_version(campaign=campaign, member=member, actor=actor or city.member_user_a, text=text)


def published(city, campaign, audience=Audience.BRANCH, start=TODAY, end=None, member=None, actor=None):
    version = written(city, campaign, member=member, actor=actor or city.branch_secretary_a)
    return analysis.publish(
        analysis=version.analysis,
        actor=city.branch_secretary_a,
        audience=audience,
        published_from=start,
        published_until=end or start + datetime.timedelta(days=6),
    )


def events_of(target) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="appraisals.selfanalysis", object_id=str(target.pk))
        .order_by("seq")
        .values_list("event", flat=True)
    )


# --- versions ------------------------------------------------------------------------------------------------------


def test_each_save_is_a_new_version_and_earlier_ones_are_kept(city, campaign):
    first = written(city, campaign, text="第一稿")
    second = written(city, campaign, text="第二稿")
    assert first.analysis_id == second.analysis_id
    assert list(Version.objects.filter(analysis=first.analysis).values_list("number", "text")) == [
        (1, "第一稿"),
        (2, "第二稿"),
    ]
    assert events_of(first.analysis) == ["appraisals.analysis.written"] * 2


def test_the_secretary_enters_a_paper_one_for_a_member(city, campaign):
    version = analysis.write_version(
        campaign=campaign, member=city.member_a, actor=city.branch_secretary_a, text="纸质材料录入"
    )
    assert version.written_by == city.branch_secretary_a
    entry = AuditEntry.objects.get(event="appraisals.analysis.written")
    assert entry.data["by"] == "branch"


def test_an_upload_is_checked(city, campaign):
    good = SimpleUploadedFile("分析.pdf", b"%PDF-1.4 content", content_type="application/pdf")
    version = analysis.write_version(campaign=campaign, member=city.member_a, actor=city.member_user_a, file=good)
    assert version.file.name.endswith(".pdf")
    bad = SimpleUploadedFile("分析.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        analysis.write_version(campaign=campaign, member=city.member_a, actor=city.member_user_a, file=bad)
    assert refused.value.code == "file_content"


@pytest.mark.parametrize("who", ["secretary_b", "supervisor_a"])
def test_others_may_not_write_for_a_member(city, campaign, who):
    with pytest.raises(ValidationError) as refused:
        written(city, campaign, actor=getattr(city, who))
    assert refused.value.code == "forbidden"
    assert not SelfAnalysis.objects.exists()


def test_another_member_may_not_write_mine(city, campaign):
    other = MemberFactory(organisation=city.branch_a, name="王丙")
    user = make_user("wang", Role.MEMBER, city.branch_a, member=other)
    with pytest.raises(ValidationError):
        written(city, campaign, actor=user)


def test_only_for_a_running_campaign_of_the_branch(city):
    elsewhere = make_campaign(city.district_b)
    with pytest.raises(ValidationError) as refused:
        written(city, elsewhere)
    assert refused.value.code == "campaign"


def test_a_published_version_cannot_be_changed(city, campaign):
    made = published(city, campaign)
    with pytest.raises(ValidationError) as refused:
        written(city, campaign)
    assert refused.value.code == "not_writable"
    assert made.versions.count() == 1


# --- publication ---------------------------------------------------------------------------------------------------


@pytest.fixture
def readers(city):
    """A member with an account in the same branch, in the sibling branch of the same unit, and in district B."""
    made = {}
    for name, branch in (("same", city.branch_a), ("unit", city.branch_a2), ("other", city.branch_b)):
        made[name] = make_user(name, Role.MEMBER, branch, member=MemberFactory(organisation=branch, name=name))
    return made


@pytest.mark.parametrize(
    "audience, expected",
    [
        (Audience.BRANCH, {"same"}),
        (Audience.UNIT, {"same", "unit"}),
        (Audience.PUBLIC, {"same", "unit", "other"}),
    ],
)
def test_the_audience_decides_who_reads(city, campaign, readers, audience, expected):
    made = published(city, campaign, audience=audience)
    reading = {name for name, user in readers.items() if analysis.readable(user).filter(pk=made.pk).exists()}
    assert reading == expected
    commenting = {name for name, user in readers.items() if analysis.may_comment(user, made)}
    assert commenting == expected


def test_only_within_the_window(city, campaign, readers):
    made = published(city, campaign, start=TODAY + datetime.timedelta(days=1))
    same = readers["same"]
    assert not analysis.readable(same).filter(pk=made.pk).exists()
    assert analysis.readable(same, today=TODAY + datetime.timedelta(days=1)).filter(pk=made.pk).exists()
    assert analysis.readable(same, today=TODAY + datetime.timedelta(days=7)).filter(pk=made.pk).exists()
    assert not analysis.readable(same, today=TODAY + datetime.timedelta(days=8)).filter(pk=made.pk).exists()
    with pytest.raises(ValidationError):
        analysis.add_comment(analysis=made, text="还没开始", actor=same)


def test_a_draft_is_read_only_by_its_member_and_the_branch(city, campaign, readers):
    made = written(city, campaign).analysis
    assert analysis.readable(city.member_user_a).filter(pk=made.pk).exists()
    assert analysis.readable(city.branch_secretary_a).filter(pk=made.pk).exists()
    assert analysis.readable(city.supervisor_a).filter(pk=made.pk).exists()
    for user in (*readers.values(), city.secretary_b):
        assert not analysis.readable(user).filter(pk=made.pk).exists()


def test_publishing_is_the_branchs_and_audited(city, campaign):
    made = written(city, campaign).analysis
    with pytest.raises(ValidationError):
        analysis.publish(
            analysis=made, actor=city.member_user_a, audience="public", published_from=TODAY, published_until=TODAY
        )
    with pytest.raises(ValidationError) as refused:
        analysis.publish(
            analysis=made,
            actor=city.branch_secretary_a,
            audience="public",
            published_from=TODAY,
            published_until=TODAY - datetime.timedelta(days=1),
        )
    assert refused.value.code == "window"
    analysis.publish(
        analysis=made, actor=city.branch_secretary_a, audience="unit", published_from=TODAY, published_until=TODAY
    )
    made.refresh_from_db()
    assert (made.status, made.audience) == (AnalysisStatus.PUBLISHED, Audience.UNIT)
    assert events_of(made)[-1] == "appraisals.analysis.published"


# --- comments ------------------------------------------------------------------------------------------------------


def test_comments_by_readers_and_by_the_public(city, campaign, readers):
    made = published(city, campaign, audience=Audience.PUBLIC)
    analysis.add_comment(analysis=made, text="联系实际不够", actor=readers["same"])
    analysis.add_comment(analysis=made, text="群众的意见", name="")
    assert list(made.versions.get().comments.values_list("text", "author", "name")) == [
        ("联系实际不够", readers["same"].pk, ""),
        ("群众的意见", None, ""),
    ]
    assert events_of(made)[-2:] == ["appraisals.analysis.commented"] * 2
    with pytest.raises(ValidationError):
        analysis.add_comment(analysis=made, text="自己评自己", actor=city.member_user_a)


def test_the_public_cannot_comment_on_a_branch_publication(city, campaign):
    made = published(city, campaign, audience=Audience.BRANCH)
    with pytest.raises(ValidationError) as refused:
        analysis.add_comment(analysis=made, text="路人", name="路人")
    assert refused.value.code == "not_public"


# --- rating and the rewrite rule -----------------------------------------------------------------------------------


def vote(ballot, answers: list[str]):
    codes = ballot_services.issue_tokens(
        ballot=ballot, actor=None, count=len(answers), medium=Medium.SHEET, constituency=Constituency.MEMBERS
    )
    for code, answer in zip(codes, answers, strict=True):
        ballot_services.cast(ballot=ballot, code=code, answers={ballot.questions[0]["key"]: answer} if answer else {})


def rating_ballot(city, campaign):
    today = timezone.localdate()
    return analysis.create_rating_ballot(
        campaign=campaign, organisation=city.branch_a, actor=city.branch_secretary_a, opens_on=today, closes_on=today
    )


def rate(city, campaign, answers: list[str]) -> SelfAnalysis:
    ballot = rating_ballot(city, campaign)
    ballot = ballot_services.open_ballot(ballot=ballot, actor=city.branch_secretary_a)
    vote(ballot, answers)
    ballot_services.close_ballot(ballot=ballot, actor=city.branch_secretary_a)
    return SelfAnalysis.objects.get()


S, B, D = Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.DISSATISFIED
SEVENTY = [S] * 5 + [B] * 2 + [D] * 3  # 70% counting 基本满意, 50% without


def test_the_ballot_asks_one_question_per_published_version(city, campaign):
    made = published(city, campaign)
    other = MemberFactory(organisation=city.branch_a, name="王丙")
    written(city, campaign, member=other, actor=city.branch_secretary_a)  # not published: not rated
    ballot = rating_ballot(city, campaign)
    version = made.versions.get()
    assert ballot.kind == Kind.SATISFACTION and ballot.campaign == campaign
    assert [(q["subject"], q["subject_id"], q["kind"]) for q in ballot.questions] == [
        (Subject.SELF_ANALYSIS, version.pk, "satisfaction")
    ]
    assert (ballot.threshold, ballot.count_basically) == (70, True)
    with pytest.raises(ValidationError) as refused:  # already on a ballot
        rating_ballot(city, campaign)
    assert refused.value.code == "nothing"


@pytest.mark.parametrize(
    "threshold, status",
    [("69.99", AnalysisStatus.ACCEPTED), ("70", AnalysisStatus.ACCEPTED), ("70.01", AnalysisStatus.REWRITE)],
)
def test_rewrite_at_the_threshold(city, campaign, threshold, status):
    """A rate of exactly 70.00 against thresholds either side of it: only below the threshold returns."""
    Rules.objects.create(campaign=campaign, threshold=Decimal(threshold))
    published(city, campaign)
    made = rate(city, campaign, [S] * 7 + [D] * 3)
    assert made.status == status
    assert made.rating == Decimal("70.00")
    assert made.versions.get().rating == Decimal("70.00")
    expected = "appraisals.analysis.returned" if status == AnalysisStatus.REWRITE else "appraisals.analysis.accepted"
    assert events_of(made)[-2:] == ["appraisals.analysis.rated", expected]


@pytest.mark.parametrize(
    "hits, valid, below",
    [(6999, 10000, True), (7000, 10000, False), (7001, 10000, False), (2, 3, True), (7, 10, False)],
)
def test_below_is_exact_at_69_99_70_70_01(hits, valid, below):
    assert analysis.is_below(hits, valid, Decimal(70)) is below


@pytest.mark.parametrize("count_basically, status, rating", [(True, "accepted", "70.00"), (False, "rewrite", "50.00")])
def test_counting_basically_satisfied(city, campaign, count_basically, status, rating):
    Rules.objects.create(campaign=campaign, count_basically=count_basically)
    published(city, campaign)
    made = rate(city, campaign, SEVENTY)
    assert (made.status, made.rating) == (status, Decimal(rating))


def test_without_the_rewrite_rule_a_low_rate_is_recorded_but_not_returned(city, campaign):
    Rules.objects.create(campaign=campaign, rewrite_below_threshold=False)
    published(city, campaign)
    made = rate(city, campaign, [D] * 9 + [S])
    assert (made.status, made.rating) == (AnalysisStatus.ACCEPTED, Decimal("10.00"))


def test_unanswered_leaves_it_unrated_for_another_ballot(city, campaign):
    published(city, campaign)
    made = rate(city, campaign, ["", ""])
    assert (made.status, made.rating) == (AnalysisStatus.PUBLISHED, None)
    assert rating_ballot(city, campaign)


def test_a_rewrite_is_helped_published_and_rated_again(city, campaign):
    published(city, campaign)
    made = rate(city, campaign, [D] * 6 + [S] * 4)
    assert (made.status, made.rating) == (AnalysisStatus.REWRITE, Decimal("40.00"))
    helper = MemberFactory(organisation=city.branch_a, name="帮扶人")
    analysis.assign_helper(analysis=made, actor=city.branch_secretary_a, helper=helper)
    with pytest.raises(ValidationError) as refused:  # the rated version cannot be published again
        analysis.publish(
            analysis=made, actor=city.branch_secretary_a, audience="branch", published_from=TODAY, published_until=TODAY
        )
    assert refused.value.code == "no_version"
    second = written(city, campaign, text="重写的第二稿")
    assert second.number == 2
    analysis.publish(
        analysis=made, actor=city.branch_secretary_a, audience="branch", published_from=TODAY, published_until=TODAY
    )
    made = rate(city, campaign, [S] * 8 + [D] * 2)
    assert (made.status, made.rating, made.helper) == (AnalysisStatus.ACCEPTED, Decimal("80.00"), helper)
    assert list(made.versions.values_list("number", "rating")) == [(1, Decimal("40.00")), (2, Decimal("80.00"))]
    assert "appraisals.analysis.helper" in events_of(made)


def test_the_helper_is_of_the_same_branch(city, campaign):
    made = written(city, campaign).analysis
    with pytest.raises(ValidationError):
        analysis.assign_helper(analysis=made, actor=city.branch_secretary_a, helper=city.member_b)
    with pytest.raises(ValidationError):
        analysis.assign_helper(analysis=made, actor=city.branch_secretary_a, helper=city.member_a)


def test_a_read_only_role_reads_but_does_not_comment(city, campaign):
    made = published(city, campaign, audience=Audience.BRANCH)
    assert analysis.readable(city.supervisor_a).filter(pk=made.pk).exists()
    assert not analysis.may_comment(city.supervisor_a, made)
    assert analysis.may_comment(city.branch_secretary_a, made)
