"""Provisioning by the office above: roles from the roster, from a workbook, resets, deactivation, handovers."""

from __future__ import annotations

import pytest
import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import PASSWORD, make_user
from vanguard.accounts import events, services
from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.accounts.scoping import Action, can_at_path, forget
from vanguard.core.models import AuditEntry
from vanguard.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def roles_url(organisation):
    return reverse("accounts:organisation_roles", kwargs={"pk": organisation.pk})


def give(client, organisation, member, role=Role.SECRETARY):
    return client.post(roles_url(organisation), {"action": "give", "give-member": member.pk, "give-role": role})


# --- from the roster -------------------------------------------------------------------------------


def test_office_gives_a_member_the_secretary_role_and_sees_the_first_password_once(client, city):
    newcomer = MemberFactory(organisation=city.branch_a2, name="王新", phone="13800001111")
    client.force_login(city.office)
    response = give(client, city.branch_a2, newcomer)
    assert response.status_code == 200
    [first] = response.context["first_passwords"]
    user = User.objects.get(member=newcomer)
    assert first.user == user and user.username == "13800001111" and user.first_name == "王新"
    assert user.must_change_password and user.check_password(first.password)
    assert first.password in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert RoleAssignment.objects.current().filter(user=user, role=Role.SECRETARY, organisation=city.branch_a2).exists()
    assert can_at_path(user, Action.CHANGE, city.branch_a2.path)
    # Shown once: the page, read again, shows no password.
    assert first.password not in client.get(roles_url(city.branch_a2)).content.decode()
    created = AuditEntry.objects.get(event=events.USER_CREATED)
    granted = AuditEntry.objects.get(event=events.ROLE_GRANTED)
    assert created.actor_id == city.office.pk and created.organisation_id == city.branch_a2.pk
    assert granted.data["role"] == Role.SECRETARY and granted.actor_role == Role.ADMIN
    assert first.password not in str(created.data) + str(granted.data)


def test_a_member_with_an_account_gets_the_role_and_no_new_password(client, city):
    client.force_login(city.secretary_a)
    response = give(client, city.branch_a, city.member_a)
    assert response.status_code == 302
    assert city.member_user_a.roles.current().filter(role=Role.SECRETARY, organisation=city.branch_a).exists()
    city.member_user_a.refresh_from_db()
    assert city.member_user_a.check_password(PASSWORD) and not city.member_user_a.must_change_password
    assert not AuditEntry.objects.filter(event=events.USER_CREATED).exists()


def test_a_district_gives_roles_only_below_itself_and_never_more_rights_than_it_has(client, city):
    client.force_login(city.secretary_a)
    page = client.get(roles_url(city.branch_a))
    offered = {value for value, _ in page.context["give"].fields["role"].choices}
    assert offered == {Role.SECRETARY, Role.SUPERVISOR, Role.MEMBER}  # not the campaign office's role
    assert give(client, city.branch_a, city.member_a, Role.ADMIN).status_code == 200  # a form error
    assert not city.member_user_a.roles.filter(role=Role.ADMIN).exists()
    # At its own level (a peer) it gives nothing: that is the office above's.
    district_member = MemberFactory(organisation=city.district_a)
    assert client.get(roles_url(city.district_a)).context["give"] is None
    assert give(client, city.district_a, district_member).status_code == 403
    # A branch secretary cannot give roles at their own branch either.
    client.force_login(city.branch_secretary_a)
    assert give(client, city.branch_a, city.member_a).status_code == 403
    assert not RoleAssignment.objects.filter(role=Role.SECRETARY, user=city.member_user_a).exists()


def test_a_district_cannot_provision_in_a_sibling_district(client, city):
    client.force_login(city.secretary_a)
    assert client.get(roles_url(city.branch_b)).status_code == 404
    assert give(client, city.branch_b, city.member_b).status_code == 404
    with pytest.raises(PermissionDenied):
        services.give_member_role(actor=city.secretary_a, member=city.member_b, role=Role.SECRETARY)
    assert not User.objects.filter(member=city.member_b).exists()


# --- resets and deactivation ------------------------------------------------------------------------


