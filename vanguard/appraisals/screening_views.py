"""Pages of weak-organisation screening (DOMAIN §6): the assessment from above, screening runs, their results.

- /appraisals/campaigns/<campaign>/screening/: the campaign's runs the user may see, and a run over a subtree.
- /appraisals/screenings/<screening>/ (and /export/): a run's results with a chart and a workbook; a user of a
  part of the run's subtree sees that part's entries only.
- /appraisals/campaigns/<campaign>/assessments/ (assess/, upload/, template/): the organisation above scores those
  below it, one form each or a workbook of codes and scores.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from vanguard.accounts.scoping import Action, restrict, scope_roots
from vanguard.appraisals import hooks, screening_workbook
from vanguard.appraisals import screening as logic
from vanguard.appraisals.models import Screening, UpperAssessment
from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.core.views import apply_service, get_scoped, scoped_view
from vanguard.opinions.intake_forms import OrganisationField
from vanguard.orgs.models import Kind, Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
MAX_UPLOAD = 20 * 1024 * 1024
PAGE_SIZE = 100
CHART_SIZE = 50  # the chart shows the lowest ranks; the table and the workbook hold them all


class RunForm(forms.Form):
    organisation = OrganisationField(label=gettext_lazy("Subtree of"))
    level = forms.ChoiceField(label=gettext_lazy("Level screened"), choices=Kind.choices, initial=Kind.BRANCH)

    def __init__(self, *args, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].set_queryset(organisations)


class AssessmentForm(forms.Form):
    score = forms.DecimalField(
        label=gettext_lazy("Score (0–100)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=logic.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook"),
        help_text=gettext_lazy("Columns 组织代码 (code) and 得分 (score, 0–100), optionally 备注 (note)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in UPLOAD_SUFFIXES:
            raise forms.ValidationError(_("Upload an .xlsx, .xls, .ods or .csv file."))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def _in_campaign(campaign: Campaign):
    return Organisation.objects.filter(tree.subtree_q("path", campaign.org_path))


def _changeable(request: HttpRequest, campaign: Campaign):
    """Organisations of the campaign where the user may act (screen a subtree, assess those below)."""
    return restrict(_in_campaign(campaign), request.user, Action.CHANGE)


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    return get_scoped(request, Campaign.objects.select_related("organisation"), pk)


# --- screening runs ------------------------------------------------------------------------------------------------


@scoped_view(Campaign)
@require_http_methods(["GET", "POST"])
def screening_list(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    changeable = _changeable(request, campaign)
    may_run = changeable.exists()
    form = RunForm(request.POST or None, organisations=changeable) if may_run else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            made = apply_service(
                form,
                lambda: logic.run_screening(
                    campaign=campaign,
                    organisation=form.cleaned_data["organisation"],
                    level=form.cleaned_data["level"],
                    actor=request.user,
                ),
            )
            if made is not None:
                messages.success(request, _("Screening done."))
                return redirect("appraisals:screening_detail", pk=made.pk)
    runs = (
        logic.visible_screenings(request.user)
        .filter(campaign=campaign)
        .select_related("organisation", "run_by")
        .annotate(entry_count=Count("entries"))[:50]
    )
    context = {
        "campaign": campaign,
        "form": form,
        "runs": [
            (
                run,
                Kind(run.level).label if run.level in Kind.values else run.level,
                logic.percent_text(run.bottom_share * 100),
            )
            for run in runs
        ],
        "rules": logic.rules_of(campaign),
    }
    return render(request, "appraisals/screening/list.html", context, status=400 if form and form.errors else 200)


def _screening(request: HttpRequest, pk: int) -> Screening:
    return get_object_or_404(
        logic.visible_screenings(request.user).select_related("organisation", "campaign", "run_by"), pk=pk
    )


def _ordered(entries):
    return entries.order_by(F("rank").asc(nulls_last=True), "organisation__path")


@scoped_view(Screening)
@require_GET
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    screening = _screening(request, pk)
    all_entries = screening.entries.all()
    ranked = all_entries.filter(rank__isnull=False).count()
    total = all_entries.count()
    flagged_total = all_entries.filter(flagged=True).count()
    cut = logic.cut_size(screening.bottom_share, ranked)
    entries = _ordered(logic.visible_entries(request.user, screening))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    links = hooks.entry_links(request, screening, list(page))
    rows = [
        {
            "entry": entry,
            "criteria": [logic.describe(c) for c in entry.criteria],
            "tied": any(c.get("criterion") == "tied_at_cut" for c in entry.criteria),
            "links": links.get(entry.pk, []),
        }
        for entry in page
    ]
    lowest = list(entries.filter(rank__isnull=False)[:CHART_SIZE])
    chart = {
        "names": [entry.organisation.name for entry in lowest],
        "composites": [float(entry.composite) for entry in lowest],
        "flagged": [entry.flagged for entry in lowest],
        "ranks": [entry.rank for entry in lowest],
        "label": _("Composite score"),
    }
    context = {
        "screening": screening,
        "level": Kind(screening.level).label if screening.level in Kind.values else screening.level,
        "page": page,
        "rows": rows,
        "chart": chart,
        "total": total,
        "ranked": ranked,
        "no_data": total - ranked,
        "cut": cut,
        "flagged_total": flagged_total,
        "tied": flagged_total > cut,
        "visible_count": page.paginator.count,
        "share_percent": logic.percent_text(screening.bottom_share * 100),
        "labels": {name: logic.component_label(name) for name in logic.COMPONENTS},
    }
    return render(request, "appraisals/screening/detail.html", context)


@scoped_view(Screening)
@require_GET
def screening_export(request: HttpRequest, pk: int) -> HttpResponse:
    screening = _screening(request, pk)
    entries = _ordered(logic.visible_entries(request.user, screening))
    content = screening_workbook.entries_workbook(screening, entries.iterator(), of=screening.entries.count())
    response = HttpResponse(content, content_type=XLSX)
    name = f"{screening.organisation.name}-软弱涣散排查-{screening.run_at:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"screening.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


# --- assessment from above -----------------------------------------------------------------------------------------


def _under(request: HttpRequest, campaign: Campaign) -> tuple[Organisation | None, list[Organisation]]:
    """The organisation whose children are listed (`?under=`), and the user's own starting points in the campaign."""
    changeable = _changeable(request, campaign)
    roots = scope_roots(request.user, Action.CHANGE)
    if roots is None:
        starts = [campaign.organisation]
    else:
        # The highest organisations of the campaign the user may change: their own roles' organisations, or the
        # campaign's when a role sits above it.
        paths = tree.minimal_roots(
            [campaign.org_path if tree.is_within(campaign.org_path, root) else root for root in roots]
        )
        starts = list(changeable.filter(path__in=paths).order_by("path"))
    chosen = request.GET.get("under", "")
    if chosen.isdigit():
        return get_object_or_404(changeable, pk=int(chosen)), starts
    return (starts[0] if len(starts) == 1 else None), starts


