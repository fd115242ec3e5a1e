"""Pages for members: list with filters, detail, create, edit, transfers, hosting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import role_label_at
from vanguard.core.views import apply_service, get_scoped, scoped_view
from vanguard.members import selectors, services
from vanguard.members.filters import MemberFilter
from vanguard.members.forms import HostForm, MemberForm, TransferDecisionForm, TransferForm
from vanguard.members.models import Member, Transfer, TransferStatus
from vanguard.orgs.models import Organisation

PAGE_SIZE = 50


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    filterset = MemberFilter(request.GET or None, queryset=selectors.visible_members(request.user), request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    within = None
    if filterset.is_bound and filterset.form.is_valid():
        within = filterset.form.cleaned_data.get("organisation")
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "within": within, "query": query.urlencode()}
    template = "members/_list_table.html" if request.htmx else "members/list.html"
    return render(request, template, context)


@scoped_view(Member)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped(request, selectors.visible_members(request.user), pk)
    context = {
        "member": member,
        "id_number": services.reveal_id_number(member) if selectors.may_see_identity(request.user, member) else "",
        "can_change": can_at_path(request.user, Action.CHANGE, member.org_path),
        "transfers": member.transfers.select_related("from_organisation", "to_organisation"),
        "history": selectors.member_history(member)[:50],
    }
    return render(request, "members/detail.html", context)


def _member_fields(form: MemberForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("id_number", None)
    return data


@scoped_view(Organisation)
def create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new member of organisation `pk`."""
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = apply_service(
            form,
            lambda: services.create_member(
                organisation=organisation,
                fields=_member_fields(form),
                id_number=form.cleaned_data["id_number"],
                actor=request.user,
            ),
        )
        if member:
            messages.success(request, _("Member added."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "organisation": organisation, "member": None})


@scoped_view(Member)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped(request, Member.objects.select_related("organisation"), pk, Action.CHANGE)
    form = MemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        done = apply_service(
            form,
            lambda: services.update_member(
                member=member,
                fields=_member_fields(form),
                id_number=form.cleaned_data["id_number"] or None,
                actor=request.user,
            ),
        )
        if done:
            messages.success(request, _("Saved."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "organisation": member.organisation, "member": member})


@scoped_view(Member)
def start_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """The outgoing side issues the letter; the receiving organisation is named by its code."""
    member = get_scoped(request, Member.objects.select_related("organisation"), pk, Action.CHANGE)
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        transfer = apply_service(
            form,
            lambda: services.start_transfer(
                member=member,
                to_organisation=data["to_organisation"],
                valid_days=data["valid_days"],
                note=data["note"],
                actor=request.user,
                actor_role=role_label_at(request.user, member.org_path),
            ),
        )
        if transfer:
            messages.success(request, _("Transfer started; waiting for the receiving side."))
            return redirect("members:transfer_detail", pk=transfer.pk)
    return render(
        request, "members/action_form.html", {"form": form, "member": member, "title": _("Transfer relation out")}
    )


@scoped_view(Member)
def set_host(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped(request, Member.objects.select_related("organisation", "host_organisation"), pk, Action.CHANGE)
    initial = {"host_organisation": member.host_organisation.code if member.host_organisation else ""}
    form = HostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = apply_service(
            form,
            lambda: services.set_host(
                member=member, host_organisation=data["host_organisation"], since=data["since"], actor=request.user
            ),
        )
        if done:
            messages.success(request, _("Hosting recorded."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/action_form.html", {"form": form, "member": member, "title": _("Hosting")})


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    transfers = selectors.visible_transfers(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        transfers = transfers.filter(status__in=[TransferStatus.PENDING, TransferStatus.RETURNED])
    page = Paginator(transfers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/transfer_list.html", {"page": page, "state": state})


@scoped_view(Transfer)
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_scoped(request, selectors.visible_transfers(request.user), pk)
    sides = selectors.transfer_sides(request.user, transfer)
    form = TransferDecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and _decide(request, form, transfer, sides):
            return redirect("members:transfer_detail", pk=transfer.pk)
    context = {
        "transfer": transfer,
        "steps": transfer.steps.select_related("actor"),
        "sides": sides,
        "form": form,
    }
    return render(request, "members/transfer_detail.html", context, status=400 if form.errors else 200)


def _decide(request: HttpRequest, form: TransferDecisionForm, transfer: Transfer, sides: dict[str, bool]) -> bool:
    """Apply one decision if the user acts for the side that may take it."""
    action = form.cleaned_data["action"]
    reason = form.cleaned_data["reason"]
    side = "sending" if action in ("resubmit", "cancel") else "receiving"
    if not sides[side]:
        form.add_error(None, _("You do not act for the side of this transfer that may do that."))
        return False
    path = transfer.from_organisation.path if side == "sending" else transfer.to_organisation.path
    who = {"actor": request.user, "actor_role": role_label_at(request.user, path)}
    calls = {
        "accept": lambda: services.accept_transfer(transfer=transfer, comment=reason, **who),
        "refuse": lambda: services.refuse_transfer(transfer=transfer, reason=reason, **who),
        "return": lambda: services.return_transfer(transfer=transfer, reason=reason, **who),
        "resubmit": lambda: services.resubmit_transfer(transfer=transfer, note=reason, **who),
        "cancel": lambda: services.cancel_transfer(transfer=transfer, comment=reason, **who),
    }
    if apply_service(form, calls[action]) is None:
        return False
    messages.success(request, _("The decision is recorded."))
    return True
