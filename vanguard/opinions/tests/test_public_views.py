"""The public side of opinions: no sign-in, limits per address and per body, hostile text, receipts that tell
what became of one opinion and nothing of who raised any."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from vanguard.opinions import public_views, ratelimit, services
from vanguard.opinions.models import (
    Category,
    Channel,
    Direction,
    EffectRating,
    IntakePage,
    Opinion,
    ProblemStatus,
    SourceGroup,
    Verdict,
)
from vanguard.opinions.tests.factories import opinions, problem_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(city) -> IntakePage:
    return services.open_page(
        organisation=city.branch_a, actor=city.secretary_a, title="甲一支部意见箱", direction=Direction.BUSINESS_OFFICE
    )


def form(text: str = "窗口办事排队时间太长", **extra) -> dict:
    return {"text": text, "direction": Direction.PUBLIC_OFFICIAL, "source_group": SourceGroup.PUBLIC, **extra}


def submit(client, page, **data):
    return client.post(reverse("opinions_public:page", args=[page.code]), form(**data))


def test_anyone_gives_an_opinion_without_signing_in_and_gets_a_receipt(client, city, page):
    response = client.get(reverse("opinions_public:page", args=[page.code.lower()]))
    assert response.status_code == 200
    html = response.content.decode()
    # The page's direction is offered first; who gives it is "the public" unless they say otherwise.
    assert re.search(r'value="business_office"[^>]*checked', html)
    assert not re.search(r'value="down_up"[^>]*checked', html)
    assert response.context["form"]["source_group"].value() == SourceGroup.PUBLIC
    assert f'maxlength="{services.MAX_TEXT}"' in html and "<script>" not in html.split("</head>")[1]

    response = submit(client, page, name="王某", phone="138 0000 0000", email="w@example.org")
    assert response.status_code == 201
    opinion = Opinion.objects.get()
    assert opinion.channel == Channel.WEB and opinion.intake_page == page and opinion.organisation == city.branch_a
    assert opinion.entered_by is None and opinion.name == "王某"
    body = response.content.decode()
    assert opinion.receipt in body and 'data-testid="receipt"' in body
    assert "王某" not in body and "0000" not in body  # not even the giver's own details are echoed


def test_an_unknown_page_code_is_not_found(client, page):
    assert client.get(reverse("opinions_public:page", args=["ZZZZZZ"])).status_code == 404
    assert client.get(reverse("opinions_public:listed", args=["ZZZZZZ"])).status_code == 404


def test_a_closed_page_refuses_opinions(client, city, page):
    services.set_page_open(page=page, actor=city.secretary_a, is_open=False)
    response = client.get(reverse("opinions_public:page", args=[page.code]))
    assert response.status_code == 200 and 'data-testid="closed"' in response.content.decode()
    assert "<textarea" not in response.content.decode()
    response = submit(client, page)
    assert response.status_code == 410 and 'data-testid="closed"' in response.content.decode()
    assert not Opinion.objects.exists()


def test_submissions_are_limited_per_address(client, page, settings):
    settings.VANGUARD_OPINION_RATE = "2/h"
    assert [submit(client, page).status_code for _ in range(2)] == [201, 201]
    refused = submit(client, page)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert 'data-testid="refused"' in refused.content.decode()
    assert Opinion.objects.count() == 2
    # Another address is counted on its own; reading the page is never limited.
    other = client.post(reverse("opinions_public:page", args=[page.code]), form(), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 201
    assert client.get(reverse("opinions_public:page", args=[page.code])).status_code == 200
    # The address is not kept anywhere in the database.
    assert not Opinion.objects.filter(text__contains="127.0.0.1").exists()


def test_receipt_lookups_are_limited_per_address(client, page, settings):
    settings.VANGUARD_RECEIPT_RATE = "3/h"
    url = reverse("opinions_public:receipt")
    statuses = [client.post(url, {"code": f"WRONG{i}"}).status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]
    # The blank form (no code given) is not a guess.
    assert client.get(url).status_code == 200


def test_a_body_over_64_kb_is_refused_before_it_is_read(page):
    """413 comes before the CSRF check (which would read the body): a client without a token still gets 413."""
    strict = Client(enforce_csrf_checks=True)
    response = submit(strict, page, text="意" * 100_000)
    assert response.status_code == 413
    assert 'data-testid="refused"' in response.content.decode()
    assert not Opinion.objects.exists()
    rating = strict.post(reverse("opinions_public:receipt"), {"code": "X", "comment": "x" * 100_000})
    assert rating.status_code == 413


def test_csrf_is_still_checked_on_public_forms(page):
    strict = Client(enforce_csrf_checks=True)
    assert submit(strict, page).status_code == 403
    assert not Opinion.objects.exists()
    html = strict.get(reverse("opinions_public:page", args=[page.code])).content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = strict.post(reverse("opinions_public:page", args=[page.code]), form(csrfmiddlewaretoken=token))
    assert response.status_code == 201


HOSTILE = [
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "'; DROP TABLE opinions_opinion; --",
    "控制字符\x01\x07\x1b[31m\x7f结束",
    "表情😀👍🏽🇨🇳 and 𠮷",
    "简体的意见，繁體的意見，混在一起",
    "  leading and trailing spaces, kept  \n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_given_and_shown_escaped(client, page, text):
    response = submit(client, page, text=text, name="<b>name</b>")
    assert response.status_code == 201
    opinion = Opinion.objects.get()
    assert opinion.text == text.replace("\n", "\r\n") or opinion.text == text
    shown = client.get(reverse("opinions_public:receipt"), {"code": opinion.receipt}).content.decode()
    assert "<script>alert" not in shown and "<img src=x" not in shown and "<b>name" not in shown
    if "<script>" in text:
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in shown
    elif "DROP TABLE" in text:
        assert "&#x27;; DROP TABLE opinions_opinion; --" in shown
    else:
        assert text.strip() in shown


def test_text_over_the_limit_is_refused_with_the_limit_named(client, page):
    response = submit(client, page, text="长" * (services.MAX_TEXT + 1))
    assert response.status_code == 400
    assert str(services.MAX_TEXT) in response.content.decode()
    assert not Opinion.objects.exists()


@pytest.fixture
def followed(city, page, client):
    """An opinion given on the page with contact details, grouped with someone else's, taken to rectified."""
    mine = submit(client, page, text="我的意见：路灯坏了", name="王某某", phone="13800001111", email="wang@example.org")
    assert mine.status_code == 201
    own = Opinion.objects.get()
    other = opinions(city.branch_a, ["别人的意见：路灯不亮"], name="赵某某", phone="13922223333")[0]
    problem = services.group_opinions(
        organisation=city.branch_a,
        actor=city.secretary_a,
        opinion_ids=[own.pk, other.pk],
        title="路灯损坏",
        summary="内部摘要：赵某某反映",
    )
    return own, other, problem