@scoped_view(Campaign)
@require_GET
def assessment_list(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    under, starts = _under(request, campaign)
    rows, page = [], None
    if under is not None:
        children = under.children.order_by("name", "pk").annotate(below=Count("children"))
        page = Paginator(children, PAGE_SIZE * 2).get_page(request.GET.get("page"))
        scores = {
            a.organisation_id: a
            for a in UpperAssessment.objects.filter(campaign=campaign, organisation__in=[c.pk for c in page])
        }
        rows = [(child, scores.get(child.pk)) for child in page]
    crumbs = []
    if under is not None:
        top = next((s for s in starts if tree.is_within(under.path, s.path)), None)
        if top is not None:
            pks = tree.path_pks(under.path)[tree.depth_of(top.path) - 1 : -1]
            found = Organisation.objects.in_bulk(pks)
            crumbs = [found[pk] for pk in pks if pk in found]
    context = {
        "campaign": campaign,
        "under": under,
        "starts": starts,
        "rows": rows,
        "page": page,
        "crumbs": crumbs,
        "query": urlencode({"under": under.pk}) if under is not None else "",
    }
    return render(request, "appraisals/screening/assessments.html", context)


@scoped_view(Campaign)
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    chosen = request.GET.get("organisation", "")
    if not chosen.isdigit():
        raise Http404
    organisation = get_object_or_404(_in_campaign(campaign).select_related("parent"), pk=int(chosen))
    if not logic.may_assess(request.user, organisation):
        raise Http404
    found = UpperAssessment.objects.filter(campaign=campaign, organisation=organisation).first()
    initial = {"score": found.score, "note": found.note} if found else {}
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = apply_service(
            form,
            lambda: logic.record_assessment(
                campaign=campaign,
                organisation=organisation,
                actor=request.user,
                score=form.cleaned_data["score"],
                note=form.cleaned_data["note"],
            ),
        )
        if saved is not None:
            messages.success(request, _("Assessment of %(name)s saved.") % {"name": organisation.name})
            url = reverse("appraisals:screening_assessments", args=[campaign.pk])
            return redirect(f"{url}?{urlencode({'under': organisation.parent_id})}")
    context = {"campaign": campaign, "organisation": organisation, "form": form, "found": found}
    return render(request, "appraisals/screening/assess.html", context, status=400 if form.errors else 200)


@scoped_view(Campaign)
@require_http_methods(["GET", "POST"])
def assessment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    if not _changeable(request, campaign).exists():
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    problems: list[logic.RowProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as directory:
            target = Path(directory) / f"assessments{Path(upload.name).suffix.lower()}"
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                done = logic.import_assessments(campaign=campaign, actor=request.user, path=target)
            except logic.AssessmentsRefused as refused:
                problems = refused.problems
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d assessment recorded (%(created)d new, %(changed)d changed, %(same)d unchanged).",
                        "%(count)d assessments recorded (%(created)d new, %(changed)d changed, %(same)d unchanged).",
                        done.created + done.changed + done.unchanged,
                    )
                    % {
                        "count": done.created + done.changed + done.unchanged,
                        "created": done.created,
                        "changed": done.changed,
                        "same": done.unchanged,
                    },
                )
                return redirect("appraisals:screening_assessments", pk=campaign.pk)
    status = 400 if form.errors or problems else 200
    context = {"campaign": campaign, "form": form, "problems": problems, "max_rows": logic.MAX_ROWS}
    return render(request, "appraisals/screening/upload.html", context, status=status)


