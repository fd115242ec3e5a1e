"""Pages for members: list with filters, detail, create, edit, transfers, hosting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, scope_roots
from vanguard.core.pagination import ids_first_page
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.members import hooks, selectors, services
from vanguard.members.filters import MemberFilter, export_filters
from vanguard.members.forms import HostForm, MemberForm, TransferDecisionForm, TransferForm
from vanguard.members.models import Member, Transfer, TransferStatus
from vanguard.members.workflows import TRANSFER
from vanguard.orgs.models import Organisation

PAGE_SIZE = 50


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    scope = selectors.list_scope(request.user)
    filterset = MemberFilter(request.GET or None, queryset=selectors.list_members(request.user, scope), request=request)
    within = None
    if filterset.is_bound and filterset.form.is_valid():
        within = filterset.form.cleaned_data.get("organisation")
    # A filter that cannot apply (an unknown category, an organisation out of scope) shows its error and no
    # rows: the whole list under an error would read as the filter's result.
    if filterset.errors:
        rows, count = filterset.queryset.none(), lambda: 0
    else:
        rows = filterset.qs
        filters = filterset.form.cleaned_data if filterset.is_bound else {}
        count = lambda: selectors.list_count(request.user, filters, scope)  # noqa: E731
    page = ids_first_page(rows, number=request.GET.get("page"), size=PAGE_SIZE, count=count)
    _prepare_rows(page.rows, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    actions = []
    if not filterset.errors and page.count:
        shown = list_organisation(request.user, within)
        if shown is not None:  # rosters' "export these results" (members.hooks)
            actions = hooks.list_actions(request, shown, export_filters(request.GET))
    context = {"filter": filterset, "page": page, "within": within, "query": query.urlencode(), "actions": actions}
    template = "members/_list_table.html" if request.htmx else "members/list.html"
    return render(request, template, context)


# A pk no member has; reversed once, it is replaced by each row's own (a reverse() per row and cell cost more
# than the page's queries at 50 rows).
_PK_MARK = "987654321"


def _prepare_rows(members: list[Member], user) -> None:
    """What each row shows, worked out once per page rather than in the template cell by cell."""
    urls = {name: reverse(f"members:{name}", args=[int(_PK_MARK)]) for name in ("detail", "start_transfer")}
    labels = {
        field: {value: str(label) for value, label in Member._meta.get_field(field).choices}
        for field in ("gender", "category", "status")
    }
    date_format = get_format("DATE_FORMAT")
    for member in members:
        pk = str(member.pk)
        member.detail_url = urls["detail"].replace(_PK_MARK, pk)
        member.transfer_url = urls["start_transfer"].replace(_PK_MARK, pk)
        member.labels = {field: shown.get(getattr(member, field), "") for field, shown in labels.items()}
        member.birth_date_shown = dateformat.format(member.birth_date, date_format) if member.birth_date else ""
        # The per-row transfer action; scope roots are cached on the user, so no query per row.
        member.may_change = can_at_path(user, Action.CHANGE, member.org_path)


def list_organisation(user, within: Organisation | None) -> Organisation | None:
    """The subtree the list shows: the organisation picked, else the user's one root (what an export is about).

    None when the user oversees several subtrees and picked none (they pick one first), or oversees none
    (a member, who sees only their own record).
    """
    if within is not None:
        return within
    roots = scope_roots(user, Action.VIEW)
    if roots == []:
        return None
    top = {"parent__isnull": True} if roots is None else {"path__in": roots}
    found = list(Organisation.objects.filter(**top).order_by("path")[:2])
    return found[0] if len(found) == 1 else None


@scoped_view(Member)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped(request, selectors.visible_members(request.user), pk)
    context = {
        "member": member,
        "id_number": services.reveal_id_number(member) if selectors.may_see_identity(request.user, member) else "",
        "can_change": can_at_path(request.user, Action.CHANGE, member.org_path),
        "transfers": member.transfers.select_related("from_organisation", "to_organisation"),
        # A member sees their own transfers listed, but a transfer's page belongs to the two sides' offices.
        "openable_transfers": set(
            selectors.visible_transfers(request.user).filter(member=member).values_list("pk", flat=True)
        ),
        "history": selectors.member_history(member)[:50],
        "sections": hooks.member_sections(request, member),
    }
    return render(request, "members/detail.html", context)


def _member_fields(data: dict) -> dict:
    data = dict(data)
    data.pop("id_number", None)
    return data


def _to_member(_obj, member: Member) -> str:
    return reverse("members:detail", args=[member.pk])


@scoped_view(Organisation)
def create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new member of organisation `pk`."""
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=MemberForm,
        service=lambda organisation, data: services.create_member(
            organisation=organisation, fields=_member_fields(data), id_number=data["id_number"], actor=request.user
        ),
        success_message=_("Member added."),
        success_url=_to_member,
        template="members/form.html",
        context=lambda organisation: {"organisation": organisation, "member": None},
    )