def test_the_receipt_shows_each_stage_and_never_who_raised_it(client, city, followed):
    own, other, problem = followed
    url = reverse("opinions_public:receipt")

    def page_of() -> str:
        response = client.get(url, {"code": own.receipt.lower()})
        assert response.status_code == 200
        return response.content.decode()

    html = page_of()
    assert own.text in html and "路灯损坏" in html and 'data-stage="grouped"' in html
    assert 'data-stage="forwarded"' not in html
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    problem = services.forward(
        problem=problem,
        actor=city.secretary_a,
        responsible=city.branch_a2,
        deadline=deadline,
        category=Category.DEADLINE,
    )
    html = page_of()
    assert 'data-stage="forwarded"' in html and "甲二支部" in html and str(Category.DEADLINE.label) in html
    services.add_progress(problem=problem, actor=city.secretary_a, text="已报修，等待配件")
    problem = services.reply(problem=problem, actor=city.secretary_a, text="本周内修复")
    problem = services.rectify(problem=problem, actor=city.secretary_a, text="更换了三盏路灯")
    html = page_of()
    for stage in ("received", "grouped", "forwarded", "replied", "progress", "rectified"):
        assert f'data-stage="{stage}"' in html, stage
    assert "已报修，等待配件" in html and "本周内修复" in html and "更换了三盏路灯" in html
    for secret in ("王某某", "13800001111", "wang@example.org", "赵某某", "13922223333", other.text, other.receipt):
        assert secret not in html, secret
    assert "内部摘要" not in html  # the problem's summary is staff's words about the opinions
    assert 'name="verdict"' in html


