"""Pages of cases (不合格党员处置): staff pages read with VIEW_CASES, the member's own pages under cases/mine/.

A case is read only by those who hold VIEW_CASES over its branch (the branch, above it, the office) and by the
member concerned; to anyone else it does not exist (404).  The history page is read from the audit trail alone,
so a column emptied by SQL does not empty what the member was told.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.models import Role
from vanguard.core import audit
from vanguard.core.access import Action, restrict
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.members.models import Member
from vanguard.rectification.case_forms import APPROVAL_NAMES, CaseActionForm, OpenCaseForm, fields_of
from vanguard.rectification.models import OPEN_STAGES, Case, Stage
from vanguard.rectification.services import cases
from vanguard.rectification.workflows import CASE, case_above_side, offered_case_transitions

MEMBER_STEPS = ("state_case", "file_application")


def visible_cases(user):
    return restrict(Case.objects.all(), user, Action.VIEW_CASES).select_related("member", "organisation")


def own_cases(user):
    member_id = getattr(user, "member_id", None)
    if member_id is None:
        return Case.objects.none()
    return Case.objects.filter(member_id=member_id).select_related("member", "organisation")


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    qs = visible_cases(request.user)
    stage = request.GET.get("stage", "")
    if stage == "open":
        qs = qs.filter(stage__in=OPEN_STAGES)
    elif stage in Stage.values:
        qs = qs.filter(stage=stage)
    return render(
        request,
        "rectification/cases/list.html",
        {"cases": qs[:500], "stages": Stage.choices, "stage": stage},
    )


@login_required
def pending(request: HttpRequest) -> HttpResponse:
    """What waits on this user: proposals to approve, hearings whose window has passed, periods that have run out."""
    today = timezone.localdate()
    qs = visible_cases(request.user)
    proposals = [case for case in qs.filter(stage=Stage.PROPOSED) if case_above_side(request.user, case)]
    heard = qs.filter(stage=Stage.HEARING).filter(
        ~Q(statement="") | Q(statement_waived=True) | Q(statement_due__lt=today)
    )
    run_out = qs.filter(
        Q(stage=Stage.EDUCATION, education_until__lt=today) | Q(stage=Stage.CORRECTING, correct_until__lt=today)
    )
    opened = qs.filter(stage=Stage.OPENED)
    return render(
        request,
        "rectification/cases/pending.html",
        {"proposals": proposals, "heard": heard, "run_out": run_out, "opened": opened},
    )


@scoped_view(Member)
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    return form_action(
        request,
        queryset=Member,
        pk=pk,
        form_class=OpenCaseForm,
        service=lambda member, data: cases.open_case(member=member, actor=request.user, reason=data["reason"]),
        success_url=lambda _member, case: reverse("rectification:case", args=[case.pk]),
        success_message=_("Case opened."),
        template="rectification/cases/open.html",
        context=lambda member: {"member": member},
    )


def _forms(request: HttpRequest, case: Case, bound: CaseActionForm | None = None) -> list[dict]:
    names = [t.name for t in offered_case_transitions(case, request.user)]
    out = []
    for t in offered_case_transitions(case, request.user):
        form = bound if bound is not None and bound.data.get("transition") == t.name else None
        form = form or CaseActionForm(case=case, names=names, initial={"transition": t.name}, auto_id=f"id_{t.name}_%s")
        out.append({"transition": t, "form": form, "fields": [form[f] for f in fields_of(t.name)]})
    return out


@scoped_view(Case)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped(request, visible_cases(request.user), pk, Action.VIEW_CASES)
    return _detail(request, case)


def _detail(request: HttpRequest, case: Case, bound: CaseActionForm | None = None) -> HttpResponse:
    return render(
        request,
        "rectification/cases/detail.html",
        {"case": case, "actions": _forms(request, case, bound), "approvals": APPROVAL_NAMES},
        status=400 if bound is not None else 200,
    )


def _take(request: HttpRequest, case: Case, names: list[str]) -> CaseActionForm | None:
    """Take the posted step; None when it was taken, else the form with its errors."""
    form = CaseActionForm(request.POST, request.FILES, case=case, names=names)
    if form.is_valid():
        name = form.cleaned_data["transition"]
        done = apply_service(form, lambda: cases.take(case=case, name=name, actor=request.user, **form.context()))
        if done is not None:
            messages.success(request, _("Recorded: %(step)s.") % {"step": CASE.transition(name).label})
            return None
    return form


@scoped_view(Case)
def act(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped(request, visible_cases(request.user), pk, Action.VIEW_CASES)
    if request.method != "POST":
        return redirect("rectification:case", pk=case.pk)
    names = [t.name for t in offered_case_transitions(case, request.user)]
    form = _take(request, case, names)
    if form is None:
        return redirect("rectification:case", pk=case.pk)
    return _detail(request, case, form)


def history_rows(case: Case) -> list[dict]:
    """The case's story as the trail tells it: who (in which role, where), what, from which stage to which, why."""
    roles = dict(Role.choices)
    rows = []
    for entry in audit.history(case).order_by("seq"):
        stage = (entry.changes or {}).get("stage") or [None, None]
        data = entry.data or {}
        rows.append(
            {
                "seq": entry.seq,
                "at": entry.at,
                "event": audit.event_label(entry.event),
                "actor": entry.actor,
                "role": roles.get(entry.actor_role, entry.actor_role),
                "organisation": entry.actor_organisation,
                "from": Stage(stage[0]).label if stage[0] in Stage.values else "",
                "to": Stage(stage[1]).label if stage[1] in Stage.values else "",
                "reason": data.get("reason", ""),
                "outcome": _outcome_label(data.get("outcome")),
                "statement": data.get("statement", ""),
            }
        )
    return rows


