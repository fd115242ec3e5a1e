"""Campaign pages: the list, a new campaign, its page (batches, overrides, pilots, launch), a unit's page with its
steps and phase decisions, recording a step with its evidence, and the home page of the work due."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, scope_roots
from vanguard.campaigns import evidence, hooks, selectors, services, supervision
from vanguard.campaigns.forms import (
    BatchStartForm,
    CampaignForm,
    DecisionForm,
    OverridesForm,
    PilotsForm,
    RecordStepForm,
    evidence_forms,
    is_filled,
)
from vanguard.campaigns.models import Campaign, CampaignStatus, Step, Unit
from vanguard.campaigns.reminders import reminders_for
from vanguard.campaigns.workflows import offered
from vanguard.core import audit, tree
from vanguard.core.views import get_scoped, scoped_view
from vanguard.orgs.models import Organisation


def _offices(user):
    """Organisations where the user runs campaigns (the campaign office's own organisations)."""
    roots = scope_roots(user, Action.RUN_CAMPAIGNS)
    if roots is None:
        return Organisation.objects.filter(parent__isnull=True)
    return Organisation.objects.filter(path__in=roots)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaigns_for(request.user).select_related("organisation", "template")
    return render(
        request,
        "campaigns/list.html",
        {"campaigns": campaigns.annotate(unit_count=Count("units")), "may_create": _offices(request.user).exists()},
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    offices = _offices(request.user)
    if not offices.exists():
        raise Http404
    form = CampaignForm(request.POST or None, organisations=offices)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The campaign is drafted. Check its batches and pilots, then launch it."))
            return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form}, status=400 if form.errors else 200)


@scoped_view(Campaign)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_scoped(request, selectors.campaigns_for(request.user), pk)
    is_office = can_at_path(request.user, Action.RUN_CAMPAIGNS, campaign.org_path)
    is_draft = campaign.status == CampaignStatus.DRAFT
    overrides_form = OverridesForm(campaign=campaign)
    pilots_form = PilotsForm(
        campaign=campaign,
        initial={"codes": "\n".join(campaign.units.filter(is_pilot=True).values_list("organisation__code", flat=True))},
    )
    preview = None
    if request.method == "POST":
        if not is_office:
            raise Http404
        action = request.POST.get("action", "")
        try:
            if action in ("preview", "assign") and is_draft:
                overrides_form = OverridesForm(request.POST, campaign=campaign)
                if overrides_form.is_valid():
                    overrides = overrides_form.cleaned_data["lines"]
                    if action == "preview":
                        preview = services.plan_batches(campaign, overrides).count_rows(campaign)
                    else:
                        services.assign_batches(campaign=campaign, overrides=overrides, actor=request.user)
                        messages.success(request, _("Batches saved."))
                        return redirect("campaigns:detail", pk=campaign.pk)
            elif action == "batch_start" and is_draft:
                form = BatchStartForm(request.POST)
                if form.is_valid():
                    batch = get_object_or_404(campaign.batches, pk=form.cleaned_data["batch"])
                    services.set_batch_start(batch=batch, starts_on=form.cleaned_data["starts_on"], actor=request.user)
                    messages.success(request, _("Batch dates saved."))
                    return redirect("campaigns:detail", pk=campaign.pk)
                messages.error(request, _("Give a valid date."))
            elif action == "pilots":
                pilots_form = PilotsForm(request.POST, campaign=campaign)
                if pilots_form.is_valid():
                    services.set_pilots(
                        campaign=campaign, organisations=pilots_form.cleaned_data["codes"], actor=request.user
                    )
                    messages.success(request, _("Pilot units saved."))
                    return redirect("campaigns:detail", pk=campaign.pk)
            elif action == "launch" and is_draft:
                services.launch(campaign=campaign, actor=request.user)
                messages.success(request, _("The campaign is launched."))
                return redirect("campaigns:detail", pk=campaign.pk)
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    batches = list(campaign.batches.prefetch_related("windows__phase").annotate(unit_count=Count("units")))
    context = {
        "campaign": campaign,
        "is_office": is_office,
        "is_draft": is_draft,
        "batches": batches,
        "phases": campaign.phases.prefetch_related("steps"),
        "current": {b.pk: b.unit_count for b in batches},
        "preview": preview,
        "overrides_form": overrides_form,
        "pilots_form": pilots_form,
        "pilot_count": campaign.units.filter(is_pilot=True).count(),
        "overridden": campaign.units.filter(batch_overridden=True).select_related("organisation", "batch")[:200],
        "my_units": selectors.units_for(request.user, campaign, Action.CHANGE)
        .select_related("organisation", "phase")
        .order_by("org_path")[:20],
        "history": audit.history(campaign) if is_office else [],
    }
    status = 400 if overrides_form.errors or pilots_form.errors else 200
    return render(request, "campaigns/detail.html", context, status=status)


def _evidence_html(record, request) -> list[str]:
    pieces = []
    for piece in record.evidence.all():
        try:
            template = evidence.get(piece.kind).template
        except LookupError:
            template = "campaigns/evidence/_generic.html"
        pieces.append(render_to_string(template, {"evidence": piece}, request=request))
    return pieces


