"""Every write to accounts and roles: own password changes, first passwords, provisioning, resets, handovers.

Who may manage whom (DOMAIN §1: rights belong to a role held for a period,
and a role covers its organisation's subtree): an account is managed by "the
office above" — an actor may give role R at organisation O only when one of
the actor's own current roles, at an organisation strictly above O, carries
CHANGE and every right R carries.  So the campaign office provisions
secretaries anywhere below the city, a district secretary provisions
secretaries, supervisors and members below the district, and nobody but the
superuser gives a role at their own level or one with rights they lack.  A
user is managed (reset, deactivated) only by an actor who could have given
every role that user holds or will hold; superusers and the actor themself
never are.

First passwords are generated here, returned to the page that shows them once
and stored nowhere but as a hash; the account must change it at its next
sign-in (`User.must_change_password`, enforced by accounts.middleware).
"""

from __future__ import annotations

import datetime
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vanguard.accounts import events
from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.accounts.scoping import ROLE_ACTIONS, forget
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, tree
from vanguard.core.access import Action, can
from vanguard.core.spreadsheets import (
    DEFAULT_LIMITS,
    Column,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    is_blank,
    open_sheets,
    text,
)

# No 0/o, 1/l/i: first passwords are read off paper slips and typed on phones.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 10
# Imports run in the request, because the first passwords they make must reach the page and never a
# job's stored result; this bounds the request to a few seconds.  Bigger files are split.
MAX_IMPORT_ROWS = 2000


def organisation_model() -> type[models.Model]:
    # Accounts sits below orgs and members: it reaches their models through its own relations.
    return RoleAssignment._meta.get_field("organisation").related_model


def member_model() -> type[models.Model]:
    return User._meta.get_field("member").related_model


def generate_password() -> str:
    """A random first password with letters and digits (so Django's validators accept it)."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


@dataclass(frozen=True)
class FirstPassword:
    """A password someone else chose, to show once and print on a slip."""

    user: User
    password: str
    organisation: Any
    role: str = ""


# --- who may manage whom ---------------------------------------------------------------------------


_GRANT_CACHE_ATTR = "_vanguard_grant_roots"


def grant_roots(actor) -> dict[str, list[str]] | None:
    """For each role, the paths strictly below which `actor` may give it; None means anywhere.

    Kept on the user object for the request (the header and the organisation page both ask).
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return {role: [] for role in Role.values}
    if actor.is_superuser:
        return None
    cached = getattr(actor, _GRANT_CACHE_ATTR, None)
    if cached is None:
        cached = _grant_roots(actor)
        setattr(actor, _GRANT_CACHE_ATTR, cached)
    return cached


def _forget(user) -> None:
    forget(user)
    if hasattr(user, _GRANT_CACHE_ATTR):
        delattr(user, _GRANT_CACHE_ATTR)


def _grant_roots(actor) -> dict[str, list[str]]:
    held = list(RoleAssignment.objects.current().filter(user=actor).values_list("role", "organisation__path"))
    roots = {}
    for role in Role.values:
        needed = ROLE_ACTIONS[role] | {Action.CHANGE}
        roots[role] = tree.minimal_roots([path for held_role, path in held if needed <= ROLE_ACTIONS[held_role]])
    return roots


def _strictly_below(path: str, roots: list[str]) -> bool:
    return any(path != root and tree.is_within(path, root) for root in roots)


def _strictly_below_q(field_name: str, roots: list[str]) -> Q:
    query = Q(pk__in=[])
    for root in roots:
        query |= tree.subtree_q(field_name, root) & ~Q(**{field_name: root})
    return query


def may_grant(actor, *, organisation, role: str) -> bool:
    roots = grant_roots(actor)
    return roots is None or _strictly_below(organisation.path, roots.get(role, []))


def grantable_roles(actor, organisation) -> list[tuple[str, str]]:
    return [(value, label) for value, label in Role.choices if may_grant(actor, organisation=organisation, role=value)]


def manageable_users(actor) -> models.QuerySet[User]:
    """Users `actor` may reset or deactivate: every role they hold or will hold lies within the actor's reach."""
    users = User.objects.filter(is_superuser=False).exclude(pk=getattr(actor, "pk", None))
    roots = grant_roots(actor)
    if roots is None:
        return users
    open_roles = RoleAssignment.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()))
    reachable = Q(pk__in=[])
    for role, paths in roots.items():
        reachable |= Q(role=role) & _strictly_below_q("organisation__path", paths)
    return users.filter(pk__in=open_roles.filter(reachable).values("user")).exclude(
        pk__in=open_roles.exclude(reachable).values("user")
    )


