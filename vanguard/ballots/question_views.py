"""The question builder of a draft ballot, copying another ballot's questions, and the results workbook download.

The builder works with plain forms and buttons (no JavaScript): every change
posts the whole new list of questions to services.update_questions, whose
refusal is shown on the page.  Question keys are q1, q2, … given when a
question is added and never changed by editing or reordering, so answers and
results keep following the same question.
"""

from __future__ import annotations

import copy
import io
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from vanguard.accounts.scoping import Action, restrict
from vanguard.ballots import question_forms as qf
from vanguard.ballots import results as ballot_results
from vanguard.ballots import results_workbook, services
from vanguard.ballots.models import Ballot, QuestionKind, Status, Subject
from vanguard.core.views import apply_service, get_scoped, scoped_view

# Ballots offered to copy from: the newest, narrowed by a search on the title; any in scope can still be posted.
MAX_SOURCES = 200
KEY = re.compile(r"^q(\d+)$")


def next_number(questions: list[dict]) -> int:
    """The number of the next key: one more than the highest qN in use, so no key is ever given twice at once."""
    numbers = [int(m.group(1)) for q in questions if (m := KEY.match(str(q.get("key", ""))))]
    return max(numbers, default=0) + 1


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _save(request: HttpRequest, ballot: Ballot, questions: list[dict]) -> list[str]:
    """Save through the service; the messages of its refusal, or [] when saved."""
    try:
        services.update_questions(ballot=ballot, actor=request.user, questions=questions)
    except ValidationError as exc:
        return _messages_of(exc)
    return []


def _builder_url(ballot: Ballot) -> str:
    return reverse("ballots:questions", args=[ballot.pk])


def _rows(questions: list[dict]) -> list[dict]:
    rows = []
    for number, question in enumerate(questions, start=1):
        kind = question.get("kind")
        try:
            kind_label = QuestionKind(kind).label
        except ValueError:
            kind_label = kind
        options = []
        if kind in qf.CHOICE_KINDS + qf.SUBJECT_KINDS:
            options = [services.option_label(question, o) for o in services.options_of(question)]
        subject = question.get("subject")
        subject_label = Subject(subject).label if subject in Subject.values else subject
        rows.append(
            {"number": number, "q": question, "kind_label": kind_label, "options": options, "subject": subject_label}
        )
    return rows


def _moved(questions: list[dict], key: str, step: int) -> list[dict] | None:
    index = next((i for i, q in enumerate(questions) if q.get("key") == key), None)
    if index is None or not 0 <= index + step < len(questions):
        return None
    moved = list(questions)
    moved[index], moved[index + step] = moved[index + step], moved[index]
    return moved


@scoped_view(Ballot)
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    """Add, edit, remove and reorder the questions of a draft ballot (staff who may change its organisation)."""
    ballot = get_scoped(request, Ballot.objects.select_related("organisation", "campaign"), pk, Action.CHANGE)
    current = list(ballot.questions)
    editing = request.POST.get("key") or request.GET.get("edit") or ""
    edited = next((q for q in current if q.get("key") == editing), None)
    add_form = qf.QuestionForm(prefix="new", initial={"kind": QuestionKind.SINGLE, "scale": 5})
    edit_form = qf.QuestionForm(prefix="edit", initial=qf.QuestionForm.initial_of(edited)) if edited else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = qf.QuestionForm(request.POST, prefix="new")
            if add_form.is_valid():
                new = add_form.question(f"q{next_number(current)}")
                if apply_service(
                    add_form,
                    lambda: services.update_questions(ballot=ballot, actor=request.user, questions=[*current, new]),
                ):
                    messages.success(request, _("Question added."))
                    return redirect(_builder_url(ballot))
        elif action == "save" and edited is not None:
            edit_form = qf.QuestionForm(request.POST, prefix="edit")
            if edit_form.is_valid():
                changed = [edit_form.question(editing) if q is edited else q for q in current]
                if apply_service(
                    edit_form,
                    lambda: services.update_questions(ballot=ballot, actor=request.user, questions=changed),
                ):
                    messages.success(request, _("Question saved."))
                    return redirect(_builder_url(ballot))
        elif action in ("remove", "up", "down") and edited is not None:
            if action == "remove":
                changed = [q for q in current if q is not edited]
            else:
                changed = _moved(current, editing, -1 if action == "up" else 1)
            if changed is not None:
                problems = _save(request, ballot, changed)
                for problem in problems:
                    messages.error(request, problem)
                if not problems:
                    messages.success(
                        request, _("Question removed.") if action == "remove" else _("Questions reordered.")
                    )
            return redirect(_builder_url(ballot))
        else:
            raise Http404
    context = {
        "ballot": ballot,
        "editable": ballot.status == Status.DRAFT,
        "rows": _rows(current),
        "editing": editing if edited is not None else "",
        "add_form": add_form,
        "edit_form": edit_form,
    }
    return render(request, "ballots/questions/builder.html", context)


