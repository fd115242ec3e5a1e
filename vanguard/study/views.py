"""Study pages at /study/ (object routes take `<id:pk>` only; the campaign goes in the query string).

- me/: the member's own page, built for a phone first: what is asked of them now, sessions due, their credits,
  study record, self-analysis, commitments and rectification items (sections from the apps that keep them).
- me/record/: log one's own self-study.  members/<pk>/record/: an organisation over the member (or hosting
  them away from home) records study at home, skills training or study with the inflow organisation.
- orgs/<pk>/: an organisation's study: sessions, who is behind and why, its roll-up. orgs/<pk>/schedule/.
- sessions/<pk>/: a session and its attendance (recorded once held), make-ups.
- orgs/<pk>/materials/: the catalogue as seen there; listing a material.  materials/<pk>/file/.
- rules/<pk>/ (a campaign): the credit rules and requirements, set by the office.

Views never write models: services do, and their refusals land on the forms.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.core.views import apply_service, get_scoped, scoped_view
from vanguard.members.models import Category as MemberCategory
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.study import figures, forms, hooks, selectors, services
from vanguard.study.models import Activity, Basis, CreditRule, Material, Requirement, Session


def _campaign(request: HttpRequest, path: str) -> Campaign | None:
    """The campaign asked for in ?campaign= among those running over `path`, else the newest of them."""
    campaigns = selectors.campaigns_over(path)
    wanted = request.GET.get("campaign") or request.POST.get("campaign")
    if wanted and wanted.isdigit():
        found = campaigns.filter(pk=int(wanted)).first()
        if found is not None:
            return found
    return campaigns.first()


def _own_member(request: HttpRequest) -> Member:
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404
    return member


# --- the member's own page -----------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse | None:
    """Signing in, a member with no role over their branch lands on their own page; anyone else goes on."""
    user = request.user
    member = getattr(user, "member", None)
    if member is None or user.is_superuser or can_at_path(user, Action.VIEW, member.org_path):
        return None
    return redirect("study:me")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    campaign = _campaign(request, member.org_path)
    context = {
        "member": member,
        "campaign": campaign,
        "campaigns": selectors.campaigns_over(member.org_path),
        "sections": hooks.own_sections(request, member, campaign),
        "sessions_due": list(selectors.sessions_due(member, today=timezone.localdate())[:10]),
    }
    if campaign is not None:
        context.update(
            standings=selectors.standings_of(member, campaign),
            attendance=list(selectors.attendance_of(member, campaign)[:20]),
            records=list(selectors.records_of(member, campaign)[:20]),
            materials=list(selectors.materials_for(member.org_path, campaign)),
        )
    return render(request, "study/me.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_own(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    return _record(request, member, own=True)


@scoped_view(Member)
@require_http_methods(["GET", "POST"])
def record_for(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped(request, Member.objects.select_related("organisation", "host_organisation"), pk)
    return _record(request, member, own=False)


def _record(request: HttpRequest, member: Member, *, own: bool) -> HttpResponse:
    campaign = _campaign(request, member.org_path)
    if campaign is None:
        raise Http404
    materials = list(selectors.materials_for(member.org_path, campaign))
    form = forms.StudyRecordForm(request.POST or None, own=own, materials=materials)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        material = next((m for m in materials if str(m.pk) == data["material"]), None)
        record = apply_service(
            form,
            lambda: services.record_study(
                member=member,
                actor=request.user,
                campaign=campaign,
                activity=data["activity"],
                studied_on=data["studied_on"],
                hours=data["hours"],
                what=data["what"],
                note=data["note"],
                material=material,
            ),
        )
        if record is not None:
            messages.success(request, _("Study recorded: %(hours)s hours.") % {"hours": record.hours})
            if own:
                return redirect(f"{reverse('study:me')}?campaign={campaign.pk}")
            # The inflow organisation records from its mobile-member page and goes back there: it cannot see
            # the member's home branch.
            back = request.GET.get("next", "")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect(f"{reverse('study:organisation', args=[member.organisation_id])}?campaign={campaign.pk}")
    return render(request, "study/record_form.html", {"form": form, "member": member, "campaign": campaign, "own": own})


# --- an organisation's study ---------------------------------------------------------------------------------------


@scoped_view(Organisation)
def organisation_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    campaign = _campaign(request, organisation.path)
    context = {
        "organisation": organisation,
        "campaign": campaign,
        "campaigns": selectors.campaigns_over(organisation.path),
        "may_change": can_at_path(request.user, Action.CHANGE, organisation.path),
    }
    if campaign is not None:
        phase = services.current_phase(campaign, organisation)
        sessions = Session.objects.filter(campaign=campaign, meeting__organisation=organisation).select_related(
            "meeting", "given_by", "phase"
        )
        context.update(
            phase=phase,
            upcoming=list(sessions.filter(recorded_at=None).order_by("meeting__held_on")[:20]),
            recorded=list(sessions.exclude(recorded_at=None).order_by("-meeting__held_on")[:20]),
            behind=selectors.behind(organisation, campaign, phase),
            rollup=selectors.rollup(organisation, campaign),
            may_set_rules=can_at_path(request.user, Action.RUN_CAMPAIGNS, campaign.org_path),
        )
    return render(request, "study/organisation.html", context)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    campaign = _campaign(request, organisation.path)
    if campaign is None:
        raise Http404
    speakers = Member.objects.filter(tree.subtree_q("org_path", organisation.path)).order_by("-category", "name")[:200]
    phases = list(campaign.phases.order_by("order"))
    form = forms.SessionForm(
        request.POST or None,
        speakers=speakers,
        phases=phases,
        initial={"phase": str(services.current_phase(campaign, organisation).pk)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        given_by = Member.objects.filter(pk=data["given_by"]).first() if data["given_by"] else None
        session = apply_service(
            form,
            lambda: services.schedule_session(
                campaign=campaign,
                organisation=organisation,
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                held_on=data["held_on"],
                place=data["place"],
                given_by=given_by,
                hours=data["hours"],
                phase=next(p for p in phases if str(p.pk) == data["phase"]),
            ),
        )
        if session is not None:
            messages.success(request, _("Session scheduled."))
            return redirect("study:session", pk=session.pk)
    return render(request, "study/schedule.html", {"form": form, "organisation": organisation, "campaign": campaign})


@scoped_view(Session)
@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_scoped(
        request, Session.objects.select_related("meeting", "meeting__organisation", "campaign", "phase", "given_by"), pk
    )
    meeting = session.meeting
    may_change = can_at_path(request.user, Action.CHANGE, session.org_path)
    recorded = {row.member_id: row for row in meeting.attendance.all()}
    people = services.invitees(session)
    errors: list[str] = []
    if request.method == "POST":
        if not may_change:
            raise Http404
        rows = []
        for member in people:
            value = request.POST.get(f"present_{member.pk}", "")
            if value in ("1", "0"):
                rows.append((member, value == "1", request.POST.get(f"reason_{member.pk}", "")))
        try:
            services.record_attendance(session=session, actor=request.user, rows=rows)
        except ValidationError as exc:
            errors = [message for message in exc.messages]
        else:
            messages.success(request, _("Attendance recorded: the members' credits are updated."))
            return redirect("study:session", pk=session.pk)
    lines = [
        {
            "member": member,
            "row": recorded.get(member.pk),
            "value": request.POST.get(f"present_{member.pk}")
            if request.method == "POST"
            else ("" if member.pk not in recorded else ("1" if recorded[member.pk].present else "0")),
            "reason": request.POST.get(f"reason_{member.pk}", "")
            if request.method == "POST"
            else (recorded[member.pk].absence_reason if member.pk in recorded else ""),
        }
        for member in people
    ]
    held = meeting.held_on <= timezone.localdate()
    context = {
        "session": session,
        "meeting": meeting,
        "lines": lines,
        "may_change": may_change,
        "held": held,
        "errors": errors,
        "today": timezone.localdate(),
    }
    return render(request, "study/session.html", context, status=400 if errors else 200)


@scoped_view(Session)
@require_POST
def make_up(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_scoped(request, Session.objects.select_related("meeting", "campaign"), pk, Action.CHANGE)
    form = forms.MakeUpForm(request.POST)
    member = None
    if form.is_valid():
        member = Member.objects.filter(pk=form.cleaned_data["member"]).first()
    if member is None:
        messages.error(request, _("Choose the member and the date of the make-up."))
        return redirect("study:session", pk=session.pk)
    try:
        services.make_up(session=session, member=member, actor=request.user, on=form.cleaned_data["on"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Make-up recorded for %(name)s.") % {"name": member.name})
    return redirect("study:session", pk=session.pk)


# --- the catalogue -------------------------------------------------------------------------------------------------


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    campaign = _campaign(request, organisation.path)
    if campaign is None:
        raise Http404
    may_change = can_at_path(request.user, Action.CHANGE, organisation.path)
    form = forms.MaterialForm(request.POST or None, request.FILES or None) if may_change else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            added = apply_service(
                form,
                lambda: services.add_material(campaign=campaign, organisation=organisation, actor=request.user, **data),
            )
            if added is not None:
                messages.success(request, _("Material listed."))
                return redirect(f"{reverse('study:materials', args=[organisation.pk])}?campaign={campaign.pk}")
    listed = selectors.materials_for(organisation.path, campaign).select_related("organisation")
    return render(
        request,
        "study/materials.html",
        {"organisation": organisation, "campaign": campaign, "materials": listed, "form": form},
    )


def may_read_material(user, material: Material) -> bool:
    """A material is for the subtree that lists it: its members and everyone with a role there or above."""
    if can_at_path(user, Action.VIEW, material.org_path):
        return True
    member = getattr(user, "member", None)
    if member is not None and tree.is_within(member.org_path, material.org_path):
        return True
    return any(
        tree.is_within(assignment.organisation.path, material.org_path)
        for assignment in user.roles.current().select_related("organisation")
    )


@scoped_view(Material)
def material_file(request: HttpRequest, pk: int) -> FileResponse:
    material = Material.objects.filter(pk=pk).first()
    if material is None or not material.file or not may_read_material(request.user, material):
        raise Http404
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.file.name.rsplit("/", 1)[-1])


# --- rules ---------------------------------------------------------------------------------------------------------

CATEGORY_COLUMNS = [("", _("All members")), *MemberCategory.choices]


@scoped_view(Campaign)
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_scoped(request, Campaign, pk, Action.RUN_CAMPAIGNS)
    phases = list(campaign.phases.order_by("order"))
    current = {(r.activity, r.category): r for r in CreditRule.objects.filter(campaign=campaign)}
    needs = {(q.phase_id, q.category): q for q in Requirement.objects.filter(campaign=campaign)}
    errors: list[str] = []
    source = request.POST if request.method == "POST" else None
    if source is not None:
        rule_rows, need_rows = [], []
        for activity, _label in Activity.choices:
            basis = source.get(f"basis_{activity}", Basis.EACH)
            for category, _name in CATEGORY_COLUMNS:
                value = (source.get(f"rule_{activity}_{category or 'all'}") or "").strip()
                if value:
                    rule_rows.append({"activity": activity, "category": category, "credits": value, "basis": basis})
        for phase in phases:
            for category, _name in CATEGORY_COLUMNS:
                value = (source.get(f"need_{phase.pk}_{category or 'all'}") or "").strip()
                if value:
                    need_rows.append({"phase": phase.pk, "category": category, "credits": value})
        try:
            job = services.set_rules(campaign=campaign, actor=request.user, rules=rule_rows, requirements=need_rows)
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            messages.success(
                request,
                _("Credit rules saved: each member's standing follows them at once; the figures are being recounted."),
            )
            return redirect("core:job", pk=job.pk)

    def cell(key: str, stored) -> str:
        if source is not None:
            return source.get(key, "")
        return "" if stored is None else str(stored.credits)

    activity_rows = [
        {
            "activity": activity,
            "label": label,
            "basis": (source.get(f"basis_{activity}") if source is not None else None)
            or next((r.basis for (a, _c), r in current.items() if a == activity), Basis.EACH),
            "cells": [
                {
                    "name": f"rule_{activity}_{category or 'all'}",
                    "value": cell(f"rule_{activity}_{category or 'all'}", current.get((activity, category))),
                    "label": f"{label} · {name}",
                }
                for category, name in CATEGORY_COLUMNS
            ],
        }
        for activity, label in Activity.choices
    ]
    phase_rows = [
        {
            "phase": phase,
            "cells": [
                {
                    "name": f"need_{phase.pk}_{category or 'all'}",
                    "value": cell(f"need_{phase.pk}_{category or 'all'}", needs.get((phase.pk, category))),
                    "label": f"{phase.name} · {name}",
                }
                for category, name in CATEGORY_COLUMNS
            ],
        }
        for phase in phases
    ]
    context = {
        "campaign": campaign,
        "columns": CATEGORY_COLUMNS,
        "activity_rows": activity_rows,
        "phase_rows": phase_rows,
        "bases": Basis.choices,
        "errors": errors,
    }
    return render(request, "study/rules.html", context, status=400 if errors else 200)


urlpatterns = [
    path("me/", me, name="me"),
    path("me/record/", record_own, name="record_own"),
    path("members/<id:pk>/record/", record_for, name="record_for"),
    path("orgs/<id:pk>/", organisation_page, name="organisation"),
    path("orgs/<id:pk>/schedule/", schedule, name="schedule"),
    path("orgs/<id:pk>/materials/", materials, name="materials"),
    path("sessions/<id:pk>/", session_page, name="session"),
    path("sessions/<id:pk>/make-up/", make_up, name="make_up"),
    path("materials/<id:pk>/file/", material_file, name="material_file"),
    path("rules/<id:pk>/", rules, name="rules"),
]


# --- figures -------------------------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _figures(request: HttpRequest, pk: int):
    organisation = get_scoped(request, Organisation, pk)
    campaign = _campaign(request, organisation.path)
    if campaign is None:
        raise Http404
    phase = services.current_phase(campaign, organisation)
    summary = selectors.rollup(organisation, campaign)
    children = figures.by_child(organisation, campaign, phase.pk)
    return organisation, campaign, phase, summary, children


@scoped_view(Organisation)
def figures_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation, campaign, phase, summary, children = _figures(request, pk)
    chart = {
        "phases": [line["phase"].name for line in summary.by_phase],
        "sessions": [line["sessions"] for line in summary.by_phase],
        "complete": [line["complete"] for line in summary.by_phase],
        "members": [line["members"] for line in summary.by_phase],
        "labels": {"sessions": _("Sessions"), "complete": _("Credits complete"), "members": _("Members")},
    }
    context = {
        "organisation": organisation,
        "campaign": campaign,
        "phase": phase,
        "rollup": summary,
        "children": children,
        "chart": chart,
    }
    return render(request, "study/figures.html", context)


@scoped_view(Organisation)
def figures_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    organisation, campaign, _phase, summary, children = _figures(request, pk)
    response = HttpResponse(figures.workbook(organisation, campaign, summary, children), content_type=XLSX)
    name = quote(f"{organisation.name}-学习教育.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


urlpatterns += [
    path("orgs/<id:pk>/figures/", figures_page, name="figures"),
    path("orgs/<id:pk>/figures.xlsx", figures_xlsx, name="figures_xlsx"),
]
