"""The services' rules: who may select, set up, record and enrol, and each refusal with its code."""

from __future__ import annotations

import datetime
from decimal import Decimal

from vanguard.campaigns.tests.factories import make_campaign
from vanguard.core.models import AuditEntry
from vanguard.core.testing import refused
from vanguard.exemplars import selectors, services
from vanguard.exemplars.models import (
    AudienceKind,
    Channel,
    ClassKind,
    Exemplar,
    GroupRole,
    Outcome,
    Talk,
    Trainee,
    TrainingClass,
)
from vanguard.members.factories import MemberFactory

TODAY = datetime.date.today()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


# --- typical examples ----------------------------------------------------------------------------------------------


def test_a_branch_selects_its_member_and_the_district_an_organisation(city):
    example = services.select_example(
        actor=city.branch_secretary_a,
        selected_by=city.branch_a,
        member=city.member_a,
        title="优秀共产党员",
        deeds="带领群众修路",
        selected_on=ago(3),
    )
    assert (example.kind, example.org_path, example.selected_by_path) == (
        "member",
        city.branch_a.path,
        city.branch_a.path,
    )
    unit = services.select_example(
        actor=city.secretary_a,
        selected_by=city.district_a,
        organisation=city.branch_a2,
        title="先进基层党组织",
        deeds="服务群众",
        selected_on=ago(1),
    )
    assert unit.kind == "organisation" and unit.member is None and unit.org_path == city.branch_a2.path
    entry = AuditEntry.objects.get(event="exemplars.example.selected", object_id=str(example.pk))
    assert entry.data["member"] == city.member_a.pk and entry.actor == city.branch_secretary_a


def test_selection_is_by_the_examples_organisation_or_above(city):
    other = MemberFactory(organisation=city.branch_a2, name="王丙")
    base = {"title": "优秀共产党员", "deeds": "事迹", "selected_on": ago(1)}
    # A branch cannot select a member of its sibling branch, even holding CHANGE there through a district role.
    refused(
        "not_above", services.select_example, actor=city.secretary_a, selected_by=city.branch_a, member=other, **base
    )
    # Nor select outside its own subtree.
    refused(
        "forbidden",
        services.select_example,
        actor=city.secretary_b,
        selected_by=city.district_a,
        member=city.member_a,
        **base,
    )
    refused(
        "forbidden",
        services.select_example,
        actor=city.branch_secretary_a,
        selected_by=city.district_a,
        member=city.member_a,
        **base,
    )
    refused(
        "member_or_organisation",
        services.select_example,
        actor=city.office,
        selected_by=city.root,
        member=city.member_a,
        organisation=city.branch_a,
        **base,
    )
    refused(
        "no_deeds",
        services.select_example,
        actor=city.office,
        selected_by=city.root,
        member=city.member_a,
        **{**base, "deeds": "  "},
    )
    refused(
        "future_date",
        services.select_example,
        actor=city.office,
        selected_by=city.root,
        member=city.member_a,
        **{**base, "selected_on": TODAY + datetime.timedelta(days=1)},
    )
    assert not Exemplar.objects.exists()


def test_one_selection_per_campaign(city):
    campaign = make_campaign(city.root)
    kwargs = {"title": "优秀共产党员", "deeds": "事迹", "selected_on": TODAY, "campaign": campaign}
    services.select_example(actor=city.office, selected_by=city.root, member=city.member_a, **kwargs)
    refused(
        "already_selected",
        services.select_example,
        actor=city.secretary_a,
        selected_by=city.district_a,
        member=city.member_a,
        **kwargs,
    )
    # A district campaign does not cover the other district.
    district = make_campaign(city.district_b, name="乙区活动")
    refused(
        "outside_campaign",
        services.select_example,
        actor=city.secretary_a,
        selected_by=city.district_a,
        member=city.member_a,
        **{**kwargs, "campaign": district},
    )


