"""建章立制: drafting, editing drafts, adopting with the 四定, repealing and replacing; the rules in force on a day."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vanguard.core import audit
from vanguard.core.transitions import NotAllowed
from vanguard.rectification.models import Institution, InstitutionKind, InstitutionStatus
from vanguard.rectification.services import institutions as services
from vanguard.rectification.tests.factories import make_institution

pytestmark = pytest.mark.django_db

FOUR = {
    "rule": "群众来办事，第一个接待的人负责到底。",
    "procedure": "登记、办理、答复、回访。",
    "standard": "当场答复或三日内答复。",
    "measures": "每月检查一次，结果公示。",
}


def draft(city, **fields) -> Institution:
    values = {"organisation": city.branch_a, "actor": city.branch_secretary_a, "title": "首问负责制", **FOUR, **fields}
    return services.draft_institution(**values)


def events_of(obj) -> list[str]:
    return [entry.event for entry in audit.history(obj)]


def test_a_draft_is_made_by_its_organisation_and_audited(city):
    rule = draft(city, file=SimpleUploadedFile("制度.pdf", b"%PDF-1.4 minimal", content_type="application/pdf"))
    assert rule.status == InstitutionStatus.DRAFT
    assert rule.org_path == city.branch_a.path
    assert rule.file_name == "制度.pdf"
    assert events_of(rule) == ["rectification.institution.created"]


def test_no_draft_for_an_organisation_outside_ones_scope(city):
    with pytest.raises(ValidationError) as refused:
        draft(city, organisation=city.branch_b)
    assert refused.value.code == "forbidden"
    with pytest.raises(ValidationError):
        draft(city, actor=city.supervisor_a)  # supervisors watch; they do not make rules
    assert not Institution.objects.exists()


def test_editing_a_draft_records_what_changed_and_an_adopted_rule_is_not_edited(city, today):
    rule = draft(city, standard="")
    services.edit_institution(institution=rule, actor=city.branch_secretary_a, standard="三日内答复")
    rule.refresh_from_db()
    assert rule.standard == "三日内答复"
    entry = audit.history(rule).first()
    assert entry.event == "rectification.institution.edited"
    assert entry.changes == {"standard": ["", "三日内答复"]}
    # Nothing changed: nothing recorded.
    services.edit_institution(institution=rule, actor=city.branch_secretary_a, standard="三日内答复")
    assert len(events_of(rule)) == 2

    services.adopt(institution=rule, actor=city.branch_secretary_a, today=today)
    with pytest.raises(ValidationError) as refused:
        services.edit_institution(institution=rule, actor=city.branch_secretary_a, title="改名")
    assert refused.value.code == "state"


def test_a_rule_is_adopted_only_with_all_four_parts(city, today):
    rule = draft(city, procedure="", measures="")
    with pytest.raises(NotAllowed) as refused:
        services.adopt(institution=rule, actor=city.branch_secretary_a, today=today)
    assert refused.value.code == "transition_refused"
    rule.refresh_from_db()
    assert rule.status == InstitutionStatus.DRAFT

    services.edit_institution(
        institution=rule, actor=city.branch_secretary_a, procedure=FOUR["procedure"], measures=FOUR["measures"]
    )
    adopted = services.adopt(institution=rule, actor=city.branch_secretary_a, today=today)
    assert adopted.status == InstitutionStatus.IN_FORCE
    assert adopted.effective_from == today
    entry = audit.history(rule).first()
    assert entry.event == "rectification.institution.adopt"
    assert entry.actor_role == "secretary" and entry.actor_organisation_id == city.branch_a.pk


def test_requirements_of_advancement_need_no_four_parts(city, today):
    requirement = draft(
        city,
        kind=InstitutionKind.REQUIREMENT,
        title="窗口岗位党员先进性具体要求",
        trade="服务业",
        post="窗口",
        **dict.fromkeys(FOUR, ""),
    )
    services.adopt(institution=requirement, actor=city.branch_secretary_a, today=today)
    requirement.refresh_from_db()
    assert requirement.status == InstitutionStatus.IN_FORCE


def test_only_its_own_side_adopts_and_repeals(city, today):
    rule = draft(city)
    with pytest.raises(NotAllowed):
        services.adopt(institution=rule, actor=city.secretary_b, today=today)
    services.adopt(institution=rule, actor=city.secretary_a, today=today)  # above the branch: its scope too
    with pytest.raises(NotAllowed):
        services.repeal(institution=rule, actor=city.member_user_a, reason="过时", today=today)


def test_repeal_needs_a_reason_and_cannot_end_before_it_began(city, today):
    rule = make_institution(city.branch_a, effective_from=today)
    with pytest.raises(NotAllowed):
        services.repeal(institution=rule, actor=city.branch_secretary_a, reason=" ", today=today)
    with pytest.raises(NotAllowed):
        services.repeal(
            institution=rule,
            actor=city.branch_secretary_a,
            reason="过时",
            effective_until=today - datetime.timedelta(days=1),
            today=today,
        )
    repealed = services.repeal(institution=rule, actor=city.branch_secretary_a, reason="过时", today=today)
    assert repealed.status == InstitutionStatus.REPEALED
    assert repealed.effective_until == today
    assert audit.history(rule).first().data["reason"] == "过时"


def test_adopting_a_replacement_repeals_the_old_rule_the_day_before(city, today):
    old = make_institution(city.branch_a, effective_from=today - datetime.timedelta(days=100))
    new = draft(city, title="首问负责制（修订）", supersedes=old)
    starts = today + datetime.timedelta(days=5)
    services.adopt(institution=new, actor=city.branch_secretary_a, effective_from=starts, today=today)
    old.refresh_from_db()
    assert old.status == InstitutionStatus.REPEALED
    assert old.effective_until == starts - datetime.timedelta(days=1)
    assert audit.history(old).first().data["replaced_by"] == new.pk
    # Until the new text begins, the old one is still the rule.
    in_force = services.rules_in_force(city.branch_a, today)
    assert [rule.pk for rule in in_force] == [old.pk]
    assert [rule.pk for rule in services.rules_in_force(city.branch_a, starts)] == [new.pk]


def test_a_rule_replaces_only_one_of_its_own_organisation(city):
    above = make_institution(city.committee_a)
    with pytest.raises(ValidationError) as refused:
        draft(city, supersedes=above)
    assert "supersedes" in refused.value.error_dict


def test_rules_in_force_are_the_own_then_those_from_above(city, today):
    own = make_institution(city.branch_a, title="支部学习制度")
    committee = make_institution(city.committee_a, title="街道党工委联系群众制度")
    district = make_institution(city.district_a, title="区委督查制度")
    make_institution(city.branch_a2, title="兄弟支部的制度")
    make_institution(city.district_b, title="乙区的制度")
    make_institution(city.branch_a, title="草稿", in_force=False)
    make_institution(city.branch_a, title="将来的", effective_from=today + datetime.timedelta(days=3))
    make_institution(
        city.root,
        title="已废止",
        status=InstitutionStatus.REPEALED,
        effective_from=today - datetime.timedelta(days=30),
        effective_until=today - datetime.timedelta(days=1),
    )

    rules = services.rules_in_force(city.branch_a, today)
    assert [rule.pk for rule in rules] == [own.pk, committee.pk, district.pk]
    assert [rule.from_above for rule in rules] == [False, True, True]
    # The committee's own view: the branch's rule is not above it.
    assert [rule.pk for rule in services.rules_in_force(city.committee_a, today)] == [committee.pk, district.pk]
    # A rule since repealed was in force on the days before its end.
    yesterday = [rule.title for rule in services.rules_in_force(city.branch_a, today - datetime.timedelta(days=1))]
    assert "已废止" in yesterday
