"""Pages of rectification plans (整改方案).

- plans/ : the plans one may read; plans/new/<organisation>/?campaign= : a unit's plan;
  plans/mine/?campaign= : the member's own plans, and a new own plan;
- plans/<pk>/ (edit/, publish/, unpublish/).

Views never write models: every change goes through services.plans.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanguard.accounts.scoping import Action
from vanguard.campaigns.models import Campaign
from vanguard.core import audit
from vanguard.core.views import apply_service, get_scoped, scoped_view
from vanguard.orgs.models import Organisation
from vanguard.rectification import plan_forms as forms
from vanguard.rectification.models import RectificationPlan
from vanguard.rectification.services import plans as services
from vanguard.rectification.workflows import PLAN, plan_side

PAGE_SIZE = 50


def _readable_plan(request: HttpRequest, pk: int) -> RectificationPlan:
    return get_object_or_404(services.readable_plans(request.user), pk=pk)


def _campaign(request: HttpRequest, organisation_path: str) -> Campaign:
    """The campaign named in the query, which must cover the organisation."""
    value = request.GET.get("campaign", "")
    if not value.isdigit():
        raise Http404
    campaign = get_object_or_404(Campaign, pk=int(value))
    if not organisation_path.startswith(campaign.org_path):
        raise Http404
    return campaign


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = services.readable_plans(request.user).order_by("org_path", "member_id", "pk")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rectification/plans/list.html", {"page": page})


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    campaign = _campaign(request, organisation.path)
    existing = RectificationPlan.objects.filter(campaign=campaign, organisation=organisation, member=None).first()
    if existing is not None:
        return redirect("rectification:plan", pk=existing.pk)
    form = forms.PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = apply_service(
            form,
            lambda: services.create_plan(
                actor=request.user, campaign=campaign, organisation=organisation, **form.cleaned_data
            ),
        )
        if made is not None:
            messages.success(request, _("Plan drawn up."))
            return redirect("rectification:plan", pk=made.pk)
    context = {"form": form, "organisation": organisation, "campaign": campaign, "plan": None}
    return render(request, "rectification/plans/form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def plan_mine(request: HttpRequest) -> HttpResponse:
    """The member's own plans; with ?campaign= a form for a new one."""
    member = request.user.member if getattr(request.user, "member_id", None) else None
    if member is None:
        raise Http404
    own = RectificationPlan.objects.filter(member=member).select_related("campaign")
    form = None
    if request.GET.get("campaign"):
        campaign = _campaign(request, member.org_path)
        existing = own.filter(campaign=campaign).first()
        if existing is not None:
            return redirect("rectification:plan", pk=existing.pk)
        form = forms.PlanForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            made = apply_service(
                form,
                lambda: services.create_plan(actor=request.user, campaign=campaign, member=member, **form.cleaned_data),
            )
            if made is not None:
                messages.success(request, _("Plan drawn up."))
                return redirect("rectification:plan", pk=made.pk)
    elif request.method == "POST":
        raise Http404
    status = 400 if form is not None and form.errors else 200
    return render(request, "rectification/plans/mine.html", {"plans": own, "form": form}, status=status)


@scoped_view(RectificationPlan)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _readable_plan(request, pk)
    manages = plan_side(request.user, plan)
    items = plan.items.select_related("responsible", "owner").order_by("deadline", "pk")
    context = {
        "plan": plan,
        "items": items,
        "manages": manages,
        "transitions": PLAN.available(plan, request.user),
        "public_code": services.public_code(plan.campaign, plan.organisation) if plan.member_id is None else "",
        "history": audit.history(plan).select_related("actor", "actor_organisation")[:100] if manages else [],
        "unpublish_form": forms.ReasonForm(),
    }
    return render(request, "rectification/plans/detail.html", context)


def _managed_plan(request: HttpRequest, pk: int) -> RectificationPlan:
    plan = _readable_plan(request, pk)
    if not plan_side(request.user, plan):
        raise Http404
    return plan


@scoped_view(RectificationPlan)
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _managed_plan(request, pk)
    initial = {name: getattr(plan, name) for name in services.EDITABLE}
    form = forms.PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = apply_service(form, lambda: services.edit_plan(plan=plan, actor=request.user, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("rectification:plan", pk=plan.pk)
    context = {"form": form, "organisation": plan.organisation, "campaign": plan.campaign, "plan": plan}
    return render(request, "rectification/plans/form.html", context, status=400 if form.errors else 200)


@scoped_view(RectificationPlan)
@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _managed_plan(request, pk)
    form = forms.ReasonForm(request.POST)
    unpublish = request.POST.get("t") == "unpublish"
    if unpublish and not form.is_valid():
        messages.error(request, _("Say why the plan is withdrawn."))
        return redirect("rectification:plan", pk=plan.pk)
    done = apply_service(
        form,
        lambda: (
            services.unpublish(plan=plan, actor=request.user, reason=form.cleaned_data["reason"])
            if unpublish
            else services.publish(plan=plan, actor=request.user)
        ),
    )
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect(reverse("rectification:plan", kwargs={"pk": plan.pk}))


urlpatterns = [
    path("plans/", plan_list, name="plans"),
    path("plans/mine/", plan_mine, name="my_plans"),
    path("plans/new/<id:pk>/", plan_new, name="plan_new"),
    path("plans/<id:pk>/", plan_detail, name="plan"),
    path("plans/<id:pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<id:pk>/publish/", plan_publish, name="plan_publish"),
]
