"""Free-text answers become questionnaire-channel opinions when the ballot closes, and nothing links them back."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import models

from vanguard.ballots import services, to_opinions
from vanguard.ballots.models import Ballot, Cast, Constituency, Kind, Token
from vanguard.ballots.tests.factories import ballot, codes, questionnaire, vote
from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.models import AuditEntry
from vanguard.opinions import events as opinion_events
from vanguard.opinions.models import Channel, Direction, Opinion, SourceGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def connected():
    # The lead calls connect() from BallotsConfig.ready(); connecting twice is harmless (dispatch_uid).
    to_opinions.connect()


def two_texts() -> list[dict]:
    return [*questionnaire(), {"key": "q6", "kind": "text", "label": "对支部的意见"}]


@pytest.fixture
def voted(city):
    campaign = make_campaign(city.district_a)
    made = ballot(
        city.branch_a,
        kind=Kind.QUESTIONNAIRE,
        questions=two_texts(),
        constituencies=(Constituency.MEMBERS, Constituency.BUSINESSES, Constituency.PUBLIC),
        campaign=campaign,
    )
    members = codes(made, 3, Constituency.MEMBERS, stratum="一社区")
    businesses = codes(made, 2, Constituency.BUSINESSES)
    public = codes(made, 1, Constituency.PUBLIC)
    vote(made, members[0], q1="satisfied", q5="多组织学习", q6="  支部会太长  ")
    vote(made, members[1], q1="dissatisfied", q5="   ")  # blank: no opinion
    vote(made, members[2], q2="1")  # no text at all
    vote(made, businesses[0], q5="办事窗口要延长时间")
    vote(made, businesses[1], q5="多组织学习")  # the same words twice are two opinions
    vote(made, public[0], q6="希望公开整改结果")
    return made


def test_nothing_before_close_then_every_text_once_after(city, voted):
    assert not Opinion.objects.exists()
    closed = services.close_ballot(ballot=voted, actor=city.secretary_a)
    opinions = list(Opinion.objects.all())
    assert Counter((o.text, o.source_group, o.direction) for o in opinions) == Counter(
        {
            ("多组织学习", SourceGroup.MEMBERS, Direction.DOWN_UP): 1,
            ("支部会太长", SourceGroup.MEMBERS, Direction.DOWN_UP): 1,
            ("办事窗口要延长时间", SourceGroup.BUSINESSES, Direction.BUSINESS_OFFICE): 1,
            ("多组织学习", SourceGroup.BUSINESSES, Direction.BUSINESS_OFFICE): 1,
            ("希望公开整改结果", SourceGroup.PUBLIC, Direction.PUBLIC_OFFICIAL): 1,
        }
    )
    for opinion in opinions:
        assert opinion.channel == Channel.QUESTIONNAIRE
        assert opinion.organisation_id == city.branch_a.pk and opinion.org_path == city.branch_a.path
        assert opinion.campaign_id == voted.campaign_id
        assert opinion.received_on == closed.closed_on
        assert opinion.entered_by_id is None and opinion.intake_page_id is None
        assert not (opinion.name or opinion.phone or opinion.email)
        assert len(opinion.receipt) == 10
    assert len({o.receipt for o in opinions}) == 5
    entry = AuditEntry.objects.get(event=opinion_events.OPINIONS_ENTERED)
    assert (entry.object_type, entry.object_id, entry.data["count"]) == ("ballots.ballot", str(voted.pk), 5)
    # Done once: a second call, or the signal sent again, adds nothing.
    assert to_opinions.texts_to_opinions(ballot=closed, actor=None) == []
    services.ballot_closed.send(sender=Ballot, ballot=closed, actor=None)
    assert Opinion.objects.count() == 5


def test_an_open_ballot_gives_nothing_even_when_asked(city, voted):
    assert to_opinions.texts_to_opinions(ballot=voted, actor=None) == []
    services.ballot_closed.send(sender=Ballot, ballot=voted, actor=None)
    assert not Opinion.objects.exists()


def test_the_opinions_lead_nowhere_near_a_cast_or_a_token(city, voted):
    services.close_ballot(ballot=voted, actor=city.secretary_a)
    # Schema: no relation from an opinion to anything of the ballots app.
    for field in Opinion._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            assert field.related_model._meta.app_label != "ballots", field.name
    # Rows: no value of an opinion is a cast's key, a token's hash or a stratum.
    secrets = {str(pk) for pk in Cast.objects.values_list("id", flat=True)}
    secrets |= set(Token.objects.values_list("code_hash", flat=True)) | {"一社区"}
    concrete = [f.attname for f in Opinion._meta.concrete_fields]
    for row in Opinion.objects.values_list(*concrete):
        assert not secrets & {str(value) for value in row}
    # Time: only the close day and the moment of closing, the same for every opinion.
    assert Opinion.objects.values("received_on").distinct().count() == 1
    date_fields = [f.name for f in Opinion._meta.concrete_fields if isinstance(f, models.DateTimeField)]
    assert date_fields == ["created_at"]


def test_a_ballot_without_free_text_gives_no_opinion(city):
    made = ballot(city.branch_a)
    vote(made, codes(made, 1)[0], q1="satisfied")
    services.close_ballot(ballot=made, actor=None)
    assert not Opinion.objects.exists()
    assert not AuditEntry.objects.filter(event=opinion_events.OPINIONS_ENTERED).exists()


def test_answers_are_shuffled_not_kept_in_cast_order(city):
    made = ballot(city.branch_a, kind=Kind.QUESTIONNAIRE, questions=two_texts())
    for number, code in enumerate(codes(made, 40)):
        vote(made, code, q5=f"意见{number:02d}甲", q6=f"意见{number:02d}乙")
    services.close_ballot(ballot=made, actor=None)
    texts = list(Opinion.objects.order_by("pk").values_list("text", flat=True))
    assert len(texts) == 80
    pairs = sum(1 for a, b in zip(texts, texts[1:], strict=False) if a[:4] == b[:4])
    # Kept together, one respondent's two answers would sit side by side 40 times; shuffled, about once.
    assert pairs < 10


def test_receipts_skip_codes_already_taken(city, monkeypatch):
    Opinion.objects.create(
        organisation=city.branch_a,
        org_path=city.branch_a.path,
        channel=Channel.WEB,
        direction=Direction.PUBLIC_OFFICIAL,
        source_group=SourceGroup.PUBLIC,
        received_on=city.member_a.joined_on,
        text="旧意见",
        receipt="TAKEN22222",
    )
    offered = iter(["TAKEN22222", "FRESH22222", "FRESH22222", "FRESH33333"])
    monkeypatch.setattr(to_opinions.opinion_services, "new_receipt", lambda: next(offered))
    assert sorted(to_opinions._receipts(2)) == ["FRESH22222", "FRESH33333"]


def test_thousands_of_answers_in_one_close(city):
    made = ballot(city.branch_a, kind=Kind.QUESTIONNAIRE, questions=questionnaire())
    day = made.opens_on
    Cast.objects.bulk_create(
        Cast(
            ballot=made,
            constituency=Constituency.PUBLIC,
            stratum="",
            source="online",
            day=day,
            answers={"q5": f"第{n}条"},
        )
        for n in range(6000)
    )
    services.close_ballot(ballot=made, actor=None)
    assert Opinion.objects.count() == 6000
    assert Opinion.objects.values("receipt").distinct().count() == 6000
