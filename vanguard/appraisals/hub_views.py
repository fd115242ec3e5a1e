"""/appraisals/: where appraisal starts — self-analyses, peer appraisal, look-back, and per campaign its rules and
screening; each link shown only to whom its page would open."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from vanguard.accounts.scoping import Action, can_at_path, restrict, scope_roots
from vanguard.campaigns.models import Campaign, CampaignStatus


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    roots = scope_roots(request.user, Action.VIEW)
    staff = roots is None or bool(roots)
    campaigns = []
    if staff:
        for campaign in restrict(Campaign.objects.exclude(status=CampaignStatus.DRAFT), request.user).order_by(
            "-starts_on"
        )[:20]:
            campaigns.append(
                {"campaign": campaign, "office": can_at_path(request.user, Action.CHANGE, campaign.org_path)}
            )
    context = {"staff": staff, "campaigns": campaigns, "member": getattr(request.user, "member", None)}
    return render(request, "appraisals/hub.html", context)


urlpatterns = [path("", hub, name="hub")]
