"""Commitments: made (free or from a template), published, revised as kept versions, rated by the branch."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.commitments import events, services
from vanguard.commitments.models import Audience, Status, TemplateFor, Verdict
from vanguard.commitments.selectors import commitments_of
from vanguard.commitments.tests.factories import TEN, make_template
from vanguard.core.audit import AuditEntry
from vanguard.members.models import Category

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def campaign(city):
    return make_campaign(city.root)


def codes(exc) -> set[str]:
    return {e.code for e in exc.value.error_list} if hasattr(exc.value, "error_list") else set()


def refused(call, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        call()
    found = (
        {e.code for e in exc.value.error_list}
        if not hasattr(exc.value, "error_dict")
        else {e.code for errors in exc.value.error_dict.values() for e in errors}
    )
    assert code in found, found


def published(city, campaign, audience=Audience.PUBLIC):
    c = services.make_commitment(actor=city.member_user_a, campaign=campaign, member=city.member_a, text="每周学习一次")
    return services.publish(
        commitment=c, actor=city.member_user_a, audience=audience, published_from=TODAY, published_until=TODAY + DAY
    )


def test_template_is_made_by_the_office_with_ordered_items(city, campaign):
    template = services.create_template(
        actor=city.office, campaign=campaign, name="十项承诺", meant_for=TemplateFor.LEADERS, items=TEN
    )
    assert template.items == TEN
    assert AuditEntry.objects.filter(event=events.TEMPLATE_CREATED, object_id=str(template.pk)).exists()
    refused(
        lambda: services.create_template(actor=city.office, campaign=campaign, name="十项承诺", items=["x"]),
        "duplicate",
    )
    refused(lambda: services.create_template(actor=city.office, campaign=campaign, name="空", items=[" "]), "required")
    refused(
        lambda: services.create_template(actor=city.member_user_a, campaign=campaign, name="别的", items=["x"]),
        "forbidden",
    )


def test_member_commits_in_free_text_and_the_secretary_may_record_for_them(city, campaign):
    own = services.make_commitment(actor=city.member_user_a, campaign=campaign, member=city.member_a, text="带头学习")
    recorded = services.make_commitment(
        actor=city.branch_secretary_a, campaign=campaign, member=city.member_a, text="帮扶困难党员"
    )
    assert own.status == Status.DRAFT and own.versions.count() == 1 and own.org_path == city.member_a.org_path
    assert recorded.versions.get().written_by == city.branch_secretary_a
    assert AuditEntry.objects.filter(event=events.COMMITMENT_MADE).count() == 2
    refused(
        lambda: services.make_commitment(actor=city.secretary_b, campaign=campaign, member=city.member_a, text="x"),
        "forbidden",
    )
    refused(
        lambda: services.make_commitment(actor=city.member_user_a, campaign=campaign, member=city.member_a, text=" "),
        "required",
    )


def test_leaders_template_is_for_leaders_and_its_item_gives_the_text(city, campaign):
    template = make_template(campaign)
    refused(
        lambda: services.make_commitment(
            actor=city.member_user_a, campaign=campaign, member=city.member_a, template=template, item_index=0
        ),
        "leaders_only",
    )
    city.member_a.category = Category.LEADER
    city.member_a.save(update_fields=["category"])
    made = services.make_commitment(
        actor=city.member_user_a, campaign=campaign, member=city.member_a, template=template, item_index=2
    )
    assert made.text == TEN[2] and made.by_leader
    refused(
        lambda: services.make_commitment(
            actor=city.member_user_a, campaign=campaign, member=city.member_a, template=template, item_index=10
        ),
        "invalid",
    )
    other = make_template(make_campaign(city.root, name="另一次活动"))
    refused(
        lambda: services.make_commitment(
            actor=city.member_user_a, campaign=campaign, member=city.member_a, template=other, item_index=0
        ),
        "wrong_campaign",
    )


def test_published_text_changes_only_as_a_new_version(city, campaign):
    c = published(city, campaign)
    assert c.status == Status.PUBLISHED and c.audience == Audience.PUBLIC
    services.revise(commitment=c, actor=city.member_user_a, text="每周学习两次")
    c.refresh_from_db()
    assert c.text == "每周学习两次"
    assert list(c.versions.values_list("number", "text")) == [(1, "每周学习一次"), (2, "每周学习两次")]
    refused(lambda: services.revise(commitment=c, actor=city.member_user_a, text="每周学习两次"), "unchanged")
    refused(
        lambda: services.publish(
            commitment=c, actor=city.member_user_a, audience="nobody", published_from=TODAY, published_until=TODAY
        ),
        "invalid",
    )
    refused(
        lambda: services.publish(
            commitment=c,
            actor=city.member_user_a,
            audience=Audience.UNIT,
            published_from=TODAY,
            published_until=TODAY - DAY,
        ),
        "window",
    )


def test_branch_rates_at_the_campaign_end_with_a_note_when_not_kept(city, campaign):
    c = published(city, campaign)
    refused(lambda: services.rate(commitment=c, actor=city.branch_secretary_a, verdict=Verdict.KEPT), "too_early")
    campaign.ends_on = TODAY
    campaign.save(update_fields=["ends_on"])
    refused(lambda: services.rate(commitment=c, actor=city.member_user_a, verdict=Verdict.KEPT), "forbidden")
    refused(lambda: services.rate(commitment=c, actor=city.branch_secretary_a, verdict=Verdict.PARTLY), "required")
    draft = services.make_commitment(actor=city.member_user_a, campaign=campaign, member=city.member_a, text="未公示")
    refused(
        lambda: services.rate(commitment=draft, actor=city.branch_secretary_a, verdict=Verdict.KEPT), "not_published"
    )
    services.rate(commitment=c, actor=city.branch_secretary_a, verdict=Verdict.PARTLY, note="只完成一半")
    c.refresh_from_db()
    assert (c.status, c.verdict, c.verdict_note) == (Status.RATED, Verdict.PARTLY, "只完成一半")
    refused(lambda: services.revise(commitment=c, actor=city.member_user_a, text="改一下"), "rated")
    assert AuditEntry.objects.filter(event=events.COMMITMENT_RATED, object_id=str(c.pk)).count() == 1


def test_public_ratings_are_counts_for_public_ones_in_their_window(city, campaign):
    c = published(city, campaign)
    services.rate_publicly(commitment=c, verdict=Verdict.KEPT)
    services.rate_publicly(commitment=c, verdict=Verdict.KEPT)
    services.rate_publicly(commitment=c, verdict=Verdict.NOT_KEPT)
    c.refresh_from_db()
    assert c.public_counts == {Verdict.KEPT: 2, Verdict.PARTLY: 0, Verdict.NOT_KEPT: 1}
    unit_only = published(city, campaign, audience=Audience.UNIT)
    refused(lambda: services.rate_publicly(commitment=unit_only, verdict=Verdict.KEPT), "not_public")
    refused(lambda: services.rate_publicly(commitment=c, verdict=Verdict.KEPT, today=TODAY + 2 * DAY), "not_public")


def test_commitments_of_gives_the_member_their_own_with_status_and_ratings(city, campaign):
    c = published(city, campaign)
    services.rate_publicly(commitment=c, verdict=Verdict.PARTLY)
    services.make_commitment(actor=city.office, campaign=campaign, member=city.member_b, text="别人的")
    mine = list(commitments_of(city.member_a))
    assert [m.pk for m in mine] == [c.pk]
    assert mine[0].status == Status.PUBLISHED and mine[0].public_counts[Verdict.PARTLY] == 1