@scoped_view(Member)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return form_action(
        request,
        queryset=Member.objects.select_related("organisation"),
        pk=pk,
        form_class=MemberForm,
        form_kwargs=lambda member: {"instance": member},
        service=lambda member, data: services.update_member(
            member=member, fields=_member_fields(data), id_number=data["id_number"] or None, actor=request.user
        ),
        success_message=_("Saved."),
        success_url=_to_member,
        template="members/form.html",
        context=lambda member: {"organisation": member.organisation, "member": member},
    )


@scoped_view(Member)
def start_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """The outgoing side issues the letter; the receiving organisation is named by its code."""
    return form_action(
        request,
        queryset=Member.objects.select_related("organisation"),
        pk=pk,
        form_class=TransferForm,
        service=lambda member, data: services.start_transfer(
            member=member,
            to_organisation=data["to_organisation"],
            valid_days=data["valid_days"],
            note=data["note"],
            actor=request.user,
        ),
        success_message=_("Transfer started; waiting for the receiving side."),
        success_url=lambda _member, transfer: reverse("members:transfer_detail", args=[transfer.pk]),
        template="members/action_form.html",
        context=lambda member: {"member": member, "title": _("Transfer relation out")},
    )


@scoped_view(Member)
def set_host(request: HttpRequest, pk: int) -> HttpResponse:
    return form_action(
        request,
        queryset=Member.objects.select_related("organisation", "host_organisation"),
        pk=pk,
        form_class=HostForm,
        form_kwargs=lambda member: {
            "initial": {"host_organisation": member.host_organisation.code if member.host_organisation else ""}
        },
        service=lambda member, data: services.set_host(
            member=member, host_organisation=data["host_organisation"], since=data["since"], actor=request.user
        ),
        success_message=_("Hosting recorded."),
        success_url=_to_member,
        template="members/action_form.html",
        context=lambda member: {"member": member, "title": _("Hosting")},
    )


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
    form = TransferDecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and _decide(request, form, transfer):
            return redirect("members:transfer_detail", pk=transfer.pk)
    context = {
        "transfer": transfer,
        "steps": transfer.steps.select_related("actor"),
        "decisions": TRANSFER.available(transfer, request.user),
        "form": form,
    }
    return render(request, "members/transfer_detail.html", context, status=400 if form.errors else 200)


def _decide(request: HttpRequest, form: TransferDecisionForm, transfer: Transfer) -> bool:
    """Take one decision; the declared workflow (members.workflows) refuses the wrong side or state, saying why."""
    reason = form.cleaned_data["reason"]
    who = {"transfer": transfer, "actor": request.user}
    calls = {
        "accept": lambda: services.accept_transfer(comment=reason, **who),
        "refuse": lambda: services.refuse_transfer(reason=reason, **who),
        "return": lambda: services.return_transfer(reason=reason, **who),
        "resubmit": lambda: services.resubmit_transfer(note=reason, **who),
        "cancel": lambda: services.cancel_transfer(comment=reason, **who),
    }
    if apply_service(form, calls[form.cleaned_data["action"]]) is None:
        return False
    messages.success(request, _("The decision is recorded."))
    return True
