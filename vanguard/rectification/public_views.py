"""The public rectification page of a unit (/r/<code>/): its plan when published to the public, the items
listed with their deadlines (挂牌), and the explanations of items to be explained (说明情况).

It names organisations, never people, and needs no JavaScript.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vanguard.appraisals.models import Audience
from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.core.views import public_page
from vanguard.opinions.models import Category
from vanguard.orgs.models import Organisation
from vanguard.rectification.models import ItemStatus, PlanStatus, RectificationItem, RectificationPlan
from vanguard.rectification.services.plans import parse_public_code


def public_items(campaign_id: int, organisation: Organisation):
    """What the public sees of the unit's subtree: listed items, and explained items with their explanation."""
    return (
        RectificationItem.objects.filter(tree.subtree_q("org_path", organisation.path), plan__campaign_id=campaign_id)
        .filter(plan__member__isnull=True)
        .filter(
            listed_at__isnull=False,
        )
        .select_related("responsible")
        .order_by("deadline", "pk")
    ), (
        RectificationItem.objects.filter(
            tree.subtree_q("org_path", organisation.path),
            plan__campaign_id=campaign_id,
            plan__member__isnull=True,
            category=Category.EXPLAIN,
            status=ItemStatus.EXPLAINED,
        )
        .select_related("responsible")
        .order_by("closed_on", "pk")
    )


@public_page
@never_cache
@require_GET
def public_rectification(request: HttpRequest, code: str) -> HttpResponse:
    found = parse_public_code(code)
    if found is None:
        raise Http404
    campaign_id, organisation_id = found
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if campaign is None or organisation is None:
        raise Http404
    plan = RectificationPlan.objects.filter(
        campaign_id=campaign_id,
        organisation=organisation,
        member__isnull=True,
        status=PlanStatus.PUBLISHED,
        audience=Audience.PUBLIC,
    ).first()
    listed, explained = public_items(campaign_id, organisation)
    context = {
        "campaign": campaign,
        "organisation": organisation,
        "plan": plan,
        "listed": listed,
        "explained": explained,
        "today": timezone.localdate(),
    }
    return render(request, "rectification/public/page.html", context)


urlpatterns = [path("<str:code>/", public_rectification, name="page")]
