"""Pages at /targets/ (object routes take `<id:pk>` only).

- orgs/<pk>/: the score sheets defined here, the letters this organisation issued and those it received; buttons
  to define a sheet and issue letters.  orgs/<pk>/ranking/ (+ .xlsx): its assessed units ranked, by sheet and year.
- sheets/<pk>/: a sheet's parts and items; publishing it.
- letters/<pk>/: a letter's targets by part, their shares and evidence; signing and breaking down for the unit,
  scoring and concluding for the issuer.

Views never write models: services do, and their refusals land on the forms.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import xlsxwriter
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core import audit, tree
from vanguard.core.views import apply_service, get_scoped, scoped_view
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.targets import forms, services
from vanguard.targets.models import Letter, LetterStatus, ScoreSheet, SheetStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTED = 100


def _usable_sheets(organisation: Organisation):
    """Published sheets defined at the organisation or above it."""
    return ScoreSheet.objects.filter(
        org_path__in=[*tree.ancestor_paths(organisation.path), organisation.path], status=SheetStatus.PUBLISHED
    ).order_by("name")


@scoped_view(Organisation)
def organisation_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    context = {
        "organisation": organisation,
        "may_change": can_at_path(request.user, Action.CHANGE, organisation.path),
        "sheets": list(ScoreSheet.objects.filter(organisation=organisation).order_by("name")),
        "usable": list(_usable_sheets(organisation)),
        "issued": list(Letter.objects.filter(issued_by=organisation).select_related("organisation", "sheet")[:LISTED]),
        "received": list(Letter.objects.filter(organisation=organisation).select_related("issued_by", "sheet")),
    }
    return render(request, "targets/organisation.html", context)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def define_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = forms.SheetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sheet = apply_service(
            form,
            lambda: services.define_sheet(
                actor=request.user, organisation=organisation, name=data["name"], meant_for=data["meant_for"],
                parts=data["parts"], items=data["items"],
            ),
        )  # fmt: skip
        if sheet is not None:
            messages.success(request, _("Sheet saved as a draft: check it, then publish it."))
            return redirect("targets:sheet", pk=sheet.pk)
    return _form_page(request, organisation, form, _("Define a score sheet"))


def _form_page(request, organisation, form, heading):
    context = {
        "form": form,
        "heading": heading,
        "back_url": reverse("targets:organisation", args=[organisation.pk]),
        "back_label": f"{_('Target management')} · {organisation.name}",
    }
    return render(request, "form_page.html", context, status=400 if form.errors else 200)


@scoped_view(ScoreSheet)
@require_http_methods(["GET", "POST"])
def sheet_page(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = get_scoped(request, ScoreSheet.objects.select_related("organisation"), pk)
    may_publish = can_at_path(request.user, Action.CHANGE, sheet.org_path) and sheet.status == SheetStatus.DRAFT
    error = None
    if request.method == "POST":
        if not may_publish:
            raise Http404
        try:
            services.publish_sheet(actor=request.user, sheet=sheet)
            messages.success(request, _("Sheet published."))
            return redirect("targets:sheet", pk=sheet.pk)
        except services.ValidationError as refused:
            error = refused.messages[0]
    items = list(sheet.items.all())
    totals = services.part_totals(sheet)
    parts = [{**p, "sum": totals[p["key"]], "items": [i for i in items if i.part == p["key"]]} for p in sheet.parts]
    context = {"sheet": sheet, "parts": parts, "may_publish": may_publish, "error": error}
    return render(request, "targets/sheet.html", context, status=400 if error else 200)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def issue_letters(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    sheets = list(_usable_sheets(organisation))
    units = list(Organisation.objects.filter(parent=organisation).order_by("path"))
    form = forms.IssueForm(request.POST or None, sheets=sheets, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [u for u in units if str(u.pk) in data["units"]]
        sheet = next((s for s in sheets if str(s.pk) == data["sheet"]), None)
        letters = apply_service(
            form,
            lambda: services.issue_letters(
                actor=request.user, sheet=sheet, year=data["year"], issued_by=organisation, units=chosen
            ),
        )
        if letters is not None:
            messages.success(request, _("%(n)s letters issued.") % {"n": len(letters)})
            return redirect("targets:organisation", pk=organisation.pk)
    return _form_page(request, organisation, form, _("Issue responsibility letters"))


LETTER_FORMS = ("sign", "break_down", "evidence", "scores", "conclude")


@scoped_view(Letter)
@require_http_methods(["GET", "POST"])
def letter_page(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_scoped(request, Letter.objects.select_related("organisation", "issued_by", "sheet"), pk)
    user = request.user
    unit_side = services.holds_role_at_unit(user, letter)
    issuer_side = services.assesses(user, letter)
    targets = list(
        letter.targets.select_related("item", "assignee_organisation", "assignee_member").prefetch_related("evidence")
    )
    tops = [t for t in targets if t.parent_id is None]
    departments = list(Organisation.objects.filter(tree.subtree_q("path", letter.org_path)).order_by("path")[:200])
    people = list(Member.objects.filter(tree.subtree_q("org_path", letter.org_path)).order_by("name", "pk")[:300])
    data = request.POST if request.method == "POST" else None
    action = data.get("action", "") if data else ""
    offered = set()
    if unit_side and letter.status == LetterStatus.ISSUED:
        offered.add("sign")
    if unit_side and letter.status != LetterStatus.ASSESSED:
        offered.add("break_down")
    if services.acts_within_unit(user, letter) and letter.status == LetterStatus.SIGNED:
        offered.add("evidence")
    if issuer_side and letter.status == LetterStatus.SIGNED:
        offered |= {"scores", "conclude"}

    def bound(name, form_class, **kwargs):
        return form_class(data if action == name else None, prefix=name, **kwargs)

    page_forms = {
        "sign": bound("sign", forms.SignForm),
        "break_down": bound("break_down", forms.BreakDownForm, targets=tops, departments=departments, people=people),
        "evidence": bound("evidence", forms.EvidenceForm, targets=tops),
        "conclude": bound("conclude", forms.ConcludeForm),
    }
    errors = []
    if request.method == "POST":
        if action not in offered:
            raise Http404
        done = None
        if action == "scores":
            scores = {t.pk: (data.get(f"score-{t.pk}", ""), data.get(f"note-{t.pk}", "")) for t in tops}
            try:
                done = services.give_scores(actor=user, letter=letter, scores=scores)
            except services.ValidationError as refused:
                errors = refused.messages
        else:
            form = page_forms[action]
            if form.is_valid():
                d = form.cleaned_data
                pick = {t.pk: t for t in tops}
                calls = {
                    "sign": lambda: services.sign(actor=user, letter=letter, signed_by=d["signed_by"], on=d["on"]),
                    "break_down": lambda: services.break_down(
                        actor=user,
                        target=pick[int(d["target"])],
                        text=d["text"],
                        department=next((o for o in departments if str(o.pk) == d["department"]), None),
                        person=next((m for m in people if str(m.pk) == d["person"]), None),
                    ),  # fmt: skip
                    "evidence": lambda: services.add_evidence(
                        actor=user, target=pick[int(d["target"])], on=d["on"], text=d["text"], link=d["link"]
                    ),
                    "conclude": lambda: services.conclude(actor=user, letter=letter, outcome=d["outcome"]),
                }
                done = apply_service(form, calls[action])
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("targets:letter", pk=letter.pk)
    shares = {}
    for t in targets:
        if t.parent_id:
            shares.setdefault(t.parent_id, []).append(t)
    sheet = letter.sheet
    part_scores = services.part_scores(letter)
    parts = [
        {
            **p,
            "score": part_scores[p["key"]],
            "targets": [(t, shares.get(t.pk, [])) for t in tops if t.item.part == p["key"]],
        }
        for p in sheet.parts
    ]
    context = {
        "letter": letter,
        "parts": parts,
        "total": services.total_of(letter),
        "forms": {name: form for name, form in page_forms.items() if name in offered},
        "may_score": "scores" in offered,
        "errors": errors,
        "history": audit.history(letter).select_related("actor", "actor_organisation")[:50],
    }
    return render(request, "targets/letter.html", context, status=400 if request.method == "POST" else 200)


def _ranking(request: HttpRequest, pk: int):
    organisation = get_scoped(request, Organisation, pk)
    sheets = list(ScoreSheet.objects.filter(letters__issued_by=organisation).distinct().order_by("name"))
    sheet = next((s for s in sheets if str(s.pk) == request.GET.get("sheet")), sheets[0] if sheets else None)
    years = sorted(
        set(Letter.objects.filter(issued_by=organisation, sheet=sheet).values_list("year", flat=True)), reverse=True
    )
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    rows = services.ranking(issued_by=organisation, sheet=sheet, year=year) if sheet else []
    return organisation, sheets, sheet, years, year, rows


@scoped_view(Organisation)
def ranking_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation, sheets, sheet, years, year, rows = _ranking(request, pk)
    parts = sheet.parts if sheet else []
    scored = services.parts_scored([letter for _rank, letter in rows])
    ranked = [(rank, letter, [scored[letter.pk][p["key"]] for p in parts]) for rank, letter in rows]
    context = {
        "organisation": organisation, "sheets": sheets, "sheet": sheet, "years": years, "year": year, "rows": ranked,
        "parts": parts,
    }  # fmt: skip
    return render(request, "targets/ranking.html", context)


@scoped_view(Organisation)
def ranking_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    organisation, _sheets, sheet, _years, year, rows = _ranking(request, pk)
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    page = book.add_worksheet(str(year))
    head = book.add_format({"bold": True, "border": 1})
    parts = sheet.parts if sheet else []
    headers = [_("Rank"), _("Unit"), *[p["name"] for p in parts], _("Total score")]
    page.write_row(0, 0, headers, head)
    scored = services.parts_scored([letter for _rank, letter in rows])
    for n, (rank, letter) in enumerate(rows, start=1):
        scores = scored[letter.pk]
        page.write_row(
            n, 0, [rank, letter.organisation.name, *[float(scores[p["key"]]) for p in parts], float(letter.total)]
        )
    page.set_column(1, 1, 30)
    book.close()
    response = HttpResponse(output.getvalue(), content_type=XLSX)
    name = quote(f"{organisation.name}-目标考核排名-{year}.xlsx")
    response["Content-Disposition"] = f"attachment; filename=\"targets-ranking.xlsx\"; filename*=UTF-8''{name}"
    return response


urlpatterns = [
    path("orgs/<id:pk>/", organisation_page, name="organisation"),
    path("orgs/<id:pk>/sheets/new/", define_sheet, name="define_sheet"),
    path("orgs/<id:pk>/letters/new/", issue_letters, name="issue_letters"),
    path("orgs/<id:pk>/ranking/", ranking_page, name="ranking"),
    path("orgs/<id:pk>/ranking.xlsx", ranking_xlsx, name="ranking_xlsx"),
    path("sheets/<id:pk>/", sheet_page, name="sheet"),
    path("letters/<id:pk>/", letter_page, name="letter"),
]