@scoped_view(Unit)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_scoped(
        request, Unit.objects.select_related("campaign", "organisation", "phase", "batch"), pk, Action.VIEW
    )
    lines = selectors.unit_steps(unit)
    for line in lines:
        line.evidence_html = _evidence_html(line.record, request) if line.record else []
        line.refusal = None if line.record else services.step_refusal(unit, line.step, request.user)
    decisions = offered(unit, request.user)
    visits = list(supervision.visits_of(unit))
    context = {
        "unit": unit,
        "campaign": unit.campaign,
        "lines": lines,
        "windows": unit.batch.windows.select_related("phase").order_by("starts_on"),
        "returned": selectors.returned_reasons(unit),
        "decisions": decisions,
        "decides": any(d.name in ("accept", "accept_last", "return") for d in decisions),
        "form": DecisionForm(),
        "acceptances": unit.acceptances.select_related("phase", "requested_by", "decided_by")[:20],
        "visits": visits,
        "history": audit.history(unit),
        "ancestors": _ancestor_units(unit, request.user),
        "sections": hooks.unit_sections(request, unit),
    }
    return render(request, "campaigns/unit.html", context)


def _ancestor_units(unit: Unit, user) -> list[Unit]:
    paths = [p for p in tree.ancestor_paths(unit.org_path) if len(p) >= len(unit.campaign.org_path)]
    units = selectors.units_for(user, unit.campaign).filter(org_path__in=paths).select_related("organisation")
    return sorted(units, key=lambda u: u.org_path)


@scoped_view(Unit)
def unit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A phase decision posted from the unit's page: ask, accept, return with reasons, complete."""
    unit = get_scoped(request, Unit.objects.select_related("campaign", "phase", "batch"), pk, Action.VIEW)
    form = DecisionForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        raise Http404
    action, reasons = form.cleaned_data["action"], form.cleaned_data["reasons"]
    calls = {
        "ask": lambda: services.ask_acceptance(unit=unit, actor=request.user),
        "accept": lambda: services.decide_acceptance(unit=unit, actor=request.user, accept=True, reasons=reasons),
        "accept_last": lambda: services.decide_acceptance(unit=unit, actor=request.user, accept=True, reasons=reasons),
        "return": lambda: services.decide_acceptance(unit=unit, actor=request.user, accept=False, reasons=reasons),
        "complete": lambda: services.complete_phase(unit=unit, actor=request.user),
        "complete_last": lambda: services.complete_phase(unit=unit, actor=request.user),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done."))
    return redirect("campaigns:unit", pk=unit.pk)


@scoped_view(Unit)
def record_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one step (`?step=<id>`) of the unit with its evidence."""
    unit = get_scoped(request, Unit.objects.select_related("campaign", "phase", "batch"), pk, Action.CHANGE)
    step_id = request.GET.get("step", "")
    if not step_id.isdigit() or len(step_id) > 18:
        raise Http404
    step = get_object_or_404(Step.objects.filter(phase__campaign=unit.campaign), pk=int(step_id))
    refusal = services.step_refusal(unit, step, request.user)
    form = RecordStepForm(request.POST or None)
    pieces = evidence_forms(step, unit, request.POST or None, request.FILES or None)
    if request.method == "POST" and refusal is None:
        filled = [(i, f) for i, _spec, f in pieces if not f.evidence_optional or is_filled(f)]
        if form.is_valid() and all(f.is_valid() for _i, f in filled):
            try:
                services.record_step(
                    unit=unit,
                    step=step,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    evidence_inputs=[services.EvidenceInput(i, f.cleaned_data) for i, f in filled],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("“%(step)s” is recorded.") % {"step": step.name})
                return redirect("campaigns:unit", pk=unit.pk)
    context = {
        "unit": unit,
        "step": step,
        "refusal": refusal,
        "form": form,
        "pieces": [f for _i, _spec, f in pieces],
        "due": selectors.due_on(unit, step),
    }
    invalid = request.method == "POST" and (refusal or form.errors or any(f.errors for f in context["pieces"]))
    return render(request, "campaigns/record.html", context, status=400 if invalid else 200)


def home(request: HttpRequest) -> HttpResponse | None:
    """The home page while a campaign runs: the units the user acts for, their phase, steps due and late, and the
    acceptances waiting on them; for a member, what is asked of them.  None when no campaign concerns the user."""
    if not request.user.is_authenticated:
        return None
    work = selectors.work_for(request.user)
    member = getattr(request.user, "member", None)
    asks = selectors.member_asks(member) if member is not None else []
    if not work and not asks:
        return None
    for item in work:
        for unit in item.units[:10]:
            unit.steps = selectors.unit_steps(unit)
            unit.late = [line for line in unit.steps if line.late]
            unit.due = [line for line in unit.steps if not line.record and not line.late]
    reminders = list(reminders_for(request.user)[:10])
    context = {"work": work, "asks": asks, "member": member, "reminders": reminders}
    return render(request, "campaigns/home.html", context)
