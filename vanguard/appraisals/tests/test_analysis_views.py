"""Self-analysis pages: a member's own, the branch's list, one self-analysis, its forms, and the public page."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.appraisals import analysis
from vanguard.appraisals.models import AnalysisStatus, Audience, Comment, SelfAnalysis, Version
from vanguard.ballots.models import Ballot, Subject
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


@pytest.fixture
def readers(city):
    made = {}
    for name, branch in (("same", city.branch_a), ("unit", city.branch_a2), ("other", city.branch_b)):
        made[name] = make_user(name, Role.MEMBER, branch, member=MemberFactory(organisation=branch, name=f"读者{name}"))
    return made


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def make(city, campaign, text="我的党性分析材料", audience=None, start=TODAY, end=None):
    version = analysis.write_version(campaign=campaign, member=city.member_a, actor=city.member_user_a, text=text)
    if audience:
        analysis.publish(
            analysis=version.analysis,
            actor=city.branch_secretary_a,
            audience=audience,
            published_from=start,
            published_until=end or start + 6 * DAY,
        )
    return SelfAnalysis.objects.get(pk=version.analysis_id)


# --- writing -------------------------------------------------------------------------------------------------------


def test_a_member_writes_theirs_and_every_save_is_kept(client, city, campaign):
    login(client, city.member_user_a)
    response = client.get(reverse("appraisals:analysis_mine"))
    assert response.status_code == 200 and campaign.name in response.content.decode()
    response = client.post(reverse("appraisals:analysis_mine"), {"campaign": campaign.pk, "text": "第一稿"})
    item = SelfAnalysis.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("appraisals:analysis_detail", args=[item.pk])
    response = client.post(reverse("appraisals:analysis_write", args=[item.pk]), {"text": "第二稿"})
    assert response.status_code == 302
    assert list(item.versions.values_list("number", "text")) == [(1, "第一稿"), (2, "第二稿")]
    page = client.get(reverse("appraisals:analysis_detail", args=[item.pk])).content.decode()
    assert "第一稿" in page and "第二稿" in page


def test_an_empty_version_is_refused(client, city, campaign):
    login(client, city.member_user_a)
    response = client.post(reverse("appraisals:analysis_mine"), {"campaign": campaign.pk, "text": "  "})
    assert response.status_code == 400
    assert not SelfAnalysis.objects.exists()


def test_the_secretary_enters_one_from_paper_with_a_file(client, city, campaign, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    login(client, city.branch_secretary_a)
    upload = SimpleUploadedFile("纸质.pdf", b"%PDF-1.4 paper", content_type="application/pdf")
    response = client.post(
        reverse("appraisals:analysis_enter", args=[city.member_a.pk]), {"campaign": campaign.pk, "file": upload}
    )
    assert response.status_code == 302
    version = Version.objects.get()
    assert version.written_by == city.branch_secretary_a and version.file
    url = reverse("appraisals:analysis_file", args=[version.analysis_id])
    download = client.get(url, {"version": 1})
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 paper"
    # The member reads their own file; a fellow member of the branch does not while it is unpublished.
    assert login(client, city.member_user_a).get(url, {"version": 1}).status_code == 200
    fellow = make_user("fellow", Role.MEMBER, city.branch_a, member=MemberFactory(organisation=city.branch_a))
    assert login(client, fellow).get(url, {"version": 1}).status_code == 404


@pytest.mark.parametrize("who", ["supervisor_a", "secretary_b", "member_user_a"])
def test_only_the_branchs_side_enters_from_paper(client, city, campaign, who):
    login(client, getattr(city, who))
    response = client.post(
        reverse("appraisals:analysis_enter", args=[city.member_a.pk]), {"campaign": campaign.pk, "text": "代录"}
    )
    assert response.status_code == 404
    assert not SelfAnalysis.objects.exists()


# --- reading and scope ---------------------------------------------------------------------------------------------


def test_a_member_sees_only_their_own_outside_publication(client, city, campaign, readers):
    item = make(city, campaign)
    url = reverse("appraisals:analysis_detail", args=[item.pk])
    assert login(client, city.member_user_a).get(url).status_code == 200
    for user in (*readers.values(), city.secretary_b):
        assert login(client, user).get(url).status_code == 404
    assert login(client, city.supervisor_a).get(url).status_code == 200


@pytest.mark.parametrize(
    "audience, allowed", [(Audience.BRANCH, {"same"}), (Audience.UNIT, {"same", "unit"}), (Audience.PUBLIC, None)]
)
def test_publication_opens_it_to_its_audience_during_the_window(client, city, campaign, readers, audience, allowed):
    allowed = allowed or set(readers)
    item = make(city, campaign, audience=audience)
    url = reverse("appraisals:analysis_detail", args=[item.pk])
    for name, user in readers.items():
        response = login(client, user).get(url)
        assert response.status_code == (200 if name in allowed else 404), name
        if response.status_code == 200:
            assert "我的党性分析材料" in response.content.decode()
            assert f'action="{reverse("appraisals:analysis_comment", args=[item.pk])}"' in response.content.decode()


def test_not_before_nor_after_the_window(client, city, campaign, readers):
    item = make(city, campaign, audience=Audience.BRANCH, start=TODAY + DAY)
    url = reverse("appraisals:analysis_detail", args=[item.pk])
    assert login(client, readers["same"]).get(url).status_code == 404
    SelfAnalysis.objects.filter(pk=item.pk).update(published_from=TODAY - 8 * DAY, published_until=TODAY - DAY)
    assert login(client, readers["same"]).get(url).status_code == 404
    response = client.post(reverse("appraisals:analysis_comment", args=[item.pk]), {"text": "过期了"})
    assert response.status_code == 404 and not Comment.objects.exists()


def test_a_reader_sees_the_published_version_only_and_no_comments(client, city, campaign, readers):
    item = make(city, campaign, text="旧稿", audience=Audience.BRANCH)
    version = item.versions.get()
    Version.objects.filter(pk=version.pk).update(rating=50)
    SelfAnalysis.objects.filter(pk=item.pk).update(status=AnalysisStatus.REWRITE)
    analysis.write_version(campaign=campaign, member=city.member_a, actor=city.member_user_a, text="新稿")
    analysis.publish(
        analysis=item, actor=city.branch_secretary_a, audience="branch", published_from=TODAY, published_until=TODAY
    )
    Comment.objects.create(version=version, text="秘密的意见")
    page = login(client, readers["same"]).get(reverse("appraisals:analysis_detail", args=[item.pk])).content.decode()
    assert "新稿" in page and "旧稿" not in page and "秘密的意见" not in page and "50.00" not in page
    branch = login(client, city.branch_secretary_a).get(reverse("appraisals:analysis_detail", args=[item.pk]))
    assert all(text in branch.content.decode() for text in ("新稿", "旧稿", "秘密的意见", "50.00"))


def test_comments_reach_the_branch(client, city, campaign, readers):
    item = make(city, campaign, audience=Audience.UNIT)
    response = login(client, readers["unit"]).post(
        reverse("appraisals:analysis_comment", args=[item.pk]), {"text": "希望更联系实际"}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.author == readers["unit"]
    for user in (city.branch_secretary_a, city.member_user_a):
        assert (
            "希望更联系实际"
            in login(client, user).get(reverse("appraisals:analysis_detail", args=[item.pk])).content.decode()
        )
    assert (
        "希望更联系实际"
        not in login(client, readers["same"])
        .get(reverse("appraisals:analysis_detail", args=[item.pk]))
        .content.decode()
    )


def test_the_branch_list_shows_status_and_rating(client, city, campaign):
    item = make(city, campaign, audience=Audience.BRANCH)
    SelfAnalysis.objects.filter(pk=item.pk).update(rating="66.67", status=AnalysisStatus.REWRITE)
    MemberFactory(organisation=city.branch_a, name="未写者")
    url = reverse("appraisals:analysis_branch", args=[city.branch_a.pk])
    page = login(client, city.branch_secretary_a).get(url).content.decode()
    assert "66.67%" in page and "未写者" in page
    assert reverse("appraisals_public:published", args=[analysis.public_code(campaign, city.branch_a)]) in page
    for who in ("member_user_a", "secretary_b"):
        assert login(client, getattr(city, who)).get(url).status_code == 404
    assert login(client, city.supervisor_a).get(url).status_code == 200


def test_the_branch_list_reads_a_fixed_number_of_queries(client, city, campaign, django_assert_max_num_queries):
    login(client, city.branch_secretary_a)
    url = reverse("appraisals:analysis_branch", args=[city.branch_a.pk])
    make(city, campaign)
    client.get(url)  # sessions and caches warmed
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    for n in range(12):
        member = MemberFactory(organisation=city.branch_a, name=f"党员{n}")
        analysis.write_version(campaign=campaign, member=member, actor=city.branch_secretary_a, text="材料")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count('href="/appraisals/analyses/') >= 13


def test_the_index_lists_the_scope_and_sends_a_member_to_their_own(client, city, campaign):
    make(city, campaign)
    page = login(client, city.secretary_a).get(reverse("appraisals:analysis_list")).content.decode()
    assert city.member_a.name in page
    assert (
        city.member_a.name
        not in login(client, city.secretary_b).get(reverse("appraisals:analysis_list")).content.decode()
    )
    response = login(client, city.member_user_a).get(reverse("appraisals:analysis_list"))
    assert response.status_code == 302 and response["Location"] == reverse("appraisals:analysis_mine")


# --- publishing, help and the ballot -------------------------------------------------------------------------------


def test_the_secretary_publishes_and_the_member_cannot(client, city, campaign):
    item = make(city, campaign)
    url = reverse("appraisals:analysis_publish", args=[item.pk])
    data = {"audience": "public", "published_from": TODAY, "published_until": TODAY + DAY}
    assert login(client, city.member_user_a).post(url, data).status_code == 404
    assert login(client, city.branch_secretary_a).post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.audience, item.published_until) == ("published", "public", TODAY + DAY)
    # Published: the member may no longer change it.
    assert (
        login(client, city.member_user_a).get(reverse("appraisals:analysis_write", args=[item.pk])).status_code == 404
    )


def test_the_rating_ballot_from_the_branch_page(client, city, campaign):
    item = make(city, campaign, audience=Audience.BRANCH)
    url = reverse("appraisals:analysis_rate", args=[city.branch_a.pk])
    data = {"campaign": campaign.pk, "opens_on": TODAY, "closes_on": TODAY + DAY, "constituencies": ["members"]}
    assert login(client, city.supervisor_a).post(url, data).status_code == 404
    response = login(client, city.branch_secretary_a).post(url, data)
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert [(q["subject"], q["subject_id"]) for q in ballot.questions] == [
        (Subject.SELF_ANALYSIS, item.versions.get().pk)
    ]


def test_a_helper_for_a_returned_one(client, city, campaign):
    item = make(city, campaign)
    SelfAnalysis.objects.filter(pk=item.pk).update(status=AnalysisStatus.REWRITE)
    helper = MemberFactory(organisation=city.branch_a, name="帮扶党员")
    url = reverse("appraisals:analysis_helper", args=[item.pk])
    assert login(client, city.member_user_a).post(url, {"helper": helper.pk}).status_code == 404
    assert login(client, city.branch_secretary_a).post(url, {"helper": helper.pk}).status_code == 302
    item.refresh_from_db()
    assert item.helper == helper


# --- the public page -----------------------------------------------------------------------------------------------


def public_url(campaign, organisation) -> str:
    return reverse("appraisals_public:published", args=[analysis.public_code(campaign, organisation)])


def test_the_public_page_shows_only_what_is_published_to_the_public_now(client, city, campaign):
    url = public_url(campaign, city.branch_a)
    item = make(city, campaign, audience=Audience.BRANCH)
    assert client.get(url).status_code == 404
    SelfAnalysis.objects.filter(pk=item.pk).update(audience=Audience.PUBLIC)
    response = client.get(url)
    assert response.status_code == 200 and "我的党性分析材料" in response.content.decode()
    assert "<script" not in response.content.decode().split("</head>", 1)[1]
    SelfAnalysis.objects.filter(pk=item.pk).update(published_from=TODAY + DAY, published_until=TODAY + 2 * DAY)
    assert client.get(url).status_code == 404
    SelfAnalysis.objects.filter(pk=item.pk).update(published_from=TODAY - 3 * DAY, published_until=TODAY - DAY)
    assert client.get(url).status_code == 404


def test_a_forged_code_finds_nothing(client, city, campaign):
    make(city, campaign, audience=Audience.PUBLIC)
    code = analysis.public_code(campaign, city.branch_a)
    assert client.get(public_url(campaign, city.branch_a)).status_code == 200
    for forged in (code[:-1] + ("0" if code[-1] != "0" else "1"), f"{campaign.pk}-{city.branch_a.pk}", "x"):
        assert client.get(reverse("appraisals_public:published", args=[forged])).status_code == 404
    assert client.get(public_url(campaign, city.branch_b)).status_code == 404


def test_the_public_comments_with_or_without_a_name(client, city, campaign):
    item = make(city, campaign, audience=Audience.PUBLIC)
    url = public_url(campaign, city.branch_a)
    assert client.post(url, {"analysis": item.pk, "text": "群众意见一"}).status_code == 200
    assert client.post(url, {"analysis": item.pk, "text": "群众意见二", "name": "老张"}).status_code == 200
    assert list(Comment.objects.values_list("text", "name", "author")) == [
        ("群众意见一", "", None),
        ("群众意见二", "老张", None),
    ]
    page = client.get(url).content.decode()
    assert "群众意见一" not in page  # comments go to the branch, not to other readers
    assert client.post(url, {"analysis": item.pk, "text": ""}).status_code == 400
    assert client.post(url, {"analysis": 999999, "text": "无处"}).status_code == 400
    assert Comment.objects.count() == 2


def test_public_comments_are_rate_limited(client, city, campaign, settings):
    settings.VANGUARD_ANALYSIS_COMMENT_RATE = "2/h"
    item = make(city, campaign, audience=Audience.PUBLIC)
    url = public_url(campaign, city.branch_a)
    for n in range(2):
        assert client.post(url, {"analysis": item.pk, "text": f"意见{n}"}).status_code == 200
    response = client.post(url, {"analysis": item.pk, "text": "太多了"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Comment.objects.count() == 2