def may_manage(actor, user: User) -> bool:
    return manageable_users(actor).filter(pk=user.pk).exists()


# --- one's own password ----------------------------------------------------------------------------


@transaction.atomic
def change_own_password(*, user: User, password: str) -> None:
    """The user chose a new password (validated by the form): the first-password flag is lifted."""
    user.set_password(password)
    was_forced = user.must_change_password
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit.record(event=events.PASSWORD_CHANGED, actor=user, target=user, data={"was_first_password": was_forced})


# --- accounts and roles ----------------------------------------------------------------------------


def _new_user(*, actor, username: str, full_name: str, organisation, member=None) -> tuple[User, str]:
    password = generate_password()
    user = User(username=username, first_name=full_name, member=member, must_change_password=True)
    user.set_password(password)
    user.save()
    audit.record(
        event=events.USER_CREATED,
        **acting_as(actor, organisation.path),
        target=user,
        organisation=organisation,
        data={"username": username, "member": getattr(member, "pk", None)},
    )
    return user, password


def _grant(*, actor, user: User, role: str, organisation, on: datetime.date) -> RoleAssignment:
    existing = RoleAssignment.objects.current(on).filter(user=user, role=role, organisation=organisation).first()
    if existing is not None:
        return existing
    assignment = RoleAssignment.objects.create(user=user, role=role, organisation=organisation, valid_from=on)
    audit.record(
        event=events.ROLE_GRANTED,
        **acting_as(actor, organisation.path),
        target=user,
        organisation=organisation,
        data={"username": user.username, "role": role, "valid_from": on.isoformat()},
    )
    _forget(user)
    return assignment


def username_for_member(member) -> str:
    """A member's sign-in name: their mobile number when it is one and free, else m + the record's number."""
    phone = "".join(c for c in unicodedata.normalize("NFKC", member.phone or "") if c.isdigit())
    if len(phone) == 11 and phone.startswith("1") and not User.objects.filter(username=phone).exists():
        return phone
    return f"m{member.pk}"


@transaction.atomic
def give_member_role(*, actor, member, role: str, organisation=None) -> tuple[RoleAssignment, FirstPassword | None]:
    """Give a member of the roster `role` at `organisation` (their own by default), making their account if needed.

    Returns the assignment and, when an account was made, its first password.
    """
    organisation = organisation or member.organisation
    if not may_grant(actor, organisation=organisation, role=role) or not can(actor, Action.CHANGE, member):
        raise PermissionDenied
    if not tree.is_within(member.org_path, organisation.path):
        raise ValidationError({"member": _("The member must belong to this organisation or one below it.")})
    user = getattr(member, "user_account", None)
    first = None
    if user is None:
        user, password = _new_user(
            actor=actor, username=username_for_member(member), full_name=member.name, organisation=organisation,
            member=member,
        )  # fmt: skip
        first = FirstPassword(user, password, organisation, role)
    elif not user.is_active:
        raise ValidationError({"member": _("This member's account is deactivated; ask the office above.")})
    assignment = _grant(actor=actor, user=user, role=role, organisation=organisation, on=timezone.localdate())
    return assignment, first


@transaction.atomic
def reset_password(*, actor, user: User) -> FirstPassword:
    """A new first password for a user the actor manages; it must be changed at the next sign-in."""
    if not may_manage(actor, user):
        raise PermissionDenied
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    organisation = _home_organisation(user)
    audit.record(
        event=events.PASSWORD_RESET,
        **acting_as(actor, organisation.path if organisation else ""),
        target=user,
        organisation=organisation,
        data={"username": user.username},
    )
    return FirstPassword(user, password, organisation)


@transaction.atomic
def deactivate_user(*, actor, user: User) -> None:
    """The user can no longer sign in; their roles stay on record (hand them over on the organisation's page)."""
    if not may_manage(actor, user):
        raise PermissionDenied
    if not user.is_active:
        return
    user.is_active = False
    user.save(update_fields=["is_active"])
    organisation = _home_organisation(user)
    audit.record(
        event=events.USER_DEACTIVATED,
        **acting_as(actor, organisation.path if organisation else ""),
        target=user,
        organisation=organisation,
        changes={"is_active": [True, False]},
        data={"username": user.username},
    )