@scoped_view(Campaign)
@require_GET
def assessment_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Every organisation below `?under=` (which the user may change), with its score so far: filled in, sent back."""
    campaign = _campaign(request, pk)
    under, _starts = _under(request, campaign)
    if under is None:
        raise Http404
    below = (
        Organisation.objects.filter(tree.subtree_q("path", under.path))
        .exclude(pk=under.pk)
        .order_by("path")
        .values_list("pk", "code", "name")[: logic.MAX_ROWS]
    )
    below = list(below)
    known = {
        organisation_id: (score, note)
        for organisation_id, score, note in UpperAssessment.objects.filter(
            # By the organisation's own path: UpperAssessment.org_path is not among the copies a move rewrites.
            tree.subtree_q("organisation__path", under.path),
            campaign=campaign,
        ).values_list("organisation_id", "score", "note")
    }
    content = screening_workbook.template_workbook((code, name, *known.get(pk, (None, ""))) for pk, code, name in below)
    response = HttpResponse(content, content_type=XLSX)
    name = f"{under.name}-上级评价.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"assessments.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


urlpatterns = [
    path("campaigns/<id:pk>/screening/", screening_list, name="screening_list"),
    path("screenings/<id:pk>/", screening_detail, name="screening_detail"),
    path("screenings/<id:pk>/export/", screening_export, name="screening_export"),
    path("campaigns/<id:pk>/assessments/", assessment_list, name="screening_assessments"),
    path("campaigns/<id:pk>/assessments/assess/", assess, name="screening_assess"),
    path("campaigns/<id:pk>/assessments/upload/", assessment_upload, name="screening_upload"),
    path("campaigns/<id:pk>/assessments/template/", assessment_template, name="screening_template"),
]