def test_the_effect_is_rated_once_only(client, city, followed):
    own, _other, problem = followed
    url = reverse("opinions_public:receipt")
    early = client.post(url, {"code": own.receipt, "action": "rate", "verdict": Verdict.SATISFIED})
    assert early.status_code == 400 and not EffectRating.objects.exists()
    problem = services.forward(
        problem=problem,
        actor=city.secretary_a,
        responsible=city.branch_a2,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
        category=Category.AT_ONCE,
    )
    services.rectify(problem=services.reply(problem=problem, actor=None, text="好"), actor=None, text="修好了")
    first = client.post(url, {"code": own.receipt, "action": "rate", "verdict": Verdict.SATISFIED, "comment": "快"})
    assert first.status_code == 200 and 'data-testid="rating"' in first.content.decode()
    second = client.post(url, {"code": own.receipt, "action": "rate", "verdict": Verdict.UNSATISFIED})
    assert second.status_code == 400
    assert escape(gettext("This opinion's effect has already been rated.")) in second.content.decode()
    rating = EffectRating.objects.get()
    assert rating.verdict == Verdict.SATISFIED and rating.opinion == own
    shown = client.get(url, {"code": own.receipt}).content.decode()
    assert str(Verdict.SATISFIED.label) in shown and 'name="verdict"' not in shown


def test_an_unknown_receipt_says_so_and_nothing_more(client, city, followed):
    own, other, _problem = followed
    response = client.post(reverse("opinions_public:receipt"), {"code": own.receipt[:-1] + "Z"})
    if own.receipt.endswith("Z"):
        response = client.post(reverse("opinions_public:receipt"), {"code": own.receipt[:-1] + "Y"})
    assert response.status_code == 404
    html = response.content.decode()
    assert escape(gettext("No opinion has this receipt code. Check it and try again.")) in html
    assert own.receipt not in html and other.receipt not in html and own.text not in html


def test_problems_listed_publicly_for_the_page_subtree_only(client, city, page):
    listed = problem_in_state(city.committee_a, city.branch_a, ProblemStatus.FORWARDED, texts=("甲的问题",))
    services.list_publicly(problem=listed, actor=city.secretary_a, listed=True)
    problem_in_state(city.branch_a, city.branch_a, ProblemStatus.FORWARDED, texts=("未挂牌",))
    elsewhere = problem_in_state(city.district_b, city.branch_b, ProblemStatus.FORWARDED, texts=("乙的问题",))
    services.list_publicly(problem=elsewhere, actor=city.secretary_b, listed=True)
    Opinion.objects.update(name="提意见的人")
    response = client.get(reverse("opinions_public:listed", args=[page.code]))
    assert response.status_code == 200
    rows = response.context["problems"]
    assert rows == [listed]
    html = response.content.decode()
    assert "甲一支部" in html and str(listed.deadline.year) in html and "提意见的人" not in html
    assert "乙一支部" not in html


def test_every_public_route_is_marked_public_and_open_without_sign_in(client, page):
    resolver = get_resolver().namespace_dict["opinions_public"][1]
    for pattern in resolver.url_patterns:
        assert getattr(pattern.callback, "public_page", False), pattern.name
        kwargs = {"code": page.code} if "code" in pattern.pattern.regex.groupindex else {}
        response = client.get(reverse(f"opinions_public:{pattern.name}", kwargs=kwargs))
        assert response.status_code == 200, pattern.name
        assert "no-store" in response["Cache-Control"], pattern.name
    assert public_views.MAX_BODY == 64 * 1024


def test_an_opinion_of_the_longest_allowed_emoji_fits_under_the_body_limit(client, page):
    """MAX_BODY leaves room for MAX_TEXT characters of the widest kind (4-byte emoji, 12 bytes form-encoded)."""
    response = submit(client, page, text="😀" * services.MAX_TEXT)
    assert response.status_code == 201
    assert Opinion.objects.get().text == "😀" * services.MAX_TEXT


@pytest.mark.parametrize(
    ("text", "limit", "window"), [("10/h", 10, 3600), ("5/10m", 5, 600), (" 100 / d ", 100, 86400), ("1/s", 1, 1)]
)
def test_rates_are_read_as_written(text, limit, window):
    assert ratelimit.parse_rate(text) == ratelimit.Rate(limit, window)


@pytest.mark.parametrize("text", ["", "10", "ten/h", "10/w", "10/h/2"])
def test_a_malformed_rate_is_refused_at_once(text):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(text)


def test_the_cache_keeps_no_client_address(client, page):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    backend = caches["default"]
    if not isinstance(backend, LocMemCache):
        pytest.skip("inspects the in-memory cache's keys")
    url = reverse("opinions_public:page", args=[page.code])
    assert client.post(url, form(), REMOTE_ADDR="203.0.113.77").status_code == 201
    keys = [key for key in backend._cache if ":rate:submit:" in key]
    assert len(keys) == 1 and "203.0.113.77" not in keys[0]
