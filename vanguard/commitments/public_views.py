"""Commitments published (公示) to the public (/c/<code>/): read and rate without signing in or JavaScript.

The code names a branch in a campaign with a keyed hash, so no one reaches a
branch's page without being given its link.  The page lists the commitments
published to the public whose window holds today (else 404, as a wrong code),
naming the branch and the member.  A reader rates one as kept, partly kept or
not kept; only counts are stored, never who, and ratings per address are
limited with appraisals' limiter (`accounts.ratelimit`, its own scope).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from vanguard.accounts import ratelimit
from vanguard.appraisals.public_views import _refused, public
from vanguard.commitments import services
from vanguard.commitments.forms import PublicRateForm
from vanguard.commitments.models import Audience, Commitment, Status

ratelimit.register_scope("commitment_rating", setting="VANGUARD_COMMITMENT_RATING_RATE", default="20/h")


def _mac(campaign_id: int, organisation_id: int) -> str:
    return salted_hmac(
        "vanguard.commitments.public", f"{campaign_id}:{organisation_id}", algorithm="sha256"
    ).hexdigest()[:24]


def public_code(campaign, organisation) -> str:
    return f"{campaign.pk}-{organisation.pk}-{_mac(campaign.pk, organisation.pk)}"


def parse_public_code(code: str) -> tuple[int, int] | None:
    parts = (code or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    campaign_id, organisation_id = int(parts[0]), int(parts[1])
    if not constant_time_compare(parts[2], _mac(campaign_id, organisation_id)):
        return None
    return campaign_id, organisation_id


def publicly_published(campaign_id: int, organisation_id: int):
    rows = Commitment.objects.filter(
        campaign_id=campaign_id,
        organisation_id=organisation_id,
        audience=Audience.PUBLIC,
        status__in=(Status.PUBLISHED, Status.RATED),
    ).select_related("member", "organisation")
    return [row for row in rows.order_by("member__name", "pk") if services.publicly_rateable(row)]


@public
def published(request: HttpRequest, code: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    found = parse_public_code(code)
    if found is None:
        raise Http404
    items = publicly_published(*found)
    if not items:
        raise Http404
    forms = {item.pk: PublicRateForm(auto_id=f"id_{item.pk}_%s") for item in items}
    sent = None
    status = 200
    if request.method == "POST":
        if not ratelimit.hit("commitment_rating", request):
            wait = ratelimit.retry_after("commitment_rating")
            return _refused(
                request,
                429,
                _("Too many ratings came from your address. Please try again in %(minutes)d minutes.")
                % {"minutes": max(1, wait // 60)},
                wait,
            )
        target = next((item for item in items if str(item.pk) == request.POST.get("commitment")), None)
        if target is None:
            return _refused(request, 400, _("This commitment is not published here now. Nothing was stored."))
        form = PublicRateForm(request.POST, auto_id=f"id_{target.pk}_%s")
        if form.is_valid():
            services.rate_publicly(commitment=target, verdict=form.cleaned_data["verdict"])
            sent = target
        else:
            forms[target.pk] = form
            status = 400
    for item in items:
        item.form = forms[item.pk]
    context = {"items": items, "organisation": items[0].organisation, "sent": sent}
    return render(request, "commitments/public.html", context, status=status)


urlpatterns = [path("<str:code>/", published, name="published")]
