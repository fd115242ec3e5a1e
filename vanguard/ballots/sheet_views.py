"""Issuing codes from the ballot's page (/ballots/<pk>/issue/): printed sheets, links sent by SMS, codes for a kiosk.

Only staff who may change the ballot's organisation reach these pages.  Sheets
and kiosk lists are a background job (ballots.tasks) whose PDF is the only
place the codes are ever written; only the job's creator may download it,
for settings.VANGUARD_BALLOT_SHEETS_KEEP_HOURS, or delete it once printed.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from vanguard.accounts.scoping import Action
from vanguard.ballots import services, tasks
from vanguard.ballots.models import Ballot, Constituency, Medium, Status, Token
from vanguard.core.models import Job, JobStatus
from vanguard.core.views import apply_service, get_scoped, scoped_view

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")
MAX_PHONES = 1000


def _constituency_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=gettext_lazy("Constituency"), choices=())


def _stratum_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Stratum (optional)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Results are counted per stratum (an area, a unit); a printed sheet shows it."),
        widget=forms.TextInput(attrs={"list": "ballot-strata"}),
    )


class _IssueForm(forms.Form):
    def __init__(self, *args, ballot: Ballot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["constituency"].choices = [
            (value, Constituency(value).label) for value in ballot.constituencies if value in Constituency.values
        ]


class PrintForm(_IssueForm):
    count = forms.IntegerField(label=gettext_lazy("Number of sheets"), min_value=1, max_value=tasks.MAX_SHEETS)
    constituency = _constituency_field()
    stratum = _stratum_field()


class KioskForm(_IssueForm):
    count = forms.IntegerField(label=gettext_lazy("Number of codes"), min_value=1, max_value=tasks.MAX_KIOSK_CODES)
    constituency = _constituency_field()
    stratum = _stratum_field()


class LinksForm(_IssueForm):
    constituency = _constituency_field()
    stratum = _stratum_field()
    phones = forms.CharField(
        label=gettext_lazy("Mobile numbers, one per line"),
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off"}),
        help_text=gettext_lazy("The numbers are used to send the links and not kept."),
    )

    def clean_phones(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["phones"].splitlines()]
        phones = [line for line in lines if line]
        bad = [str(number) for number, line in enumerate(lines, start=1) if line and not PHONE.match(line)]
        if bad:
            raise forms.ValidationError(
                _("These lines are not phone numbers: %(lines)s. Nothing was sent.") % {"lines": ", ".join(bad)}
            )
        if not phones:
            raise forms.ValidationError(_("Paste at least one number."))
        if len(phones) > MAX_PHONES:
            raise forms.ValidationError(_("At most %(limit)d numbers at a time.") % {"limit": MAX_PHONES})
        return phones


FORMS = {"sheets": PrintForm, "kiosk": KioskForm, "links": LinksForm}


def _ballot(request: HttpRequest, pk: int) -> Ballot:
    return get_scoped(request, Ballot.objects.select_related("organisation"), pk, Action.CHANGE)


def _detail_url(ballot: Ballot) -> str | None:
    try:
        return reverse("ballots:detail", args=[ballot.pk])
    except NoReverseMatch:  # the ballot page is another module's; the crumb waits for it
        return None


def _page(request: HttpRequest, ballot: Ballot, bound: str = "", form: forms.Form | None = None) -> HttpResponse:
    tasks.purge_expired()
    made = {name: (form if name == bound else cls(ballot=ballot, prefix=name)) for name, cls in FORMS.items()}
    issued = list(
        Token.objects.filter(ballot=ballot, void=False)
        .values("constituency", "stratum", "medium")
        .annotate(count=Count("pk"))
        .order_by("constituency", "stratum", "medium")
    )
    for row in issued:
        row["constituency_label"] = Constituency(row["constituency"]).label
        row["medium_label"] = Medium(row["medium"]).label
    strata = sorted({row["stratum"] for row in issued if row["stratum"]})
    recent = Job.objects.filter(kind=tasks.KIND, created_by=request.user, params__ballot=ballot.pk)[:10]
    context = {
        "ballot": ballot,
        "detail_url": _detail_url(ballot),
        "forms": made,
        "issued": issued,
        "strata": strata,
        "recent": [{"job": job, "file": tasks.file_of(job) is not None} for job in recent],
        "keep_hours": round(tasks.keep_hours()),
        "closed": ballot.status == Status.CLOSED,
    }
    return render(request, "ballots/sheets/issue.html", context)


@scoped_view(Ballot)
@require_safe
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _ballot(request, pk))


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _print(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    ballot = _ballot(request, pk)
    form = FORMS[format](request.POST, ballot=ballot, prefix=format)
    if form.is_valid():
        data = form.cleaned_data
        job = apply_service(
            form,
            lambda: tasks.start_issuing(
                ballot=ballot,
                actor=request.user,
                format=format,
                count=data["count"],
                constituency=data["constituency"],
                stratum=data["stratum"].strip(),
                base_url=_base_url(request),
            ),
        )
        if job is not None:
            return redirect("core:job", pk=job.pk)
    return _page(request, ballot, format, form)


@require_POST
@scoped_view(Ballot)
def issue_sheets(request: HttpRequest, pk: int) -> HttpResponse:
    return _print(request, pk, tasks.SHEETS)


@require_POST
@scoped_view(Ballot)
def issue_kiosk(request: HttpRequest, pk: int) -> HttpResponse:
    return _print(request, pk, tasks.KIOSK)


@require_POST
@scoped_view(Ballot)
def issue_links(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    form = LinksForm(request.POST, ballot=ballot, prefix="links")
    if form.is_valid():
        data = form.cleaned_data
        outcome = apply_service(
            form,
            lambda: services.send_links(
                ballot=ballot,
                actor=request.user,
                phones=data["phones"],
                constituency=data["constituency"],
                stratum=data["stratum"].strip(),
                link_for=lambda code: request.build_absolute_uri(
                    reverse("ballots_public:vote", args=[ballot.public_id, code])
                ),
            ),
        )
        if outcome is not None:
            sent, failed = outcome
            messages.success(request, _("Links sent: %(sent)d.") % {"sent": sent})
            if failed:
                messages.warning(
                    request,
                    _("%(failed)d messages could not be sent; their codes were withdrawn. Send to them again.")
                    % {"failed": failed},
                )
            return redirect("ballots:issue", pk=ballot.pk)
    return _page(request, ballot, "links", form)


def _sheet_job(request: HttpRequest, pk: int) -> Job:
    """The sheets job if the user started it and may still change its ballot's organisation; 404 otherwise.

    Stricter than core.jobs.may_download: the file holds live votes, so nobody but
    the person who printed them receives it, whatever else they may see.
    """
    job = get_scoped(request, Job.objects.filter(kind=tasks.KIND).select_related("organisation"), pk, Action.CHANGE)
    if job.created_by_id != request.user.pk:
        raise Http404
    return job


@scoped_view(Job)
@require_safe
def download(request: HttpRequest, pk: int) -> FileResponse:
    job = _sheet_job(request, pk)
    found = tasks.file_of(job) if job.status == JobStatus.SUCCEEDED else None
    if found is None:
        raise Http404
    ballot = Ballot.objects.filter(pk=(job.result or {}).get("ballot")).first()
    stem = ballot.title if ballot else "ballot"
    label = _("codes") if job.result.get("format") == tasks.KIOSK else _("sheets")
    return FileResponse(
        found.open("rb"), as_attachment=True, filename=f"{stem}-{label}-{job.pk}.pdf", content_type="application/pdf"
    )


@require_POST
@scoped_view(Job)
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete the file now (once printed): its codes then exist only on paper."""
    job = _sheet_job(request, pk)
    tasks.discard(job)
    messages.success(request, _("The file was deleted."))
    ballot = (job.result or {}).get("ballot") or job.params.get("ballot")
    if ballot and Ballot.objects.filter(pk=ballot).exists():
        return redirect("ballots:issue", pk=ballot)
    return redirect("core:job", pk=job.pk)


urlpatterns = [
    path("<id:pk>/issue/", issue, name="issue"),
    path("<id:pk>/issue/sheets/", issue_sheets, name="issue_sheets"),
    path("<id:pk>/issue/kiosk/", issue_kiosk, name="issue_kiosk"),
    path("<id:pk>/issue/links/", issue_links, name="issue_links"),
    path("sheets/<id:pk>/download/", download, name="sheets_download"),
    path("sheets/<id:pk>/discard/", discard, name="sheets_discard"),
]
