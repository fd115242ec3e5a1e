"""Finding things (issue #11, points 5-7): no action a user cannot complete, the city's directory for transfers,
jobs in the menu, filters whose errors show no rows, the list's export of its results."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from python_calamine import CalamineWorkbook

from conftest import PASSWORD
from vanguard.accounts.models import RoleAssignment
from vanguard.core import jobs
from vanguard.core.models import Job, JobStatus
from vanguard.members.factories import MemberFactory
from vanguard.members.filters import MemberFilter
from vanguard.orgs.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def immediate_jobs(settings, tmp_path):
    settings.VANGUARD_TASKS = "immediate"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DATA_DIR = tmp_path / "data"


# 5. The member role


def test_a_member_is_offered_no_export_and_no_member_counts_on_their_branch(client, city):
    login(client, city.member_user_a)
    page = client.get(reverse("orgs:detail", args=[city.branch_a.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("rosters:export", args=[city.branch_a.pk]) not in html
    assert reverse("rosters:upload", args=[city.branch_a.pk]) not in html
    assert 'data-testid="category-counts"' not in html
    assert f"{reverse('members:list')}?organisation={city.branch_a.pk}" not in html


def test_a_secretary_still_sees_export_and_counts(client, city):
    login(client, city.branch_secretary_a)
    html = client.get(reverse("orgs:detail", args=[city.branch_a.pk])).content.decode()
    assert reverse("rosters:export", args=[city.branch_a.pk]) in html
    assert 'data-testid="category-counts"' in html
    # The count's link leads to a list showing that many rows.
    listed = client.get(reverse("members:list"), {"organisation": city.branch_a.pk})
    assert listed.context["page"].count == 1


def test_a_member_cannot_start_an_export_of_their_branch(client, city):
    login(client, city.member_user_a)
    response = client.post(reverse("rosters:export", args=[city.branch_a.pk]), {"what": "members"})
    assert response.status_code == 404
    assert not Job.objects.exists()
    assert not jobs.may_start(city.member_user_a, city.branch_a)
    assert jobs.may_start(city.supervisor_a, city.branch_a)


@pytest.fixture
def core_home_only(monkeypatch):
    """Core's own landing, without the home pages later apps register (study's member page, campaigns' work)."""
    from vanguard.core import views

    monkeypatch.setattr(views, "_home_pages", [])


@pytest.mark.parametrize("who, lands_on", [("member_user_a", "member"), ("secretary_a", "tree"), ("office", "tree")])
def test_home_is_the_members_own_record_else_the_tree(client, city, who, lands_on, core_home_only):
    login(client, getattr(city, who))
    expected = reverse("members:detail", args=[city.member_a.pk]) if lands_on == "member" else reverse("orgs:tree")
    assert client.get(reverse("home"))["Location"] == expected


def test_a_member_who_is_also_their_branchs_secretary_lands_on_the_tree(client, city, core_home_only):
    RoleAssignment.objects.create(user=city.member_user_a, role="secretary", organisation=city.branch_a)
    login(client, city.member_user_a)
    assert client.get(reverse("home"))["Location"] == reverse("orgs:tree")


def test_the_job_list_keeps_a_users_own_jobs_beyond_their_scope_without_a_link(client, city):
    mine = Job.objects.create(kind="rosters.export", created_by=city.secretary_a, organisation=city.district_a)
    RoleAssignment.objects.filter(user=city.secretary_a).delete()  # the role ended: the subtree is no longer theirs
    Job.objects.create(kind="rosters.export", created_by=city.office, organisation=city.district_a)
    login(client, city.secretary_a)
    html = client.get(reverse("core:jobs")).content.decode()
    assert 'data-testid="job-out-of-scope"' in html and html.count("<tr>") == 2  # header + their one job
    assert reverse("core:job", args=[mine.pk]) not in html
    assert client.get(reverse("core:job", args=[mine.pk])).status_code == 404


def test_recent_jobs_mark_which_are_still_in_scope(city):
    inside = Job.objects.create(kind="rosters.export", created_by=city.secretary_a, organisation=city.district_a)
    outside = Job.objects.create(kind="rosters.export", created_by=city.secretary_a, organisation=city.district_b)
    found = {job.pk: job.in_scope for job in jobs.recent_jobs(city.secretary_a)}
    assert found == {inside.pk: True, outside.pk: False}


# 6. The directory for transfers


@pytest.fixture
def receiving(city):
    return OrganisationFactory(name="石油路街道龍門浩支部", parent=city.district_b, code="500103999001")


def test_the_directory_finds_another_districts_branch_by_name_in_either_script_or_code(client, city, receiving):
    login(client, city.secretary_a)
    url = reverse("orgs:directory")
    for text in ("石油路", "龙门浩", "龍門浩", "500103999"):
        html = client.get(url, {"q": text, "pick": "id_to_organisation"}).content.decode()
        assert receiving.name in html and receiving.code in html and city.district_b.name in html, text
        assert reverse("orgs:detail", args=[receiving.pk]) not in html
    # The scoped tree search still finds nothing there.
    assert receiving.name not in client.get(reverse("orgs:search"), {"q": "石油路"}).content.decode()


def test_the_directory_shows_name_code_and_parent_only(city, receiving):
    from vanguard.orgs.selectors import directory

    assert directory("石油路") == [{"name": receiving.name, "code": receiving.code, "parent": city.district_b.name}]
    assert directory("  ") == []