def copied_questions(*, source: Ballot, target: Ballot, replace: bool) -> list[dict]:
    """The target's new list: the source's questions under fresh keys, after the target's own unless `replace`.

    What a satisfaction or grade question rates is kept only where it still
    makes sense: `subject` (a leader, a unit, …) when both ballots are of the
    same kind, `subject_id` (the very record rated) only when they also belong
    to the same campaign; otherwise staff choose them again in the builder.
    """
    same_kind = source.kind == target.kind
    same_campaign = same_kind and source.campaign_id is not None and source.campaign_id == target.campaign_id
    kept = [] if replace else [copy.deepcopy(q) for q in target.questions]
    number = next_number(kept)
    for question in source.questions:
        new = {k: copy.deepcopy(v) for k, v in question.items() if k not in ("key", "subject", "subject_id")}
        if same_kind and question.get("subject"):
            new["subject"] = question["subject"]
            if same_campaign and question.get("subject_id"):
                new["subject_id"] = question["subject_id"]
        kept.append({"key": f"q{number}", **new})
        number += 1
    return kept


@scoped_view(Ballot)
def copy_questions(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy the questions of any ballot the user may see (any campaign) into this draft."""
    ballot = get_scoped(request, Ballot.objects.select_related("organisation", "campaign"), pk, Action.CHANGE)
    search = (request.GET.get("q") or "").strip()[:100]
    sources = (
        restrict(Ballot.objects.all(), request.user, Action.VIEW)
        .exclude(pk=ballot.pk)
        .select_related("organisation", "campaign")
        .order_by("-opens_on", "-pk")
    )
    if search:
        sources = sources.filter(title__icontains=search)
    form = qf.CopyForm(request.POST or None, sources=sources)
    field = form.fields["source"]
    field.widget.choices = [("", "—")] + [(b.pk, field.label_from_instance(b)) for b in sources[:MAX_SOURCES]]
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        questions = copied_questions(source=source, target=ballot, replace=form.cleaned_data["replace"])
        if apply_service(
            form, lambda: services.update_questions(ballot=ballot, actor=request.user, questions=questions)
        ):
            messages.success(
                request,
                _("%(count)d questions copied from “%(title)s”.") % {"count": len(source.questions), "title": source},
            )
            return redirect(_builder_url(ballot))
    context = {"ballot": ballot, "form": form, "search": search, "editable": ballot.status == Status.DRAFT}
    return render(request, "ballots/questions/copy.html", context)


@scoped_view(Ballot)
@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The results workbook (.xlsx) of a ballot the user may see; 404 while its results are hidden."""
    ballot = get_scoped(request, Ballot.objects.select_related("organisation"), pk)
    results = ballot_results.compute(ballot)
    if not results.visible:
        raise Http404(_("Results are shown once the ballot closes or reaches its minimum count."))
    buffer = io.BytesIO()
    results_workbook.write(results, buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-results.xlsx"'
    return response


urlpatterns = [
    path("<id:pk>/questions/", questions, name="questions"),
    path("<id:pk>/questions/copy/", copy_questions, name="questions_copy"),
    path("<id:pk>/results.xlsx", download, name="results_xlsx"),
]