def _home_organisation(user: User):
    """Where entries about the user go: the organisation of their most recent role."""
    assignment = user.roles.select_related("organisation").order_by("-valid_from", "-pk").first()
    return assignment.organisation if assignment else None


@transaction.atomic
def hand_over(*, actor, assignment: RoleAssignment, member) -> tuple[RoleAssignment, FirstPassword | None]:
    """End `assignment` today and give its role at its organisation to `member`.

    The old holder's assignment ends yesterday, the successor's begins today,
    so from today the rights (and with them every pending approval, which
    belongs to the role at the organisation, not to a person) are the
    successor's alone.
    """
    assignment = RoleAssignment.objects.select_for_update().select_related("organisation", "user").get(pk=assignment.pk)
    organisation = assignment.organisation
    if not may_grant(actor, organisation=organisation, role=assignment.role):
        raise PermissionDenied
    today = timezone.localdate()
    if not RoleAssignment.objects.current(today).filter(pk=assignment.pk).exists():
        raise ValidationError(_("This role has already ended."))
    if getattr(member, "user_account", None) is not None and member.user_account.pk == assignment.user_id:
        raise ValidationError({"member": _("The successor already holds this role.")})
    ended_on = max(today - datetime.timedelta(days=1), assignment.valid_from)
    assignment.valid_until = ended_on
    assignment.save(update_fields=["valid_until"])
    audit.record(
        event=events.ROLE_ENDED,
        **acting_as(actor, organisation.path),
        target=assignment.user,
        organisation=organisation,
        changes={"valid_until": [None, ended_on.isoformat()]},
        data={"username": assignment.user.username, "role": assignment.role, "handover": True},
    )
    _forget(assignment.user)
    return give_member_role(actor=actor, member=member, role=assignment.role, organisation=organisation)


# --- accounts from a spreadsheet -------------------------------------------------------------------

COLUMNS = [
    Column("name", ["姓名", "名字", "name", "full name"], required=True),
    Column("phone", ["手机", "手机号", "手机号码", "电话", "联系电话", "联系方式", "phone", "mobile"], required=True),
    Column("role", ["角色", "职务", "role"], required=True),
    Column(
        "organisation", ["组织代码", "组织编码", "单位代码", "党组织代码", "organisation code", "code"], required=True
    ),
]


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet shows it; 0 for the whole file
    column: str  # letter and header, "" for the whole row
    message: str
    value: str = ""


