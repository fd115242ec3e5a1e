"""Self-analyses published (公示) to the public (/a/<code>/): read and comment without signing in or JavaScript.

The code names a branch in a campaign and carries a keyed hash
(`analysis.public_code`), so no one reaches a branch's page without being
given its link.  The page lists only the self-analyses published to the public
whose window holds today; with none it is a 404, as for a wrong code.  A
comment may be signed or not, and comments per address are limited
(`accounts.ratelimit`, scope "analysis_comment"); comments go to the branch and
are never shown here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from vanguard.accounts import ratelimit
from vanguard.appraisals import analysis
from vanguard.appraisals.analysis_forms import PublicCommentForm
from vanguard.core.views import apply_service, public_page

ratelimit.register_scope("analysis_comment", setting="VANGUARD_ANALYSIS_COMMENT_RATE", default="10/h")

# Room for a comment of MAX_COMMENT characters however it is encoded, and the form's other fields.
MAX_BODY = 32 * 1024


def _refused(request: HttpRequest, status: int, message: str, retry_after: int | None = None) -> HttpResponse:
    response = render(request, "appraisals/analysis/public_refused.html", {"message": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def public(view: Callable) -> Callable:
    """Open to anyone, never cached, a large body refused before it is parsed, CSRF checked after that."""
    protected = csrf_protect(view)

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > MAX_BODY:
            return _refused(request, 413, _("What you sent is too long. Nothing was stored."))
        return protected(request, *args, **kwargs)

    return public_page(never_cache(csrf_exempt(guarded)))


@public
def published(request: HttpRequest, code: str) -> HttpResponse:
    """The branch's self-analyses published to the public today, each with a comment form."""
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    found = analysis.parse_public_code(code)
    if found is None:
        raise Http404
    items = list(analysis.publicly_published(*found))
    if not items:
        raise Http404
    for item in items:
        item.current = analysis.current_version(item)
    forms = {item.pk: PublicCommentForm(auto_id=f"id_{item.pk}_%s") for item in items}
    sent = None
    status = 200
    if request.method == "POST":
        if not ratelimit.hit("analysis_comment", request):
            minutes = max(1, ratelimit.retry_after("analysis_comment") // 60)
            return _refused(
                request,
                429,
                _("Too many comments came from your address. Please try again in %(minutes)d minutes.")
                % {"minutes": minutes},
                ratelimit.retry_after("analysis_comment"),
            )
        target = next((item for item in items if str(item.pk) == request.POST.get("analysis")), None)
        if target is None:
            return _refused(request, 400, _("This self-analysis is not published here now. Nothing was stored."))
        form = PublicCommentForm(request.POST, auto_id=f"id_{target.pk}_%s")
        forms[target.pk] = form
        if form.is_valid():
            data = form.cleaned_data
            made = apply_service(
                form, lambda: analysis.add_comment(analysis=target, text=data["text"], name=data["name"])
            )
            if made is not None:
                sent = target
                forms[target.pk] = PublicCommentForm(auto_id=f"id_{target.pk}_%s")
        if sent is None:
            status = 400
    for item in items:
        item.form = forms[item.pk]
    context = {"items": items, "organisation": items[0].organisation, "sent": sent}
    return render(request, "appraisals/analysis/public.html", context, status=status)


urlpatterns = [
    path("<str:code>/", published, name="published"),
]
