"""The public side of opinions (no sign-in, no JavaScript): a unit's page, receipts, problems listed publicly.

Reached through the short link on a unit's poster (/o/<code>/).  A visitor
gives an opinion and gets a receipt code; with the code they follow it
(grouped, forwarded, replied, rectified) and rate the effect.  Nothing here
shows who raised an opinion, nor any opinion but the receipt holder's own.
Every page refuses a body over MAX_BODY before it is parsed, and submissions
and receipt look-ups are limited per client address (ratelimit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from vanguard.core import tree
from vanguard.core.views import apply_service, public_page
from vanguard.opinions import ratelimit, services
from vanguard.opinions.models import EffectRating, IntakePage, Opinion, Problem, ProblemStatus, RatingSource
from vanguard.opinions.public_forms import OpinionForm, RatingForm, ReceiptForm

# Room for an opinion of MAX_TEXT characters however it is encoded (an emoji is 12 bytes form-encoded).
MAX_BODY = 64 * 1024
LISTED_LIMIT = 200


def _refused(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "opinions/public/refused.html", {"title": title, "message": message}, status=status)


def _too_many(request: HttpRequest, scope: str) -> HttpResponse:
    minutes = max(1, ratelimit.retry_after(scope) // 60)
    response = _refused(
        request,
        429,
        _("Too many requests"),
        _("Too many requests came from your address. Please try again in %(minutes)d minutes.") % {"minutes": minutes},
    )
    response["Retry-After"] = str(ratelimit.retry_after(scope))
    return response


def public(view: Callable) -> Callable:
    """A public page: open to anyone, never cached, a large body refused before it is read, CSRF still checked.

    The CSRF middleware would read (parse) the body before the view runs; so the
    view is exempt from the middleware and checks CSRF itself after the size.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads nothing of a body whose length it cannot tell
        if size > MAX_BODY:
            return _refused(
                request,
                413,
                _("Too long"),
                _("What you sent is too long (at most %(limit)d characters of opinion). Nothing was stored.")
                % {"limit": services.MAX_TEXT},
            )
        return protected(request, *args, **kwargs)

    return public_page(never_cache(csrf_exempt(guarded)))


def _page(code: str) -> IntakePage:
    return get_object_or_404(IntakePage.objects.select_related("organisation"), code=(code or "").strip().upper())


@public
def intake(request: HttpRequest, code: str) -> HttpResponse:
    """征求意见: the unit's page; a valid opinion is stored and its receipt shown (not redirected: the code stays
    out of the address bar and the history)."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    page = _page(code)
    if request.method == "POST" and not ratelimit.hit("submit", request):
        return _too_many(request, "submit")
    if not page.is_open:
        return render(request, "opinions/public/closed.html", {"page": page}, status=410 if request.POST else 200)
    form = OpinionForm(request.POST or None, direction=page.direction)
    if request.method == "POST" and form.is_valid():
        opinion = apply_service(form, lambda: services.submit_opinion(page=page, row=form.to_input()))
        if opinion is not None:
            return render(request, "opinions/public/received.html", {"page": page, "opinion": opinion}, status=201)
    context = {"page": page, "form": form, "max_text": services.MAX_TEXT}
    return render(request, "opinions/public/intake.html", context, status=400 if form.errors else 200)


def receipt_facts(opinion: Opinion) -> dict:
    """What a receipt shows: the holder's own opinion and the public facts of its problem, never who raised it."""
    problem = opinion.problem
    facts = {"opinion": opinion, "problem": problem, "notes": [], "rating": None}
    if problem is None:
        return facts
    facts["forwarded"] = problem.status != ProblemStatus.OPEN and problem.responsible_id is not None
    facts["notes"] = list(problem.notes.order_by("recorded_at", "pk").values("text", "recorded_at"))
    facts["rating"] = EffectRating.objects.filter(opinion=opinion, source=RatingSource.RAISER).first()
    facts["may_rate"] = problem.status == ProblemStatus.RECTIFIED and facts["rating"] is None
    return facts


def _find(code: str) -> Opinion | None:
    wanted = services.normalise_receipt(code)
    if not wanted:
        return None
    return Opinion.objects.select_related("organisation", "problem__responsible").filter(receipt=wanted).first()


@public
def receipt(request: HttpRequest) -> HttpResponse:
    """意见回执: the code in the query string (a link kept from the receipt page) or posted; a rating once rectified."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    code = request.POST.get("code") if request.method == "POST" else request.GET.get("code")
    lookup = ReceiptForm({"code": code} if code else None)
    if not code:
        return render(request, "opinions/public/receipt_lookup.html", {"form": lookup})
    if not ratelimit.hit("receipt", request):
        return _too_many(request, "receipt")
    opinion = _find(code) if lookup.is_valid() else None
    if opinion is None:
        # Only that this code is unknown: no hint of which codes exist.
        lookup.add_error("code", _("No opinion has this receipt code. Check it and try again."))
        return render(request, "opinions/public/receipt_lookup.html", {"form": lookup}, status=404)
    rating_form = RatingForm(initial={"code": opinion.receipt})
    if request.method == "POST" and request.POST.get("action") == "rate":
        rating_form = RatingForm(request.POST)
        if rating_form.is_valid():
            data = rating_form.cleaned_data
            rated = apply_service(
                rating_form,
                lambda: services.rate_by_receipt(
                    receipt=opinion.receipt, verdict=data["verdict"], comment=data["comment"]
                ),
            )
            if rated is not None:
                rating_form = None
    context = {**receipt_facts(opinion), "rating_form": rating_form, "just_rated": rating_form is None}
    status = 400 if rating_form is not None and rating_form.errors else 200
    return render(request, "opinions/public/receipt.html", context, status=status)


@public
def listed(request: HttpRequest, code: str) -> HttpResponse:
    """挂牌限时整改: problems of the unit's subtree (grouped there or forwarded there) listed with their deadline."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    page = _page(code)
    problems = list(
        Problem.objects.filter(listed_at__isnull=False)
        .filter(tree.subtree_q("org_path", page.org_path) | tree.subtree_q("responsible_path", page.org_path))
        .select_related("responsible")
        .only(
            "pk",
            "title",
            "status",
            "category",
            "deadline",
            "listed_at",
            "rectified_at",
            "escalated_at",
            "responsible__name",
        )  # fmt: skip
        .order_by("deadline", "pk")[:LISTED_LIMIT]
    )
    return render(request, "opinions/public/listed.html", {"page": page, "problems": problems})


urlpatterns = [
    path("receipt/", receipt, name="receipt"),
    path("<str:code>/", intake, name="page"),
    path("<str:code>/listed/", listed, name="listed"),
]