class ImportRefused(Exception):
    """The file was refused as a whole; nothing was written.  Every problem is named."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class _Row:
    number: int
    name: str
    phone: str
    role: str
    organisation: Any
    existing: User | None = None
    member: Any = None


@dataclass
class ImportResult:
    first_passwords: list[FirstPassword] = field(default_factory=list)
    roles_given: int = 0


def _role_words() -> dict[str, str]:
    """Every way a role may be written: its code and its name in each language."""
    words = {}
    for language in ("zh-hans", "zh-hant", "en"):
        with translation.override(language):
            for value, label in Role.choices:
                words[str(label).strip().lower()] = value
    words.update({value: value for value in Role.values})
    # The usual words in both scripts, whatever the catalogues say.
    for role, written in {
        Role.SECRETARY: ("书记", "書記"),
        Role.SUPERVISOR: ("督导", "督導"),
        Role.MEMBER: ("党员", "黨員"),
        Role.ADMIN: ("管理员", "管理員"),
    }.items():
        words.update(dict.fromkeys(written, role))
    return words


def import_accounts(*, actor, path: Path) -> ImportResult:
    """Accounts and roles from a sheet of name, phone, role and organisation code: all rows or none.

    Sign-in names are the mobile numbers.  A phone that already has an account
    the actor manages gets the role added (no new password); one the actor
    does not manage is a problem.  A row whose name and phone match a member of
    the organisation without an account links the account to that member.
    """
    rows, problems = _read_accounts(actor=actor, path=path)
    if problems:
        raise ImportRefused(problems)
    return _write_accounts(actor=actor, rows=rows)


def _read_accounts(*, actor, path: Path) -> tuple[list[_Row], list[Problem]]:
    problems: list[Problem] = []
    try:
        sheets = open_sheets(path)
        found = None
        for sheet in sheets:
            all_rows = fill_merged(sheet.rows, sheet.merged)
            head = []
            for row in all_rows:
                head.append(row)
                if len(head) >= DEFAULT_LIMITS.header_search_rows:
                    break
            header = find_header(head, COLUMNS)
            if header is not None:
                found = (header, [r for r in head if r.number > header.row_number], all_rows)
                break
    except SpreadsheetError as exc:
        return [], [Problem(0, "", str(exc))]
    if found is None:
        no_header = _("No header row found: the first rows should name the columns 姓名, 手机号, 角色, 组织代码.")
        return [], [Problem(0, "", no_header)]
    header, head_rest, rest = found
    missing = [c.key for c in COLUMNS if c.key not in header.positions]
    if missing:
        names = {"name": "姓名", "phone": "手机号", "role": "角色", "organisation": "组织代码"}
        message = _("Missing columns: %(names)s.") % {"names": "、".join(names[k] for k in missing)}
        return [], [Problem(header.row_number, "", message)]

    def where(key: str) -> str:
        return f"{column_letter(header.positions[key])} · {header.labels[key]}"

    def cell(row, key: str) -> str:
        index = header.positions[key]
        return text(row.cells[index]) if index < len(row.cells) else ""

    role_words = _role_words()
    organisations = organisation_model()
    roots = grant_roots(actor)
    parsed: list[_Row] = []
    seen_phones: dict[str, int] = {}
    count = 0
    for row in _chain(head_rest, rest):
        if is_blank(row.cells):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            limit = _("More than %(count)d rows: split the file.") % {"count": MAX_IMPORT_ROWS}
            problems.append(Problem(row.number, "", limit))
            break
        row_problems = len(problems)

        def report(key: str, message: str, value: str, number: int = row.number) -> None:
            problems.append(Problem(number, where(key), message, value))

        name = " ".join(cell(row, "name").split())
        if not name or len(name) > 64:
            report("name", _("A name of 1 to 64 characters is needed."), name)
        phone = "".join(c for c in cell(row, "phone") if c not in " -")
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            report("phone", _("Not a mobile number (11 digits starting with 1)."), phone)
        elif phone in seen_phones:
            report("phone", _("The same phone as row %(row)d.") % {"row": seen_phones[phone]}, phone)
        else:
            seen_phones[phone] = row.number
        role = role_words.get(cell(row, "role").lower())
        if role is None:
            report("role", _("Not a role: write 书记, 督导, 党员 or 管理员."), cell(row, "role"))
        code = cell(row, "organisation")
        organisation = organisations.objects.filter(code=code).first() if code else None
        reach = None if roots is None else roots[role] if role else [r for paths in roots.values() for r in paths]
        if organisation is None or (reach is not None and not _strictly_below(organisation.path, reach)):
            # Unknown and out of reach read the same: the file never confirms an organisation elsewhere.
            report("organisation", _("No organisation with this code below yours."), code)
        if len(problems) > row_problems:
            continue
        existing = User.objects.filter(username=phone).first()
        if existing is not None and not may_manage(actor, existing):
            report("phone", _("This phone already has an account you cannot manage."), phone)
            continue
        member = None
        if existing is None:
            members = member_model().objects.filter(organisation=organisation, name=name, phone=phone)
            member = members.filter(user_account__isnull=True).first()
        parsed.append(_Row(row.number, name, phone, role, organisation, existing, member))
    if not parsed and not problems:
        problems.append(Problem(header.row_number, "", _("The file has no rows below its header.")))
    return parsed, problems


def _chain(first, rest):
    yield from first
    yield from rest


@transaction.atomic
def _write_accounts(*, actor, rows: list[_Row]) -> ImportResult:
    result = ImportResult()
    today = timezone.localdate()
    for row in rows:
        user = row.existing
        if user is None:
            user, password = _new_user(
                actor=actor, username=row.phone, full_name=row.name, organisation=row.organisation, member=row.member
            )
            result.first_passwords.append(FirstPassword(user, password, row.organisation, row.role))
        _grant(actor=actor, user=user, role=row.role, organisation=row.organisation, on=today)
        result.roles_given += 1
    return result