def _outcome_label(value) -> str:
    from vanguard.rectification.models import Outcome

    return str(Outcome(value).label) if value in Outcome.values else ""


@scoped_view(Case)
def history(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped(request, visible_cases(request.user), pk, Action.VIEW_CASES)
    return render(request, "rectification/cases/history.html", {"case": case, "rows": history_rows(case)})


@scoped_view(Case)
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """告知书: the intended decision and its reasons, the member's right to state their case and by when."""
    case = get_scoped(request, visible_cases(request.user), pk, Action.VIEW_CASES)
    if not case.intended_outcome:
        raise Http404
    return render(request, "rectification/cases/notice.html", {"case": case})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(request, "rectification/cases/mine/list.html", {"cases": own_cases(request.user)})


@scoped_view(Case)
def mine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's own case: what they were told, their statement (the form is here), the decision."""
    case = get_object_or_404(own_cases(request.user), pk=pk)
    names = [t.name for t in CASE.available(case, request.user) if t.name in MEMBER_STEPS]
    bound = None
    if request.method == "POST":
        bound = _take(request, case, names)
        if bound is None:
            return redirect("rectification:my_case", pk=case.pk)
    forms_ = []
    for name in names:
        form = bound if bound is not None and bound.data.get("transition") == name else None
        form = form or CaseActionForm(case=case, names=names, initial={"transition": name}, auto_id=f"id_{name}_%s")
        forms_.append({"transition": CASE.transition(name), "form": form, "fields": [form[f] for f in fields_of(name)]})
    return render(
        request,
        "rectification/cases/mine/detail.html",
        {"case": case, "actions": forms_},
        status=400 if bound is not None else 200,
    )


urlpatterns = [
    path("cases/", case_list, name="cases"),
    path("cases/pending/", pending, name="cases_pending"),
    path("cases/open/<id:pk>/", open_case, name="case_open"),
    path("cases/mine/", mine, name="my_cases"),
    path("cases/mine/<id:pk>/", mine_detail, name="my_case"),
    path("cases/<id:pk>/", detail, name="case"),
    path("cases/<id:pk>/act/", act, name="case_act"),
    path("cases/<id:pk>/history/", history, name="case_history"),
    path("cases/<id:pk>/notice/", notice, name="case_notice"),
]
