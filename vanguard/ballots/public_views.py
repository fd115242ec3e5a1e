"""The voting pages (no sign-in, no JavaScript): the kiosk page (/b/<ballot>/) and the QR link (/b/<ballot>/<code>/).

The code is the voter's only credential, so the vote is exempt from CSRF
(a forged cross-site vote would need the victim's own code, and there is no
session to ride on).  Valid votes are not rate-limited — each needs a fresh
code — but bad codes are: an address that offers too many malformed,
unknown or foreign codes is refused for a while (scope `ballot_bad`), so
codes cannot be guessed by trying.  "Counted" is shown only after the cast
is committed.
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from vanguard.accounts import ratelimit
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Status
from vanguard.ballots.voting import AnswersForm
from vanguard.core.views import public_page

ratelimit.register_scope("ballot_bad", setting="VANGUARD_BALLOT_BAD_CODE_RATE", default="20/10m")

# Codes that say nothing about a ballot the visitor holds a code for: these count against the address.
GUESSES = {"malformed", "unknown", "other_ballot"}
MAX_BODY = 64 * 1024


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Your ballot code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "placeholder": "ABCDE-23456"}
        ),
    )


def _ballot(public_id: str) -> Ballot:
    return get_object_or_404(Ballot.objects.select_related("organisation"), public_id=(public_id or "").upper())


def _refused(request: HttpRequest, ballot: Ballot | None, reason: str, status: int) -> HttpResponse:
    context = {"ballot": ballot, "reason": reason, "message": services.REFUSALS[reason]()}
    return render(request, "ballots/public/refused.html", context, status=status)


def _too_many(request: HttpRequest) -> HttpResponse:
    minutes = max(1, ratelimit.retry_after("ballot_bad") // 60)
    response = render(
        request,
        "ballots/public/refused.html",
        {
            "message": _("Too many wrong codes came from your address. Please try again in %(minutes)d minutes.")
            % {"minutes": minutes},
            "reason": "flood",
        },
        status=429,
    )
    response["Retry-After"] = str(ratelimit.retry_after("ballot_bad"))
    return response


STATUS = {
    "malformed": 400,
    "unknown": 404,
    "other_ballot": 404,
    "spent": 409,
    "void": 410,
    "not_open": 403,
    "closed": 410,
}


def _guarded(view):
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "POST"):
            raise Http404
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > MAX_BODY:
            return render(
                request,
                "ballots/public/refused.html",
                {"message": _("What you sent is too long. Nothing was stored."), "reason": "too_long"},
                status=413,
            )
        if ratelimit.exceeded("ballot_bad", request):
            return _not_kept(_too_many(request))
        return _not_kept(view(request, *args, **kwargs))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return public_page(csrf_exempt(wrapped))


# What never_cache writes, written out once: django.utils.cache parses and rebuilds the header on every response,
# which costs a vote (the hot path) more than the rest of its answer.  A vote's URL holds the code: no cache keeps it.
# Expires in the past says the same to an HTTP/1.0 cache as never_cache's "now", without formatting a date each time.
NOT_KEPT = "max-age=0, no-cache, no-store, must-revalidate, private"
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


def _not_kept(response: HttpResponse) -> HttpResponse:
    if response.has_header("Cache-Control"):
        add_never_cache_headers(response)
        return response
    response.headers["Cache-Control"] = NOT_KEPT
    response.headers["Expires"] = EXPIRED
    return response


@_guarded
def kiosk(request: HttpRequest, public_id: str) -> HttpResponse:
    """A ballot's page for typing a code from a sheet (a kiosk, or a voter without a camera)."""
    ballot = _ballot(public_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason, _token = services.token_state(ballot, form.cleaned_data["code"])
        if reason in GUESSES:
            ratelimit.hit("ballot_bad", request)
        if reason is None:
            return redirect("ballots_public:vote", ballot.public_id, services.normalise_code(form.cleaned_data["code"]))
        form.add_error("code", services.REFUSALS[reason]())
    status = 400 if form.errors else 200
    return render(request, "ballots/public/kiosk.html", {"ballot": ballot, "form": form}, status=status)


@_guarded
def vote(request: HttpRequest, public_id: str, code: str) -> HttpResponse:
    """The ballot itself: the questions, and on a valid submission "counted" once it is stored."""
    ballot = _open_ballot(public_id) if request.method == "POST" else _ballot(public_id)
    if request.method == "POST":
        # The hot path (a valid vote) checks the answers without building the form and goes straight to the cast,
        # whose conditional UPDATE is also the check of the code.
        answers, errors = services.check_answers(
            ballot, {q["key"]: request.POST.getlist(q["key"]) for q in ballot.questions}
        )
        if not errors and answers:
            try:
                services.cast(ballot=ballot, code=code, answers=answers)
            except services.Refused as refusal:
                return _refusal(request, ballot, refusal.code)
            return HttpResponse(_acknowledgement(ballot, request), status=201, content_type=HTML)
    form = AnswersForm(request.POST or None, ballot=ballot)
    if form.is_bound:
        form.is_valid()
    reason, _token = services.token_state(ballot, code)
    if reason:
        return _refusal(request, ballot, reason)
    context = {"ballot": ballot, "form": form, "code": services.normalise_code(code)}
    return render(request, "ballots/public/vote.html", context, status=400 if form.errors else 200)


# The acknowledgement of a vote, per ballot and language: the same page for every voter, so rendered (and encoded)
# once.
_ACKNOWLEDGEMENTS: dict[tuple[int, str], bytes] = {}
HTML = "text/html; charset=utf-8"


def _acknowledgement(ballot: Ballot, request: HttpRequest) -> bytes:
    # LocaleMiddleware's choice for this request, as get_language() would say, without a thread-local lookup.
    key = (ballot.pk, getattr(request, "LANGUAGE_CODE", None) or get_language() or "")
    page = _ACKNOWLEDGEMENTS.get(key)
    if page is None:
        if len(_ACKNOWLEDGEMENTS) >= _OPEN_LIMIT:
            _ACKNOWLEDGEMENTS.clear()
        # Rendered without the request: it needs none of the context processors' work.
        page = _ACKNOWLEDGEMENTS[key] = render_to_string("ballots/public/counted.html", {"ballot": ballot}).encode()
    return page


# Open ballots by public id, per process: what a vote needs of a ballot (its questions) no longer changes once it is
# open, and whether it still takes votes is read from the database inside every cast (services.cast).
_OPEN: dict[str, Ballot] = {}
_OPEN_LIMIT = 1000


def _open_ballot(public_id: str) -> Ballot:
    key = (public_id or "").upper()
    ballot = _OPEN.get(key)
    if ballot is not None:
        return ballot
    ballot = _ballot(key)
    if ballot.status == Status.OPEN:
        if len(_OPEN) >= _OPEN_LIMIT:
            _OPEN.clear()
        _OPEN[key] = ballot
    return ballot


def _refusal(request: HttpRequest, ballot: Ballot, reason: str) -> HttpResponse:
    if reason in GUESSES:
        ratelimit.hit("ballot_bad", request)
    return _refused(request, ballot, reason, STATUS[reason])


urlpatterns = [
    path("<str:public_id>/", kiosk, name="kiosk"),
    path("<str:public_id>/<str:code>/", vote, name="vote"),
]
