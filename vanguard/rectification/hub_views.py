"""The index of rectification (/rectification/): every area, cases only for those who may read them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from vanguard.accounts.scoping import Action, restrict, scope_roots
from vanguard.campaigns.models import Campaign, CampaignStatus
from vanguard.orgs.models import Organisation


@login_required
@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    user = request.user
    roots = scope_roots(user, Action.CHANGE)
    if roots is None:
        organisations = list(Organisation.objects.filter(parent__isnull=True)[:5])
    else:
        organisations = list(Organisation.objects.filter(path__in=roots[:5]))
    campaigns = []
    if organisations:
        running = restrict(Campaign.objects.exclude(status=CampaignStatus.DRAFT), user).order_by("-starts_on")[:10]
        for campaign in running:
            units = [org for org in organisations if org.path.startswith(campaign.org_path)]
            campaigns.append({"campaign": campaign, "organisations": units})
    cases_roots = scope_roots(user, Action.VIEW_CASES)
    context = {
        "campaigns": campaigns,
        "staff": roots is None or bool(roots),
        "sees_cases": cases_roots is None or bool(cases_roots),
        "member": getattr(user, "member", None) if getattr(user, "member_id", None) else None,
    }
    return render(request, "rectification/hub.html", context)


urlpatterns = [path("", hub, name="hub")]
