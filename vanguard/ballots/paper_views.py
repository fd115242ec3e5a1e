"""Paper ballots keyed in twice: each clerk keys a sheet's code and answers; disagreements wait for a third look."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, PaperEntry
from vanguard.ballots.voting import AnswersForm
from vanguard.core.views import get_scoped, scoped_view

MESSAGES = {
    "waiting": gettext_lazy("Keyed. The sheet counts once a second clerk keys the same answers."),
    "counted": gettext_lazy("Both keyings agree: the sheet is counted."),
    "mismatch": gettext_lazy("The two keyings disagree: the sheet waits for a third look and is not counted yet."),
}


class SheetCodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code printed on the sheet"), max_length=32)


def _forms(request: HttpRequest, ballot: Ballot):
    data = request.POST if request.method == "POST" else None
    # A blank sheet is a ballot cast with no valid answer: it counts in the turnout, not in any rate.
    return SheetCodeForm(data, prefix="sheet"), AnswersForm(data, ballot=ballot, require=False, prefix="answers")


def _answers_data(request: HttpRequest, ballot: Ballot) -> dict:
    return {q["key"]: request.POST.getlist(f"answers-{q['key']}") for q in ballot.questions}


def _key_sheet(request: HttpRequest, ballot: Ballot, sheet, answers, service):
    """A posted sheet (its code and answers) handed to `service`; its result, or None with the errors on the forms."""
    if request.method != "POST" or not sheet.is_valid():
        return None
    checked, errors = services.check_answers(ballot, _answers_data(request, ballot))
    for key, message in errors.items():
        answers.add_error(None, f"{key}: {message}")
    if errors:
        return None
    try:
        # resolve_paper returns nothing: True stands for "counted".
        return service(ballot=ballot, actor=request.user, code=sheet.cleaned_data["code"], answers=checked) or True
    except ValidationError as refusal:  # services.Refused is one too
        sheet.add_error("code", refusal.messages[0])
        return None


@scoped_view(Ballot)
def paper_entry(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_scoped(request, Ballot.objects.select_related("organisation"), pk, Action.CHANGE)
    sheet, answers = _forms(request, ballot)
    keyed = _key_sheet(request, ballot, sheet, answers, services.key_in_paper)
    if keyed is not None:
        messages.success(request, MESSAGES[keyed.state])
        return redirect("ballots:paper", pk=ballot.pk)
    pending = PaperEntry.objects.filter(ballot=ballot)
    context = {
        "ballot": ballot,
        "sheet_form": sheet,
        "answers_form": answers,
        "waiting": pending.filter(mismatch=False).count(),
        "mismatched": pending.filter(mismatch=True).values("code_hash").distinct().count(),
    }
    return render(request, "ballots/paper.html", context, status=400 if sheet.errors or answers.errors else 200)


@scoped_view(Ballot)
def paper_mismatches(request: HttpRequest, pk: int) -> HttpResponse:
    """The third look: both keyings side by side; someone other than the two clerks keys what the sheet says."""
    ballot = get_scoped(request, Ballot.objects.select_related("organisation"), pk, Action.CHANGE)
    pairs: dict[str, list[PaperEntry]] = {}
    for entry in PaperEntry.objects.filter(ballot=ballot, mismatch=True).select_related("clerk").order_by("sheet_code"):
        pairs.setdefault(entry.sheet_code, []).append(entry)
    sheet, answers = _forms(request, ballot)
    if _key_sheet(request, ballot, sheet, answers, services.resolve_paper) is not None:
        messages.success(request, _("The sheet is counted as read on the third look."))
        return redirect("ballots:paper_mismatches", pk=ballot.pk)
    rows = [
        {
            "code": code,
            "clerks": [entry.clerk.get_username() for entry in entries],
            "lines": [
                (q["label"], [_describe(q, entry.answers.get(q["key"])) for entry in entries]) for q in ballot.questions
            ],
        }
        for code, entries in pairs.items()
    ]
    context = {"ballot": ballot, "rows": rows, "sheet_form": sheet, "answers_form": answers}
    return render(request, "ballots/paper_mismatches.html", context)


def _describe(question: dict, answer) -> str:
    if answer is None:
        return "—"
    if isinstance(answer, list):
        return "、".join(services.option_label(question, a) for a in answer)
    if question["kind"] in ("rating", "text"):
        return str(answer)
    return services.option_label(question, answer)


urlpatterns = [
    path("<id:pk>/paper/", paper_entry, name="paper"),
    path("<id:pk>/paper/mismatches/", paper_mismatches, name="paper_mismatches"),
]