def test_publicity_by_the_selecting_organisation_after_selection(city):
    example = services.select_example(
        actor=city.secretary_a, selected_by=city.district_a, member=city.member_a, title="标兵", deeds="事迹",
        selected_on=ago(5),
    )  # fmt: skip
    # The member's own branch did not select it.
    refused(
        "forbidden",
        services.record_publicity,
        actor=city.branch_secretary_a,
        example=example,
        publicised_on=ago(1),
        channel=Channel.PRESS,
    )
    refused(
        "before_selection",
        services.record_publicity,
        actor=city.secretary_a,
        example=example,
        publicised_on=ago(6),
        channel=Channel.PRESS,
    )
    refused(
        "bad_channel",
        services.record_publicity,
        actor=city.secretary_a,
        example=example,
        publicised_on=ago(1),
        channel="rumour",
    )
    services.record_publicity(
        actor=city.secretary_a, example=example, publicised_on=ago(2), channel=Channel.REPORT_MEETING, note="事迹报告会"
    )
    services.record_publicity(actor=city.office, example=example, publicised_on=ago(1), channel=Channel.PRESS)
    example.refresh_from_db()
    assert (example.publicised_on, example.channel, example.publicity_note) == (ago(1), "press", "")
    last = AuditEntry.objects.filter(event="exemplars.example.publicised").order_by("-seq").first()
    assert last.changes["channel"] == ["report_meeting", "press"]


# --- lecture groups ------------------------------------------------------------------------------------------------


def test_a_group_its_lecturers_and_talks(city):
    group = services.set_up_group(
        actor=city.secretary_a, organisation=city.district_a, name="甲区宣讲团", set_up_on=ago(10)
    )
    services.select_example(
        actor=city.secretary_a, selected_by=city.district_a, member=city.member_a, title="标兵", deeds="事迹",
        selected_on=ago(20),
    )  # fmt: skip
    speaker = services.add_lecturer(actor=city.secretary_a, group=group, member=city.member_a, role=GroupRole.HEAD)
    refused("already_in_group", services.add_lecturer, actor=city.secretary_a, group=group, member=city.member_a)
    refused("outside_subtree", services.add_lecturer, actor=city.office, group=group, member=city.member_b)
    refused("forbidden", services.add_lecturer, actor=city.branch_secretary_a, group=group, member=city.member_a)
    assert [(lecturer.member_id, lecturer.exemplar) for lecturer in selectors.lecturers_of(group)] == [
        (city.member_a.pk, True)
    ]

    talk = {
        "topic": "学习身边的典型",
        "audience_kind": AudienceKind.VILLAGERS,
        "audience_size": 120,
        "given_on": ago(2),
    }
    # Where the talk was given may record it too; a sibling branch may not.
    services.record_talk(actor=city.branch_secretary_a, group=group, speaker=speaker, given_at=city.branch_a, **talk)
    refused(
        "forbidden",
        services.record_talk,
        actor=city.secretary_b,
        group=group,
        speaker=speaker,
        given_at=city.branch_a,
        **talk,
    )
    refused(
        "outside_subtree",
        services.record_talk,
        actor=city.office,
        group=group,
        speaker=speaker,
        given_at=city.branch_b,
        **talk,
    )
    refused(
        "before_set_up",
        services.record_talk,
        actor=city.secretary_a,
        group=group,
        speaker=speaker,
        given_at=city.branch_a,
        **{**talk, "given_on": ago(11)},
    )
    refused(
        "bad_audience_size",
        services.record_talk,
        actor=city.secretary_a,
        group=group,
        speaker=speaker,
        given_at=city.branch_a,
        **{**talk, "audience_size": 0},
    )
    other = services.set_up_group(
        actor=city.secretary_a, organisation=city.district_a, name="第二宣讲团", set_up_on=ago(10)
    )
    refused(
        "not_in_group",
        services.record_talk,
        actor=city.secretary_a,
        group=other,
        speaker=speaker,
        given_at=city.branch_a,
        **talk,
    )
    assert Talk.objects.get().org_path == city.branch_a.path
    assert [t.topic for t in selectors.lectures_of(city.member_a)] == ["学习身边的典型"]
    assert selectors.audience_of(group) == 120


# --- training classes ----------------------------------------------------------------------------------------------


