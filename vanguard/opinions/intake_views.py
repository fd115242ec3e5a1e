"""Staff intake of opinions (征求意见): the list of the user's subtree, one opinion, entering opinions from offline
channels one at a time or many at once, and importing a questionnaire spreadsheet (with its blank template).

Views never write models: entering goes through services.enter_opinions (all rows or none).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vanguard.accounts.scoping import restrict
from vanguard.core.pagination import ids_first_page
from vanguard.core.views import get_scoped, scoped_view
from vanguard.opinions import intake_forms as forms
from vanguard.opinions import questionnaire, selectors, services
from vanguard.opinions.models import Opinion
from vanguard.opinions.selectors_contact import may_see_contact

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def opinion_list(request: HttpRequest) -> HttpResponse:
    """Opinions of the user's subtree, newest first, with filters; rows stack on a phone."""
    form = forms.FilterForm(request.GET or None, organisations=selectors.visible_organisations(request.user))
    rows = selectors.opinions_for(request.user, **form.filters())
    page = ids_first_page(rows, number=request.GET.get("page"), size=PAGE_SIZE)
    for opinion in page.rows:
        opinion.problem_linked = selectors.problem_visible(request.user, opinion.problem)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_enter": selectors.own_organisation(request.user) is not None,
    }
    return render(request, "opinions/intake/list.html", context)


@scoped_view(Opinion)
def opinion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_scoped(
        request, Opinion.objects.select_related("organisation", "problem", "campaign", "intake_page", "entered_by"), pk
    )
    context = {
        "opinion": opinion,
        "show_contact": may_see_contact(request.user, opinion),
        "problem_linked": selectors.problem_visible(request.user, opinion.problem),
    }
    return render(request, "opinions/intake/detail.html", context)


def _entry_kwargs(request: HttpRequest, *, dated: bool = True) -> dict:
    organisations = selectors.entry_organisations(request.user)
    own = selectors.own_organisation(request.user)
    if own is None:
        raise Http404
    return {
        "organisations": organisations,
        "campaigns": selectors.campaigns_for_entry(request.user),
        # A questionnaire's blank dates are not silently today: the date for them is chosen or they are refused.
        "initial": {"organisation": own, **({"received_on": timezone.localdate()} if dated else {})},
    }


def _common(data: dict) -> dict:
    return {"channel": data["channel"], "direction": data["direction"], "source_group": data["source_group"]}


def _put_row_errors(form, errors: services.RowErrors, *, where, aliases: dict[str, str]) -> None:
    """Each bad row's problems on the form, naming the row (`where(number)`) and the field (or its alias)."""
    for number, fields in sorted(errors.rows.items()):
        for field, message in fields.items():
            field = aliases.get(field, field)
            label = form.fields[field].label if field in form.fields else field
            form.add_error(None, f"{where(number)} · {label}: {message}")


@login_required
def enter(request: HttpRequest) -> HttpResponse:
    """One opinion from a forum, interview, hotline, box or questionnaire; its receipt code is shown after."""
    form = forms.OpinionForm(request.POST or None, **_entry_kwargs(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        row = services.OpinionInput(
            text=data["text"],
            received_on=data["received_on"],
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            **_common(data),
        )
        try:
            saved = services.enter_opinions(
                organisation=data["organisation"], actor=request.user, rows=[row], campaign=data["campaign"]
            )
        except services.RowErrors as errors:
            for field, message in errors.rows[min(errors.rows)].items():
                form.add_error(field if field in form.fields else None, message)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("Entered. Its receipt code is %(receipt)s: give it to whoever raised the opinion.")
                % {"receipt": saved[0].receipt},
            )
            return redirect("opinions:opinion", pk=saved[0].pk)
    return render(request, "opinions/intake/enter.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def bulk(request: HttpRequest) -> HttpResponse:
    """Many opinions of one forum or box: the common fields once, one opinion per line; all or none."""
    form = forms.BulkForm(request.POST or None, **_entry_kwargs(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = form.opinion_lines()
        if not lines:
            form.add_error("lines", _("Write at least one opinion."))
        else:
            rows = [services.OpinionInput(text=t, received_on=data["received_on"], **_common(data)) for _, t in lines]
            try:
                saved = services.enter_opinions(
                    organisation=data["organisation"],
                    actor=request.user,
                    rows=rows,
                    campaign=data["campaign"],
                    row_numbers=[number for number, _ in lines],
                )
            except services.RowErrors as errors:
                _put_row_errors(
                    form, errors, where=lambda n: _("Line %(line)d") % {"line": n}, aliases={"text": "lines"}
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    ngettext("%(count)d opinion entered.", "%(count)d opinions entered.", len(saved))
                    % {"count": len(saved)},
                )
                return _entered(request, saved)
    return render(request, "opinions/intake/bulk.html", {"form": form}, status=400 if form.errors else 200)


ENTERED_KEY = "opinions_entered"


def _entered(request: HttpRequest, saved: list[Opinion]) -> HttpResponse:
    """Redirect to the receipt codes just entered: reloading that page shows them again and enters nothing twice."""
    request.session[ENTERED_KEY] = [o.pk for o in saved]
    return redirect("opinions:entered")


@login_required
def entered(request: HttpRequest) -> HttpResponse:
    """The receipt codes of what this user last entered, to hand on (a printed list for a forum's participants)."""
    ids = [pk for pk in request.session.get(ENTERED_KEY, []) if isinstance(pk, int)]
    rows = (
        restrict(Opinion.objects.filter(pk__in=ids, entered_by=request.user), request.user)
        .select_related("organisation")
        .order_by("pk")
    )
    return render(request, "opinions/intake/entered.html", {"opinions": rows})


@login_required
def import_questionnaire(request: HttpRequest) -> HttpResponse:
    """A questionnaire sheet checked whole and entered all-or-nothing in the request (MAX_ROWS rows at most)."""
    form = forms.ImportForm(request.POST or None, request.FILES or None, **_entry_kwargs(request, dated=False))
    problems: list[questionnaire.RowProblem] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        defaults = questionnaire.Defaults(
            organisation=data["organisation"],
            received_on=data["received_on"],
            campaign=data["campaign"],
            **_common(data),
        )
        with tempfile.TemporaryDirectory() as directory:
            target = Path(directory) / f"questionnaire{Path(upload.name).suffix.lower()[:8]}"
            with target.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                saved = questionnaire.import_questionnaire(path=target, actor=request.user, defaults=defaults)
            except questionnaire.QuestionnaireRefused as refused:
                problems = refused.problems
            else:
                messages.success(
                    request,
                    ngettext("%(count)d opinion imported.", "%(count)d opinions imported.", len(saved))
                    % {"count": len(saved)},
                )
                return _entered(request, saved)
    status = 400 if form.errors or problems else 200
    context = {"form": form, "problems": problems, "max_rows": questionnaire.MAX_ROWS}
    return render(request, "opinions/intake/import.html", context, status=status)


@login_required
def questionnaire_template(request: HttpRequest) -> HttpResponse:
    """The blank questionnaire (.xlsx) with its header row, to fill offline and import."""
    buffer = io.BytesIO()
    questionnaire.write_template(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%BE%81%E6%B1%82%E6%84%8F%E8%A7%81%E8%A1%A8.xlsx"
    return response


urlpatterns = [
    path("", opinion_list, name="list"),
    path("enter/", enter, name="enter"),
    path("bulk/", bulk, name="bulk"),
    path("entered/", entered, name="entered"),
    path("import/", import_questionnaire, name="import"),
    path("import/template.xlsx", questionnaire_template, name="import_template"),
    path("<id:pk>/", opinion_detail, name="opinion"),
]
