"""Study's pages as their users use them: the member's own page, scheduling, attendance, records, rules."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.meetings.models import Attendance, MeetingKind
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.study import services
from vanguard.study.models import Activity, CreditRule, Material, Session, Standing, StudyRecord
from vanguard.study.selectors import behind
from vanguard.study.tests.conftest import days_ago, standing


def test_a_member_lands_on_their_own_page(client, city, campaign):
    client.force_login(city.member_user_a)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("study:me")
    body = client.get(reverse("study:me")).content.decode()
    for part in ("sessions-due", "credits", "asks", "my-analysis", 'data-testid="nav-me"'):
        assert part in body, part


def test_staff_do_not_land_there(client, city, campaign):
    client.force_login(city.branch_secretary_a)
    assert client.get(reverse("home")).get("Location") != reverse("study:me")
    # An account without a member record has no own page.
    client.force_login(city.office)
    assert client.get(reverse("study:me")).status_code == 404


def test_schedule_then_the_member_sees_it_due_then_attendance_changes_credits(client, city, campaign, first_phase):
    client.force_login(city.branch_secretary_a)
    on = datetime.date.today() + datetime.timedelta(days=2)
    url = reverse("study:schedule", args=[city.branch_a.pk]) + f"?campaign={campaign.pk}"
    response = client.post(
        url,
        {
            "campaign": campaign.pk,
            "kind": MeetingKind.STUDY,
            "title": "学习《读本》第一章",
            "held_on": on.isoformat(),
            "place": "会议室",
            "hours": "2",
            "given_by": "",
            "phase": first_phase.pk,
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("study:session", args=[session.pk])
    client.force_login(city.member_user_a)
    assert "学习《读本》第一章" in client.get(reverse("study:me")).content.decode()
    # Not yet held: the form is not offered, and a POST is refused with the reason.
    client.force_login(city.branch_secretary_a)
    page = client.get(reverse("study:session", args=[session.pk])).content.decode()
    assert "attendance-form" not in page
    refused = client.post(reverse("study:session", args=[session.pk]), {f"present_{city.member_a.pk}": "1"})
    assert refused.status_code == 400 and not Attendance.objects.exists()
    session.meeting.held_on = days_ago(0)
    session.meeting.save()
    response = client.post(reverse("study:session", args=[session.pk]), {f"present_{city.member_a.pk}": "1"})
    assert response.status_code == 302
    assert standing(city.member_a, first_phase).earned == 2
    client.force_login(city.member_user_a)
    body = client.get(reverse("study:me")).content.decode()
    assert 'data-earned="2"' in body and "学习《读本》第一章" in body


def test_absence_without_a_reason_is_refused_and_nothing_changes(client, city, campaign):
    session = services.schedule_session(
        campaign=campaign,
        organisation=city.branch_a,
        actor=city.branch_secretary_a,
        kind=MeetingKind.STUDY,
        title="学习",
        held_on=days_ago(1),
    )
    client.force_login(city.branch_secretary_a)
    response = client.post(reverse("study:session", args=[session.pk]), {f"present_{city.member_a.pk}": "0"})
    assert response.status_code == 400 and "张甲" in response.content.decode()
    assert not Attendance.objects.exists()
    assert Session.objects.get(pk=session.pk).recorded_at is None


def test_member_logs_self_study_on_the_phone_page(client, city, campaign, first_phase):
    client.force_login(city.member_user_a)
    response = client.post(
        reverse("study:record_own") + f"?campaign={campaign.pk}",
        {"activity": Activity.SELF_STUDY, "studied_on": days_ago(1).isoformat(), "hours": "1.5", "what": "党章"},
    )
    assert response.status_code == 302
    assert standing(city.member_a, first_phase).earned == 1.5
    # A visit at home is not the member's to record: the choice is not even offered.
    response = client.post(
        reverse("study:record_own"),
        {"activity": Activity.HOME_VISIT, "studied_on": days_ago(1).isoformat(), "hours": "1", "what": "x"},
    )
    assert response.status_code == 200 and StudyRecord.objects.count() == 1


def test_the_branch_records_a_home_visit_for_an_elderly_member(client, city, campaign, first_phase):
    elderly = MemberFactory(organisation=city.branch_a, name="王老", category="elderly")
    client.force_login(city.branch_secretary_a)
    response = client.post(
        reverse("study:record_for", args=[elderly.pk]) + f"?campaign={campaign.pk}",
        {"activity": Activity.HOME_VISIT, "studied_on": days_ago(2).isoformat(), "hours": "2", "what": "送学上门"},
    )
    assert response.status_code == 302
    assert standing(elderly, first_phase).earned == 4
    page = client.get(reverse("study:organisation", args=[city.branch_a.pk]) + f"?campaign={campaign.pk}")
    body = page.content.decode()
    # 张甲 has nothing yet: behind, and why; 王老 reached the elderly's 4.
    assert f'data-testid="behind-row" data-member="{city.member_a.pk}"' in body
    assert f'data-member="{elderly.pk}"' not in body.split('data-testid="behind"')[1].split("</section>")[0]


def test_hosted_member_study_recorded_by_the_host_is_seen_by_both_and_counts_once(city, campaign, first_phase):
    """A mobile member hosted by a branch in another district: the host records study; it is one row."""
    mobile = MemberFactory(organisation=city.branch_a, name="流动党员", category="mobile")
    mobile.host_organisation = city.branch_b
    mobile.hosted_since = days_ago(30)
    mobile.save()
    host_secretary = make_user("host_sec", Role.SECRETARY, city.branch_b)
    services.record_study(
        member=mobile,
        actor=host_secretary,
        campaign=campaign,
        activity=Activity.REMOTE,
        studied_on=days_ago(1),
        hours=3,
        what="流入地党组织组织学习",
    )
    session = services.schedule_session(
        campaign=campaign,
        organisation=city.branch_b,
        actor=host_secretary,
        kind=MeetingKind.STUDY,
        title="流入地学习",
        held_on=days_ago(1),
    )
    services.record_attendance(session=session, actor=host_secretary, rows=[(mobile, True, "")])
    record = StudyRecord.objects.get()
    assert record.recorded_at_organisation == city.branch_b and record.org_path == city.branch_a.path
    got = standing(mobile, first_phase)
    assert (got.earned, got.attended) == (5, 1)  # 3 hours × 1 + one session × 2
    from vanguard.study.selectors import visible_records

    assert list(visible_records(host_secretary)) == [record]
    assert list(visible_records(city.branch_secretary_a)) == [record]
    assert list(visible_records(city.secretary_b)) == [record]
    # The city counts the member once, in the home branch.
    from vanguard.study.selectors import rollup

    whole = rollup(city.root, campaign)
    assert sum(line["members"] for line in whole.by_phase if line["phase"] == first_phase) == Member.objects.count()
    assert Standing.objects.filter(member=mobile).count() == 1


def test_rules_page_for_the_office_only(client, city, campaign, first_phase):
    url = reverse("study:rules", args=[campaign.pk])
    client.force_login(city.branch_secretary_a)
    assert client.get(url).status_code == 404
    client.force_login(city.office)
    assert client.get(url).status_code == 200
    bad = client.post(url, {f"rule_{Activity.STUDY}_all": "abc"})
    assert bad.status_code == 400 and CreditRule.objects.filter(campaign=campaign).count() == 8
    response = client.post(
        url,
        {
            f"rule_{Activity.STUDY}_all": "3",
            f"basis_{Activity.STUDY}": "each",
            f"need_{first_phase.pk}_all": "6",
        },
    )
    assert response.status_code == 302
    assert list(CreditRule.objects.filter(campaign=campaign).values_list("activity", "credits")) == [
        (Activity.STUDY, 3)
    ]


def test_materials_listed_above_are_seen_below_and_files_served(client, city, campaign):
    client.force_login(city.office)
    response = client.post(
        reverse("study:materials", args=[city.root.pk]) + f"?campaign={campaign.pk}",
        {
            "title": "《共产党员保持先进性教育读本》",
            "required": "on",
            "form": "self",
            "file": SimpleUploadedFile("duben.txt", "读本".encode(), content_type="text/plain"),
        },
    )
    assert response.status_code == 302
    material = Material.objects.get()
    client.force_login(city.member_user_a)
    assert "《共产党员保持先进性教育读本》" in client.get(reverse("study:me")).content.decode()
    download = client.get(reverse("study:material_file", args=[material.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == "读本".encode()
    # Listed for district A only: district B's secretary neither sees nor downloads it.
    district = services.add_material(
        campaign=campaign, organisation=city.district_a, actor=city.secretary_a, title="甲区材料", link="https://e.cn"
    )
    client.force_login(city.secretary_b)
    assert client.get(reverse("study:material_file", args=[district.pk])).status_code == 404
    page = client.get(reverse("study:materials", args=[city.branch_b.pk]) + f"?campaign={campaign.pk}")
    assert "甲区材料" not in page.content.decode() and "读本" in page.content.decode()


def test_figures_page_and_workbook(client, city, campaign):
    import io

    from python_calamine import CalamineWorkbook

    session = services.schedule_session(
        campaign=campaign,
        organisation=city.branch_a,
        actor=city.branch_secretary_a,
        kind=MeetingKind.STUDY,
        title="学习",
        held_on=days_ago(1),
    )
    other = MemberFactory(organisation=city.branch_a, name="王丙")
    services.record_attendance(
        session=session, actor=city.branch_secretary_a, rows=[(city.member_a, True, ""), (other, False, "病假")]
    )
    client.force_login(city.secretary_a)
    query = f"?campaign={campaign.pk}"
    page = client.get(reverse("study:figures", args=[city.district_a.pk]) + query).content.decode()
    assert 'data-testid="attendance-rate">50%' in page and f'data-organisation="{city.committee_a.pk}"' in page
    workbook = client.get(reverse("study:figures_xlsx", args=[city.district_a.pk]) + query)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(workbook.content)).get_sheet_by_name("学习教育").to_python()
    flat = [cell for row in rows for cell in row]
    assert city.committee_a.name in flat and 0.5 in flat
    client.force_login(city.secretary_b)
    assert client.get(reverse("study:figures", args=[city.district_a.pk]) + query).status_code == 404


@pytest.mark.parametrize("user", ["supervisor_a", "secretary_b"])
def test_others_cannot_record_for_a_member(client, city, campaign, user):
    client.force_login(getattr(city, user))
    response = client.post(
        reverse("study:record_for", args=[city.member_a.pk]) + f"?campaign={campaign.pk}",
        {"activity": Activity.HOME_VISIT, "studied_on": days_ago(1).isoformat(), "hours": "1", "what": "x"},
    )
    assert response.status_code in (200, 404) and not StudyRecord.objects.exists()


def test_saving_the_rules_holds_at_once_and_the_figures_are_recounted_in_a_job(
    client, city, campaign, first_phase, settings, django_capture_on_commit_callbacks
):
    from vanguard.core.models import Job
    from vanguard.study.selectors import rollup

    settings.VANGUARD_TASKS = "immediate"
    services.record_study(
        member=city.member_a, actor=city.member_user_a, campaign=campaign, studied_on=days_ago(1), hours=2, what="党章"
    )
    assert standing(city.member_a, first_phase).earned == 2

    def completed() -> int:
        return next(
            line["complete"] for line in rollup(city.branch_a, campaign).by_phase if line["phase"] == first_phase
        )

    assert completed() == 0
    written = Standing.objects.get(member=city.member_a, phase=first_phase).updated_at
    client.force_login(city.office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("study:rules", args=[campaign.pk]),
            {
                f"rule_{Activity.SELF_STUDY}_all": "3",
                f"basis_{Activity.SELF_STUDY}": "hour",
                f"need_{first_phase.pk}_all": "5",
            },
        )
        # The member's standing follows at once, before any job: it is valued when read, and nothing was written.
        got = standing(city.member_a, first_phase)
        assert (got.earned, got.required, got.complete) == (6, 5, True)
        assert Standing.objects.get(member=city.member_a, phase=first_phase).updated_at == written
        assert city.member_a.pk not in {row.member.pk for row in behind(city.branch_a, campaign, first_phase)}
    job = Job.objects.filter(kind="study.recount").latest("pk")
    assert response["Location"] == reverse("core:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert completed() == 1
    client.force_login(city.member_user_a)
    body = client.get(reverse("study:me")).content.decode()
    assert f'data-phase="{first_phase.key}" data-earned="6" data-required="5"' in body


def test_own_page_shows_commitments_training_and_talks_of_the_member_only(client, city, campaign):
    from vanguard.commitments.models import Status
    from vanguard.commitments.tests.factories import make_commitment
    from vanguard.exemplars.tests import factories as exemplars

    client.force_login(city.member_user_a)
    body = client.get(reverse("study:me")).content.decode()
    # A running campaign asks for a commitment, so the section is there with a way to make one.
    assert 'data-testid="make-commitment"' in body and 'data-testid="my-commitment"' not in body
    assert 'data-testid="my-training"' not in body

    mine = make_commitment(campaign, city.member_a, text="带头学习党章", status=Status.PUBLISHED)
    other = MemberFactory(organisation=city.branch_a)
    make_commitment(campaign, other, text="别人的承诺")
    training = exemplars.training_class(city.branch_a, title="支部委员培训班")
    exemplars.trainee(training, city.member_a, hours_attended=8, completed=True)
    exemplars.trainee(exemplars.training_class(city.branch_a, title="他人的班"), other)
    exemplars.talk(exemplars.group(city.branch_a), city.member_a, size=40)

    body = client.get(reverse("study:me")).content.decode()
    assert "带头学习党章" in body and reverse("commitments:detail", args=[mine.pk]) in body
    assert "别人的承诺" not in body
    assert "支部委员培训班" in body and "他人的班" not in body
    assert 'data-testid="my-talk"' in body and "学习党章" in body
    # The member can open the commitment the section links to.
    assert client.get(reverse("commitments:detail", args=[mine.pk])).status_code == 200