def test_people_lists_only_the_accounts_below_the_office(client, city):
    both = make_user("both", Role.SECRETARY, city.branch_a)
    RoleAssignment.objects.create(user=both, role=Role.MEMBER, organisation=city.branch_b)
    client.force_login(city.secretary_a)
    response = client.get(reverse("accounts:people"))
    listed = {user.username for user in response.context["page"]}
    assert listed == {"branch_sec_a", "mem_a"}  # not sup_a (at the district itself), not `both` (reaches B)
    client.force_login(city.office)
    listed = {user.username for user in client.get(reverse("accounts:people")).context["page"]}
    assert listed == {"sec_a", "sec_b", "branch_sec_a", "sup_a", "mem_a", "both"}
    client.force_login(city.branch_secretary_a)  # nothing below the branch: nobody to manage
    assert not client.get(reverse("accounts:people")).context["page"].object_list
    client.force_login(city.supervisor_a)
    assert client.get(reverse("accounts:people")).status_code == 403


def test_reset_gives_a_new_first_password(client, city):
    client.force_login(city.secretary_a)
    response = client.post(reverse("accounts:reset_password"), {"user": city.branch_secretary_a.pk})
    assert response.status_code == 200
    [first] = response.context["first_passwords"]
    user = city.branch_secretary_a
    user.refresh_from_db()
    assert user.check_password(first.password) and user.must_change_password
    entry = AuditEntry.objects.get(event=events.PASSWORD_RESET)
    assert entry.actor_id == city.secretary_a.pk and entry.object_id == str(user.pk)
    assert client.login(username=user.username, password=first.password)
    assert client.get(reverse("members:list"))["Location"] == reverse("accounts:password_change")


@pytest.mark.parametrize("target", ["secretary_b", "office", "supervisor_a", "secretary_a", "root", "both"])
def test_reset_and_deactivation_stay_within_the_subtree(client, city, target):
    if target == "root":
        victim = User.objects.create_superuser("root", password=PASSWORD)
    elif target == "both":
        victim = make_user("both", Role.SECRETARY, city.branch_a)
        RoleAssignment.objects.create(user=victim, role=Role.MEMBER, organisation=city.branch_b)
    else:
        victim = getattr(city, target)
    client.force_login(city.secretary_a)
    assert client.post(reverse("accounts:reset_password"), {"user": victim.pk}).status_code == 404
    assert client.post(reverse("accounts:deactivate"), {"user": victim.pk}).status_code == 404
    victim.refresh_from_db()
    assert victim.is_active and victim.check_password(PASSWORD) and not victim.must_change_password
    with pytest.raises(PermissionDenied):
        services.reset_password(actor=city.secretary_a, user=victim)
    assert not AuditEntry.objects.filter(event__in=[events.PASSWORD_RESET, events.USER_DEACTIVATED]).exists()


def test_superusers_are_untouchable_even_by_the_office(city):
    root = User.objects.create_superuser("root", password=PASSWORD)
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor=city.office, user=root)


def test_deactivation(client, city):
    client.force_login(city.secretary_a)
    response = client.post(reverse("accounts:deactivate"), {"user": city.branch_secretary_a.pk})
    assert response.status_code == 302
    city.branch_secretary_a.refresh_from_db()
    assert not city.branch_secretary_a.is_active
    assert not client.login(username="branch_sec_a", password=PASSWORD)
    entry = AuditEntry.objects.get(event=events.USER_DEACTIVATED)
    assert entry.changes == {"is_active": [True, False]} and entry.organisation_id == city.branch_a.pk


# --- handover ---------------------------------------------------------------------------------------


def test_handover_ends_the_old_assignment_and_begins_the_successors(client, city):
    old = RoleAssignment.objects.get(user=city.branch_secretary_a)
    successor = MemberFactory(organisation=city.branch_a, name="赵继", phone="")
    client.force_login(city.secretary_a)
    response = client.post(
        roles_url(city.branch_a), {"action": "handover", "handover-assignment": old.pk, "handover-member": successor.pk}
    )
    assert response.status_code == 200  # a new account: its first password is shown
    new_user = User.objects.get(member=successor)
    assert new_user.username == f"m{successor.pk}"
    old.refresh_from_db()
    assert not RoleAssignment.objects.current().filter(pk=old.pk).exists()
    assert RoleAssignment.objects.current().filter(user=new_user, role=Role.SECRETARY, organisation=city.branch_a)
    forget(city.branch_secretary_a)
    assert not can_at_path(city.branch_secretary_a, Action.CHANGE, city.branch_a.path)
    assert can_at_path(new_user, Action.CHANGE, city.branch_a.path)
    ended = AuditEntry.objects.get(event=events.ROLE_ENDED)
    assert ended.data["handover"] and ended.organisation_id == city.branch_a.pk