def test_the_directory_is_for_those_who_may_change_members(client, city, receiving):
    for who, status in (("member_user_a", 404), ("supervisor_a", 404), ("branch_secretary_a", 200)):
        login(client, getattr(city, who))
        assert client.get(reverse("orgs:directory"), {"q": "石油路"}).status_code == status, who


def test_the_transfer_form_searches_the_directory(client, city, receiving):
    login(client, city.secretary_a)
    html = client.get(reverse("members:start_transfer", args=[city.member_a.pk])).content.decode()
    assert reverse("orgs:directory") in html
    response = client.post(
        reverse("members:start_transfer", args=[city.member_a.pk]),
        {"to_organisation": receiving.code, "valid_days": 30, "note": ""},
    )
    assert response.status_code == 302
    assert city.member_a.transfers.get().to_organisation == receiving


def test_the_member_list_offers_a_transfer_per_row_to_those_who_may_change_the_member(client, city):
    url = reverse("members:start_transfer", args=[city.member_a.pk])
    login(client, city.secretary_a)
    assert url in client.get(reverse("members:list")).content.decode()
    login(client, city.supervisor_a)
    assert url not in client.get(reverse("members:list")).content.decode()


# 7. Jobs in the menu, the organisation picker, errors without rows, export of the results


def test_the_job_list_is_in_the_menu(client, city):
    login(client, city.secretary_a)
    assert f'href="{reverse("core:jobs")}"' in client.get(reverse("members:list")).content.decode()


@pytest.mark.parametrize("param", ["category", "age_band", "ordering", "organisation"])
def test_a_bad_filter_shows_its_error_by_label_and_no_rows(client, city, param):
    login(client, city.secretary_a)
    value = city.branch_b.pk if param == "organisation" else "bogus"  # a sibling district's organisation
    response = client.get(reverse("members:list"), {param: value})
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert city.member_a.name not in html and response.context["page"].count == 0
    label = str(MemberFilter.base_filters[param].label)
    errors = html.split('data-testid="filter-errors"')[1].split("</ul>")[0]
    assert f"{label}:" in errors and f"{param}:" not in errors


def test_the_list_has_an_organisation_picker_and_the_picker_takes_ids(client, city):
    login(client, city.secretary_a)
    html = client.get(reverse("members:list")).content.decode()
    assert 'id="id_organisation"' in html and "pick_by=pk" in html
    picked = client.get(reverse("orgs:search"), {"q": city.branch_a.name, "pick": "id_organisation", "pick_by": "pk"})
    assert f'data-pick-value="{city.branch_a.pk}"' in picked.content.decode()
    listed = client.get(reverse("members:list"), {"organisation": city.branch_a2.pk})
    assert listed.context["within"] == city.branch_a2 and city.member_a.name not in listed.content.decode()


def test_choice_filters_read_all_and_sort_options_follow_the_language(city):
    form = MemberFilter().form
    assert form.fields["category"].choices[0] == ("", gettext("All"))
    with translation.override("en"):
        labels = [str(label) for _value, label in MemberFilter().form.fields["ordering"].choices]
    assert "Name (descending)" in labels
    with translation.override("zh-hans"):
        labels = [str(label) for _value, label in MemberFilter().form.fields["ordering"].choices]
    assert "Name (descending)" not in labels and len(labels) == 9  # the default order, then 4 fields both ways


def sheet_cells(response) -> set[str]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    return {str(cell) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for cell in row}


def test_export_these_results_exports_the_filtered_members(
    client, city, immediate_jobs, django_capture_on_commit_callbacks
):
    retired = MemberFactory(organisation=city.branch_a2, name="赵退休", category="retired")
    login(client, city.secretary_a)
    html = client.get(reverse("members:list"), {"category": "retired"}).content.decode()
    action = reverse("rosters:export", args=[city.district_a.pk])  # the secretary's one subtree
    assert f'action="{action}"' in html and 'name="category" value="retired"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {"what": "members", "category": "retired"})
    job = Job.objects.get(kind="rosters.export")
    assert response["Location"] == reverse("core:job", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED and job.params["filters"] == {"category": "retired"}
    cells = sheet_cells(client.get(reverse("rosters:download", args=[job.pk])))
    assert retired.name in cells and city.member_a.name not in cells
    assert retired.id_number_masked in cells  # masked for a secretary, as every export of theirs


def test_export_these_results_is_refused_for_bad_filters(client, city):
    login(client, city.secretary_a)
    response = client.post(reverse("rosters:export", args=[city.district_a.pk]), {"what": "members", "category": "x"})
    assert response.status_code == 404 and not Job.objects.exists()


def test_export_these_results_needs_one_subtree(client, city):
    """A supervisor over two districts picks one first; a member is offered no export."""
    RoleAssignment.objects.create(user=city.supervisor_a, role="supervisor", organisation=city.district_b)
    login(client, city.supervisor_a)
    assert 'data-testid="export-results"' not in client.get(reverse("members:list")).content.decode()
    picked = client.get(reverse("members:list"), {"organisation": city.district_b.pk}).content.decode()
    assert f'action="{reverse("rosters:export", args=[city.district_b.pk])}"' in picked
    login(client, city.member_user_a)
    assert 'data-testid="export-results"' not in client.get(reverse("members:list")).content.decode()
