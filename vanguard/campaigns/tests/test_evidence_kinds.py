"""The four evidence kinds of campaigns: their forms, what they save, how they read, which options they refuse."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from vanguard.campaigns import evidence
from vanguard.campaigns.models import Evidence
from vanguard.core.models import AuditEntry
from vanguard.meetings import events as meeting_events
from vanguard.meetings import services as meeting_services
from vanguard.meetings.models import Meeting, MeetingKind
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def unit_of(organisation):
    """What a kind reads of a campaign unit: its organisation."""
    return SimpleNamespace(organisation=organisation, organisation_id=organisation.pk)


def form(key, options, data=None, files=None, *, unit):
    kind = evidence.get(key)
    return kind.form_class(data, files, unit=unit, options={"kind": key, **options}, prefix="e0")


def saved(key, bound, unit, actor=None) -> Evidence:
    kind = evidence.get(key)
    piece = Evidence(kind=key)
    kind.save(piece, bound.cleaned_data, unit=unit, actor=actor)
    return piece


def test_the_four_kinds_are_registered():
    assert {"document", "number", "checklist", "meeting"} <= set(evidence.keys())


# document


def test_document_is_checked_and_stored(city, media):
    unit = unit_of(city.branch_a)
    upload = SimpleUploadedFile("方案.pdf", b"%PDF-1.7 body")
    bound = form("document", {}, {}, MultiValueDict({"e0-file": [upload]}), unit=unit)
    assert bound.is_valid(), bound.errors
    piece = saved("document", bound, unit)
    assert piece.data == {"name": "方案.pdf", "size": len(b"%PDF-1.7 body")}
    assert (media / piece.file.name).read_bytes() == b"%PDF-1.7 body"
    assert evidence.get("document").describe(piece).startswith("方案.pdf (")


def test_document_types_and_size_options(city, settings):
    unit = unit_of(city.branch_a)
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.7" + b"0" * 2 * 1024 * 1024)
    only_images = form("document", {"types": ["png", "jpg"]}, {}, MultiValueDict({"e0-file": [pdf]}), unit=unit)
    assert not only_images.is_valid() and only_images.errors.as_data()["file"][0].code == "file_type"
    small = form("document", {"max_mb": 1}, {}, MultiValueDict({"e0-file": [pdf]}), unit=unit)
    assert not small.is_valid() and small.errors.as_data()["file"][0].code == "file_size"
    settings.VANGUARD_UPLOAD_MAX_MB = 1  # the server's limit wins over a template's larger one
    large = form("document", {"max_mb": 50}, {}, MultiValueDict({"e0-file": [pdf]}), unit=unit)
    assert not large.is_valid()
    missing = form("document", {}, {}, None, unit=unit)
    assert not missing.is_valid() and "file" in missing.errors


def test_document_options():
    check = evidence.get("document").check_options
    assert check({"types": ["pdf", "docx"], "max_mb": 5}) == []
    assert check({"types": ["pdf", "exe"]}) and check({"types": "pdf"}) and check({"types": []})
    assert check({"max_mb": 0}) and check({"max_mb": "big"})


# number


def test_number_in_range(city):
    unit = unit_of(city.branch_a)
    options = {"min": 0, "max": 100, "unit": "人"}
    bound = form("number", options, {"e0-value": "42"}, unit=unit)
    assert bound.is_valid(), bound.errors
    piece = saved("number", bound, unit)
    assert piece.data == {"value": 42, "unit": "人"} and evidence.get("number").describe(piece) == "42 人"
    half = form("number", {}, {"e0-value": "2.5"}, unit=unit)
    assert half.is_valid() and saved("number", half, unit).data == {"value": 2.5}


@pytest.mark.parametrize(("value", "code"), [("-1", "min_value"), ("101", "max_value"), ("many", "invalid")])
def test_number_out_of_range(city, value, code):
    bound = form("number", {"min": 0, "max": 100}, {"e0-value": value}, unit=unit_of(city.branch_a))
    assert not bound.is_valid() and bound.errors.as_data()["value"][0].code == code


def test_number_options():
    check = evidence.get("number").check_options
    assert check({"min": 0, "max": 10, "unit": "次"}) == []
    assert check({"min": 5, "max": 1}) and check({"min": "0"}) and check({"max": True}) and check({"unit": 3})


# checklist

ITEMS = ["学习党章", "观看专题片", "撰写心得"]


def test_checklist_ticks(city):
    unit = unit_of(city.branch_a)
    bound = form("checklist", {"items": ITEMS}, {"e0-ticked": ["0", "2"]}, unit=unit)
    assert bound.is_valid(), bound.errors
    piece = saved("checklist", bound, unit)
    assert piece.data == {"ticked": ["学习党章", "撰写心得"], "of": 3}
    assert "学习党章" in evidence.get("checklist").describe(piece)
    unknown = form("checklist", {"items": ITEMS}, {"e0-ticked": ["7"]}, unit=unit)
    assert not unknown.is_valid()
    nothing = form("checklist", {"items": ITEMS}, {}, unit=unit)
    assert not nothing.is_valid()


def test_checklist_all_required(city):
    unit = unit_of(city.branch_a)
    some = form("checklist", {"items": ITEMS, "all_required": True}, {"e0-ticked": ["0", "1"]}, unit=unit)
    assert not some.is_valid() and some.errors.as_data()["ticked"][0].code == "items_missing"
    every = form("checklist", {"items": ITEMS, "all_required": True}, {"e0-ticked": ["0", "1", "2"]}, unit=unit)
    assert every.is_valid() and every.cleaned_data["ticked"] == ITEMS


def test_checklist_options():
    check = evidence.get("checklist").check_options
    assert check({"items": ITEMS, "all_required": False}) == []
    assert check({}) and check({"items": []}) and check({"items": ["a", ""]}) and check({"items": ["a", "a"]})
    assert check({"items": ITEMS, "all_required": "yes"})


# meeting


def meeting_post(member, **extra):
    return {
        "e0-title": "动员大会",
        "e0-held_on": "2026-03-02",
        f"e0-attendance_{member.pk}": "present",
        **extra,
    }


def test_meeting_recorded_in_the_form(city):
    unit = unit_of(city.branch_a)
    away = MemberFactory(organisation=city.branch_a, name="王缺")
    data = meeting_post(city.member_a, **{f"e0-attendance_{away.pk}": "absent", f"e0-reason_{away.pk}": "病假"})
    files = MultiValueDict({"e0-files": [SimpleUploadedFile("纪要.pdf", b"%PDF-1.4")]})
    bound = form("meeting", {"meeting_kind": "mobilisation"}, data, files, unit=unit)
    assert "kind" not in bound.fields  # fixed by the template
    assert bound.is_valid(), bound.errors
    piece = saved("meeting", bound, unit, actor=city.branch_secretary_a)
    meeting = Meeting.objects.get()
    assert piece.object_id == meeting.pk and meeting.kind == MeetingKind.MOBILISATION
    assert meeting.organisation == city.branch_a and meeting.files.get().name == "纪要.pdf"
    assert piece.data["present"] == 1 and piece.data["absent"] == 1
    assert AuditEntry.objects.filter(event=meeting_events.MEETING_RECORDED, object_id=str(meeting.pk)).exists()
    assert "动员大会" in evidence.get("meeting").describe(piece)


def test_meeting_needs_title_date_and_reasons(city):
    unit = unit_of(city.branch_a)
    bound = form("meeting", {"meeting_kind": "study"}, {f"e0-attendance_{city.member_a.pk}": "absent"}, unit=unit)
    assert not bound.is_valid()
    assert {"title", "held_on", f"reason_{city.member_a.pk}"} <= set(bound.errors)


def test_meeting_picks_an_existing_one_of_the_kind(city):
    unit = unit_of(city.branch_a)

    def existing(organisation, kind, member):
        return meeting_services.record_meeting(
            organisation=organisation, actor=None, kind=kind, title="已开", held_on=datetime.date(2026, 3, 1),
            attendees=[(member, True, "")],
        )  # fmt: skip

    mine = existing(city.branch_a, MeetingKind.MOBILISATION, city.member_a)
    other_kind = existing(city.branch_a, MeetingKind.FORUM, city.member_a)
    elsewhere = existing(city.branch_b, MeetingKind.MOBILISATION, city.member_b)
    options = {"meeting_kind": "mobilisation"}
    offered = form("meeting", options, unit=unit).fields["meeting"].queryset
    assert list(offered) == [mine]
    for refused in (other_kind, elsewhere):
        assert not form("meeting", options, {"e0-meeting": refused.pk}, unit=unit).is_valid()
    bound = form("meeting", options, {"e0-meeting": mine.pk}, unit=unit)  # no attendance rows needed
    assert bound.is_valid(), bound.errors
    piece = saved("meeting", bound, unit)
    assert piece.object_id == mine.pk and Meeting.objects.count() == 3


def test_meeting_of_another_organisation_is_refused_on_save(city):
    elsewhere = meeting_services.record_meeting(
        organisation=city.branch_b, actor=None, kind="study", title="乙", held_on=datetime.date(2026, 3, 1)
    )
    with pytest.raises(ValidationError) as caught:
        evidence.get("meeting").save(Evidence(kind="meeting"), {"meeting": elsewhere}, unit=unit_of(city.branch_a),
                                     actor=None)  # fmt: skip
    assert caught.value.code == "meeting_elsewhere"


def test_meeting_options():
    check = evidence.get("meeting").check_options
    assert check({"meeting_kind": "democratic_life"}) == [] and check({}) == []
    assert check({"meeting_kind": "party"})


def test_registry_refuses_bad_options_and_unknown_keys():
    assert evidence.option_problems({"kind": "number", "min": 1, "max": 2}) == []
    assert evidence.option_problems({"kind": "number", "min": 3, "max": 2})
    assert [key for key, _msg in evidence.option_problems({"kind": "checklist", "items": ["a"], "colour": 1})] == [
        "colour"
    ]
    assert evidence.option_problems({"kind": "meeting", "meeting_kind": "party"})


@pytest.mark.parametrize("key", ["document", "number", "checklist", "meeting"])
def test_display_templates_render(key, city):
    from django.template.loader import render_to_string

    data = {
        "document": {"name": "方案.pdf", "size": 2048},
        "number": {"value": 42, "unit": "人"},
        "checklist": {"ticked": ["学习党章"], "of": 3},
        "meeting": {"title": "动员大会", "held_on": "2026-03-02", "present": 5, "absent": 1},
    }[key]
    piece = Evidence(kind=key, data=data, object_id=None)
    html = render_to_string(evidence.get(key).template, {"evidence": piece})
    assert f'data-testid="evidence-{key}"' in html
    generic = render_to_string("campaigns/evidence/_generic.html", {"evidence": piece})
    assert f'data-testid="evidence-{key}"' in generic


def test_a_document_is_downloaded_only_within_scope(client, city):
    from django.urls import reverse

    from conftest import PASSWORD
    from vanguard.campaigns import services as campaign_services
    from vanguard.campaigns.models import CampaignTemplate, StepRecord, Unit
    from vanguard.campaigns.tests.test_services import DEFINITION

    template = CampaignTemplate.objects.create(key="doc", name="甲", definition=DEFINITION, source="", digest="doc")
    campaign = campaign_services.create_campaign(
        template=template,
        organisation=city.district_a,
        name="甲区活动",
        starts_on=datetime.date.today() - datetime.timedelta(days=1),
        actor=None,
    )
    campaign_services.launch(campaign=campaign, actor=None)
    unit = Unit.objects.get(campaign=campaign, organisation=city.branch_a)
    record = StepRecord.objects.create(unit=unit, step=unit.phase.steps.order_by("order").first())
    upload = SimpleUploadedFile("方案.pdf", b"%PDF-1.7 plan")
    bound = form("document", {}, {}, MultiValueDict({"e0-file": [upload]}), unit=unit)
    assert bound.is_valid(), bound.errors
    piece = saved("document", bound, unit)
    piece.record = record
    piece.save()
    url = reverse("campaigns:evidence_file", args=[piece.pk])
    assert client.login(username=city.branch_secretary_a.username, password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 plan"
    assert "attachment" in response["Content-Disposition"]
    assert client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.get(url).status_code == 404
