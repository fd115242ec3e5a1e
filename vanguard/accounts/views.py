"""Accounts pages: sign-in lockouts, one's own password, and the offices' provisioning of accounts and roles.

First passwords are rendered straight into the response of the request that
made them (never redirected to, never stored), so they are seen once; the
same page prints as slips.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vanguard.accounts import lockouts, services
from vanguard.accounts.forms import AccountsFileForm, GiveRoleForm, HandoverForm, OwnPasswordForm
from vanguard.accounts.models import RoleAssignment, User
from vanguard.core.access import Action, restrict
from vanguard.core.views import apply_service, get_scoped, scoped_view

Organisation = services.organisation_model()


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    if not lockouts.may_unlock(request.user):
        raise PermissionDenied
    context = {
        "usernames": lockouts.username_lockouts(request.user),
        "addresses": lockouts.address_lockouts(request.user),
        "sees_addresses": lockouts.may_unlock_addresses(request.user),
    }
    return render(request, "accounts/lockouts.html", context)


@require_POST
@login_required
def unlock(request: HttpRequest) -> HttpResponse:
    if not lockouts.may_unlock(request.user):
        raise PermissionDenied
    username = request.POST.get("username", "").strip()
    address = request.POST.get("address", "").strip()
    if bool(username) == bool(address):
        messages.error(request, _("Choose one user name or one address to unlock."))
        return redirect("accounts:lockouts")
    try:
        lockouts.unlock(actor=request.user, username=username, address=address)
    except PermissionDenied:
        # Out of reach and not locked read the same: the page never confirms a user name elsewhere.
        messages.error(request, _("There is no such lockout to lift (it may have expired)."))
    else:
        messages.success(request, _("Unlocked: %(name)s can sign in again.") % {"name": username or address})
    return redirect("accounts:lockouts")


class PasswordChange(PasswordChangeView):
    form_class = OwnPasswordForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


def _first_passwords(request: HttpRequest, first_passwords: list, *, back: str, summary: str = "") -> HttpResponse:
    response = render(
        request, "accounts/first_passwords.html", {"first_passwords": first_passwords, "back": back, "summary": summary}
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _manages_anyone(user) -> bool:
    roots = services.grant_roots(user)
    return roots is None or any(roots.values())


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The accounts the user manages (their roles all lie below the user's office), with reset and deactivate."""
    if not _manages_anyone(request.user):
        raise PermissionDenied
    users = services.manageable_users(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    current = RoleAssignment.objects.current().select_related("organisation").order_by("organisation__path")
    users = users.order_by("username").prefetch_related(Prefetch("roles", queryset=current, to_attr="current_roles"))
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/people.html", {"page": page, "query": query})


def _managed_user(request: HttpRequest) -> User:
    try:
        pk = int(request.POST.get("user", ""))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(services.manageable_users(request.user), pk=pk)


@require_POST
@login_required
def reset_password(request: HttpRequest) -> HttpResponse:
    first = services.reset_password(actor=request.user, user=_managed_user(request))
    return _first_passwords(request, [first], back=reverse("accounts:people"))


@require_POST
@login_required
def deactivate(request: HttpRequest) -> HttpResponse:
    user = _managed_user(request)
    services.deactivate_user(actor=request.user, user=user)
    messages.success(request, _("%(name)s can no longer sign in.") % {"name": user.get_full_name() or user.username})
    return redirect("accounts:people")


@login_required
def import_accounts(request: HttpRequest) -> HttpResponse:
    """Accounts from a workbook, checked whole and written all-or-nothing in the request (see services)."""
    if not _manages_anyone(request.user):
        raise PermissionDenied
    form = AccountsFileForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()[:8]
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"accounts{suffix}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = services.import_accounts(actor=request.user, path=path)
            except services.ImportRefused as refused:
                problems = refused.problems
            else:
                summary = _("%(roles)d roles given, %(accounts)d new accounts.") % {
                    "roles": result.roles_given,
                    "accounts": len(result.first_passwords),
                }
                return _first_passwords(
                    request, result.first_passwords, back=reverse("accounts:import"), summary=summary
                )
    return render(request, "accounts/import.html", {"form": form, "problems": problems})


@scoped_view(Organisation)
def organisation_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """The roles held at one organisation: give a member of its roster a role, or hand a role over."""
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    members = (
        restrict(services.member_model().objects.filter(organisation=organisation), request.user, Action.CHANGE)
        .select_related("user_account")
        .order_by("name", "pk")
    )
    roles = services.grantable_roles(request.user, organisation)
    give = GiveRoleForm(members=members, roles=roles, prefix="give")
    handover = None
    if request.method == "POST":
        if not roles:
            raise PermissionDenied
        if request.POST.get("action") == "give":
            give = GiveRoleForm(request.POST, members=members, roles=roles, prefix="give")
            if give.is_valid():
                data = give.cleaned_data
                outcome = apply_service(
                    give,
                    lambda: services.give_member_role(
                        actor=request.user, member=data["member"], role=data["role"], organisation=organisation
                    ),
                )
                if outcome is not None:
                    return _done(request, organisation, outcome)
        elif request.POST.get("action") == "handover":
            handover = HandoverForm(request.POST, members=members, prefix="handover")
            if handover.is_valid():
                assignment = get_object_or_404(
                    RoleAssignment.objects.current().filter(organisation=organisation),
                    pk=handover.cleaned_data["assignment"],
                )
                if not services.may_grant(request.user, organisation=organisation, role=assignment.role):
                    raise PermissionDenied
                outcome = apply_service(
                    handover,
                    lambda: services.hand_over(
                        actor=request.user, assignment=assignment, member=handover.cleaned_data["member"]
                    ),
                )
                if outcome is not None:
                    return _done(request, organisation, outcome)
        else:
            raise Http404
    assignments = list(
        RoleAssignment.objects.current().filter(organisation=organisation).select_related("user").order_by("role", "pk")
    )
    for assignment in assignments:
        assignment.may_hand_over = services.may_grant(request.user, organisation=organisation, role=assignment.role)
    context = {
        "organisation": organisation,
        "assignments": assignments,
        "give": give if roles else None,
        "handover_members": HandoverForm(members=members, prefix="handover").fields["member"],
        "handover": handover,
    }
    return render(request, "accounts/organisation_roles.html", context)


def _done(request: HttpRequest, organisation, outcome) -> HttpResponse:
    assignment, first = outcome
    back = reverse("accounts:organisation_roles", kwargs={"pk": organisation.pk})
    message = _("%(name)s is now %(role)s of %(organisation)s.") % {
        "name": assignment.user.get_full_name() or assignment.user.username,
        "role": assignment.get_role_display(),
        "organisation": organisation.name,
    }
    if first is None:
        messages.success(request, message)
        return redirect(back)
    return _first_passwords(request, [first], back=back, summary=message)


def may_manage_accounts(user) -> bool:
    """Whether the header offers the accounts page."""
    return _manages_anyone(user)