def test_handover_outside_the_subtree_or_at_ones_own_level_is_refused(client, city):
    mine = RoleAssignment.objects.get(user=city.secretary_a)
    theirs = RoleAssignment.objects.get(user=city.secretary_b)
    member = MemberFactory(organisation=city.district_a)
    client.force_login(city.secretary_a)
    post = {"action": "handover", "handover-assignment": mine.pk, "handover-member": member.pk}
    assert client.post(roles_url(city.district_a), post).status_code == 403
    post["handover-assignment"] = theirs.pk
    assert client.post(roles_url(city.district_b), post).status_code == 404
    assert RoleAssignment.objects.current().filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_the_organisation_page_shows_its_roles(client, city):
    client.force_login(city.secretary_a)
    body = client.get(reverse("orgs:detail", args=[city.branch_a.pk])).content.decode()
    assert 'data-testid="roles-card"' in body and "branch_sec_a" in body and roles_url(city.branch_a) in body
    client.force_login(city.supervisor_a)
    body = client.get(reverse("orgs:detail", args=[city.branch_a.pk])).content.decode()
    assert 'data-testid="roles-card"' in body and roles_url(city.branch_a) not in body
    assert client.get(roles_url(city.branch_a)).status_code == 404


# --- from a workbook ---------------------------------------------------------------------------------


def workbook(tmp_path, rows, header=("序号", "姓名", "手机号", "角色", "组织代码")):
    path = tmp_path / "accounts.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["甲区委书记名单"])
    sheet.write_row(1, 0, header)
    for number, row in enumerate(rows, start=2):
        sheet.write_row(number, 0, row)
    book.close()
    return path


def upload(client, path):
    return client.post(reverse("accounts:import"), {"file": SimpleUploadedFile(path.name, path.read_bytes())})


def test_workbook_creates_accounts_and_roles(client, city, tmp_path):
    linked = MemberFactory(organisation=city.branch_a2, name="钱二", phone="13900000002")
    path = workbook(
        tmp_path,
        [
            [1, "孙一", "13900000001", "书记", city.branch_a.code],
            [2, "钱二", "139 0000 0002", "secretary", city.branch_a2.code],
            [3, "周三", "13900000003", "督導", city.committee_a.code],
        ],
    )
    client.force_login(city.secretary_a)
    response = upload(client, path)
    assert response.status_code == 200
    firsts = response.context["first_passwords"]
    assert [f.user.username for f in firsts] == ["13900000001", "13900000002", "13900000003"]
    assert User.objects.get(username="13900000002").member == linked
    assert all(f.user.must_change_password and f.user.check_password(f.password) for f in firsts)
    zhou = User.objects.get(username="13900000003")
    assert zhou.roles.get().role == Role.SUPERVISOR and zhou.roles.get().organisation == city.committee_a
    assert AuditEntry.objects.filter(event=events.ROLE_GRANTED).count() == 3


def test_workbook_with_bad_rows_creates_nothing_and_names_each_row(client, city, tmp_path):
    path = workbook(
        tmp_path,
        [
            [1, "孙一", "13900000001", "书记", city.branch_a.code],
            [2, "", "12345", "书记", city.branch_a.code],
            [3, "周三", "13900000001", "国王", city.branch_b.code],
            [4, "吴四", "13900000004", "管理员", city.branch_a.code],
        ],
    )
    client.force_login(city.secretary_a)
    response = upload(client, path)
    assert response.status_code == 200
    found = {(p.row, p.column.split(" · ")[0]) for p in response.context["problems"]}
    assert found == {(4, "B"), (4, "C"), (5, "C"), (5, "D"), (5, "E"), (6, "E")}
    assert not User.objects.filter(username__startswith="139").exists()
    assert not AuditEntry.objects.filter(event__startswith="accounts.").exists()
    body = response.content.decode()
    assert 'data-testid="problems"' in body and "12345" in body


def test_workbook_phone_of_an_account_out_of_reach(client, city, tmp_path):
    make_user("13900000009", Role.SECRETARY, city.branch_b)
    path = workbook(tmp_path, [[1, "郑九", "13900000009", "书记", city.branch_a.code]])
    client.force_login(city.secretary_a)
    [problem] = upload(client, path).context["problems"]
    assert problem.row == 3 and problem.column.startswith("C")
    assert not RoleAssignment.objects.filter(organisation=city.branch_a, user__username="13900000009").exists()


def test_workbook_without_a_header(client, city, tmp_path):
    path = workbook(
        tmp_path, [[1, "孙一", "13900000001", "书记", city.branch_a.code]], header=("a", "b", "c", "d", "e")
    )
    client.force_login(city.secretary_a)
    [problem] = upload(client, path).context["problems"]
    assert problem.row == 0