def test_classes_and_their_refusals(city):
    base = {"kind": ClassKind.KEY_STAFF, "title": "支部书记培训班", "starts_on": ago(5), "ends_on": ago(3), "hours": 24}
    refused("forbidden", services.open_class, actor=city.branch_secretary_a, organisation=city.district_a, **base)
    refused("bad_dates", services.open_class, actor=city.secretary_a, organisation=city.district_a,
            **{**base, "ends_on": ago(6)})  # fmt: skip
    refused("bad_hours", services.open_class, actor=city.secretary_a, organisation=city.district_a,
            **{**base, "hours": "0"})  # fmt: skip
    refused("bad_hours", services.open_class, actor=city.secretary_a, organisation=city.district_a,
            **{**base, "hours": "NaN"})  # fmt: skip
    refused("bad_kind", services.open_class, actor=city.secretary_a, organisation=city.district_a,
            **{**base, "kind": "party"})  # fmt: skip
    assert not TrainingClass.objects.exists()
    training = services.open_class(actor=city.secretary_a, organisation=city.district_a, **base)
    assert training.hours == Decimal("24.0")

    trainee = services.enrol(actor=city.secretary_a, training_class=training, member=city.member_a)
    assert (trainee.name, trainee.laid_off) == ("张甲", False)
    refused("already_enrolled", services.enrol, actor=city.secretary_a, training_class=training, member=city.member_a)
    refused("outside_subtree", services.enrol, actor=city.office, training_class=training, member=city.member_b)
    refused("member_or_name", services.enrol, actor=city.secretary_a, training_class=training)
    refused("member_or_name", services.enrol, actor=city.secretary_a, training_class=training, member=city.member_a,
            name="某人")  # fmt: skip
    outsider = services.enrol(actor=city.secretary_a, training_class=training, name="社区骨干 刘某")
    assert outsider.member is None and outsider.name == "社区骨干 刘某"

    refused("bad_hours", services.record_progress, actor=city.secretary_a, trainee=trainee, hours_attended=25,
            completed=True)  # fmt: skip
    refused("outcome_not_skills", services.record_progress, actor=city.secretary_a, trainee=trainee,
            hours_attended=24, completed=True, outcome=Outcome.RE_EMPLOYED, outcome_on=ago(1))  # fmt: skip
    services.record_progress(actor=city.secretary_a, trainee=trainee, hours_attended=24, completed=True)
    trainee.refresh_from_db()
    assert (trainee.hours_attended, trainee.completed) == (Decimal("24.0"), True)
    entry = AuditEntry.objects.filter(event="exemplars.trainee.updated").get()
    assert entry.changes == {"hours_attended": ["0.0", "24.0"], "completed": ["False", "True"]}
    assert [(row.training_class_id, row.hours_attended) for row in selectors.training_of(city.member_a)] == [
        (training.pk, Decimal("24.0"))
    ]


def test_skills_training_records_who_was_re_employed(city):
    laid_off = MemberFactory(organisation=city.branch_a, name="下岗甲", category="laid_off")
    training = services.open_class(
        actor=city.secretary_a, organisation=city.district_a, kind=ClassKind.SKILLS, title="家政服务培训",
        starts_on=ago(30), ends_on=ago(20), hours=40,
    )  # fmt: skip
    trainee = services.enrol(actor=city.secretary_a, training_class=training, member=laid_off)
    assert trainee.laid_off is True
    person = services.enrol(actor=city.secretary_a, training_class=training, name="社区居民 赵某", laid_off=True)
    assert person.laid_off is True
    refused("no_outcome_date", services.record_progress, actor=city.secretary_a, trainee=trainee,
            hours_attended=40, completed=True, outcome=Outcome.RE_EMPLOYED)  # fmt: skip
    refused("outcome_before_class", services.record_progress, actor=city.secretary_a, trainee=trainee,
            hours_attended=40, completed=True, outcome=Outcome.RE_EMPLOYED, outcome_on=ago(31))  # fmt: skip
    refused("forbidden", services.record_progress, actor=city.secretary_b, trainee=trainee,
            hours_attended=40, completed=True)  # fmt: skip
    services.record_progress(
        actor=city.secretary_a, trainee=trainee, hours_attended=40, completed=True, outcome=Outcome.RE_EMPLOYED,
        outcome_on=ago(5),
    )  # fmt: skip
    # "Not known" needs no date.
    services.record_progress(
        actor=city.secretary_a, trainee=person, hours_attended=30, completed=False, outcome=Outcome.UNKNOWN
    )
    assert dict(Trainee.objects.values_list("name", "outcome")) == {"下岗甲": "re_employed", "社区居民 赵某": "unknown"}
