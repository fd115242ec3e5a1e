"""Pages of 软弱涣散整顿 (DOMAIN §6): remedies for weak organisations, run by the organisation above each.

- remedies/ (?state=&overdue=1): the remedies one may see.
- remedies/new/<organisation>/ (?entry=<flagged screening entry>): opened by those above the organisation.
- remedies/<pk>/ (edit/, act/?t=close|reopen, note/, head/); remedies/notes/<note>/file/.

Views never write models: every change goes through services.remedies, whose refusal lands on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.appraisals.models import ScreeningEntry
from vanguard.core import audit, tree
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.rectification import remedy_forms as forms
from vanguard.rectification.models import Remedy, RemedyNote, RemedyStatus
from vanguard.rectification.services import remedies as services
from vanguard.rectification.workflows import REMEDY, remedy_side

PAGE_SIZE = 50
TIMELINE = 100

_REMEDIES = Remedy.objects.select_related(
    "organisation", "campaign", "team_from", "screening_entry__screening", "reorganisation"
)


def _runs(user, organisation_path: str) -> bool:
    parents = tree.ancestor_paths(organisation_path)
    return can_at_path(user, Action.CHANGE, parents[-1] if parents else organisation_path)


def _team_sources(user):
    return restrict(Organisation.objects.all(), user, Action.VIEW)


@require_GET
def remedy_list(request: HttpRequest) -> HttpResponse:
    remedies = restrict(_REMEDIES, request.user, Action.VIEW)
    state = request.GET.get("state", "")
    if state in RemedyStatus.values:
        remedies = remedies.filter(status=state)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        remedies = remedies.filter(status=RemedyStatus.OPEN, deadline__lt=timezone.localdate())
    page = Paginator(remedies.order_by("deadline", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "states": RemedyStatus.choices,
        "overdue": overdue,
        "today": timezone.localdate(),
    }
    return render(request, "rectification/remedies/list.html", context)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def remedy_new(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    if not _runs(request.user, organisation.path):
        raise Http404
    entry = None
    entry_pk = request.GET.get("entry", "")
    if entry_pk:
        if not entry_pk.isdigit():
            raise Http404
        entry = get_object_or_404(
            ScreeningEntry.objects.select_related("screening__campaign"),
            pk=int(entry_pk),
            organisation=organisation,
            flagged=True,
        )
        existing = Remedy.objects.filter(screening_entry=entry).first()
        if existing is not None:
            return redirect("rectification:remedy", pk=existing.pk)
    form = forms.RemedyForm(request.POST or None, organisations=_team_sources(request.user))
    if request.method == "POST" and form.is_valid():
        made = apply_service(
            form,
            lambda: services.open_remedy(
                actor=request.user,
                organisation=None if entry else organisation,
                entry=entry,
                **form.cleaned_data,
            ),
        )
        if made is not None:
            messages.success(request, _("Remedy opened."))
            return redirect("rectification:remedy", pk=made.pk)
    context = {"form": form, "organisation": organisation, "entry": entry, "remedy": None}
    return render(request, "rectification/remedies/form.html", context, status=400 if form.errors else 200)


@scoped_view(Remedy)
@require_GET
def remedy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    remedy = get_scoped(request, _REMEDIES, pk)
    runs = remedy_side(request.user, remedy)
    is_open = remedy.status == RemedyStatus.OPEN
    context = {
        "remedy": remedy,
        "transitions": REMEDY.available(remedy, request.user),
        "may_edit": runs and is_open,
        "may_note": is_open and can_at_path(request.user, Action.CHANGE, remedy.org_path),
        "may_replace_head": runs and is_open,
        "notes": remedy.notes.select_related("recorded_by"),
        "head_changes": remedy.head_changes.select_related("ended_assignment__user", "new_assignment__user"),
        "criteria": (remedy.screening_entry.criteria if remedy.screening_entry_id else []),
        "overdue": is_open and remedy.deadline < timezone.localdate(),
        "note_form": forms.NoteForm(),
        "history": audit.history(remedy).select_related("actor", "actor_organisation")[:TIMELINE],
    }
    return render(request, "rectification/remedies/detail.html", context)


def _remedy_url(remedy, result=None) -> str:
    return reverse("rectification:remedy", kwargs={"pk": remedy.pk})


@scoped_view(Remedy)
@require_http_methods(["GET", "POST"])
def remedy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def kwargs(remedy):
        initial = {name: getattr(remedy, name) for name in services.EDITABLE}
        return {"organisations": _team_sources(request.user), "initial": initial}

    return form_action(
        request,
        queryset=_REMEDIES,
        pk=pk,
        form_class=forms.RemedyForm,
        form_kwargs=kwargs,
        service=lambda remedy, data: services.edit_remedy(remedy=remedy, actor=request.user, **data),
        success_url=_remedy_url,
        success_message=_("Saved."),
        template="rectification/remedies/form.html",
        context=lambda remedy: {"remedy": remedy, "organisation": remedy.organisation, "entry": None},
    )


def _act(request: HttpRequest, remedy: Remedy, name: str, data: dict) -> Remedy:
    if name == "close":
        return services.close(remedy=remedy, actor=request.user, assessment=data["assessment"])
    return services.reopen(remedy=remedy, actor=request.user, reason=data["reason"], deadline=data["deadline"])


@scoped_view(Remedy)
@require_http_methods(["GET", "POST"])
def remedy_act(request: HttpRequest, pk: int) -> HttpResponse:
    name = request.GET.get("t", "")
    if name not in forms.ACT_FORMS:
        raise Http404
    return form_action(
        request,
        queryset=_REMEDIES,
        pk=pk,
        form_class=forms.ACT_FORMS[name],
        service=lambda remedy, data: _act(request, remedy, name, data),
        success_url=_remedy_url,
        success_message=_("Done."),
        template="rectification/remedies/act.html",
        context=lambda remedy: {"remedy": remedy, "transition": REMEDY.transition(name)},
    )


@scoped_view(Remedy)
@require_http_methods(["GET", "POST"])
def remedy_note(request: HttpRequest, pk: int) -> HttpResponse:
    return form_action(
        request,
        queryset=_REMEDIES,
        pk=pk,
        form_class=forms.NoteForm,
        service=lambda remedy, data: services.add_note(
            remedy=remedy, actor=request.user, text=data["text"], file=data["file"]
        ),
        success_url=_remedy_url,
        success_message=_("Progress noted."),
        template="rectification/remedies/note.html",
        context=lambda remedy: {"remedy": remedy},
    )


@scoped_view(Remedy)
@require_http_methods(["GET", "POST"])
def remedy_head(request: HttpRequest, pk: int) -> HttpResponse:
    remedy = get_scoped(request, _REMEDIES, pk, Action.CHANGE)
    members = restrict(
        Member.objects.filter(tree.subtree_q("org_path", remedy.org_path)), request.user, Action.CHANGE
    ).order_by("name", "pk")
    form = forms.HeadForm(request.POST or None, heads=services.heads_of(remedy), members=members)
    if request.method == "POST" and form.is_valid():
        done = apply_service(
            form, lambda: services.replace_head(remedy=remedy, actor=request.user, **form.cleaned_data)
        )
        if done is not None:
            _change, password = done
            messages.success(request, _("The head is replaced."))
            if password is None:
                return redirect(_remedy_url(remedy))
            # The successor had no account: their first password is shown once, as when a role is given.
            response = render(
                request,
                "accounts/first_passwords.html",
                {"first_passwords": [password], "back": _remedy_url(remedy), "summary": ""},
            )
            response["Cache-Control"] = "private, no-store"
            return response
    return render(
        request,
        "rectification/remedies/head.html",
        {"remedy": remedy, "form": form},
        status=400 if form.errors else 200,
    )


@scoped_view(RemedyNote)
@require_GET
def remedy_note_file(request: HttpRequest, pk: int) -> FileResponse:
    visible = restrict(Remedy.objects.all(), request.user)
    note = get_object_or_404(RemedyNote.objects.exclude(file="").filter(remedy__in=visible), pk=pk)
    try:
        handle = note.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=note.file_name or "evidence")


urlpatterns = [
    path("remedies/", remedy_list, name="remedies"),
    path("remedies/new/<id:pk>/", remedy_new, name="remedy_new"),
    path("remedies/<id:pk>/", remedy_detail, name="remedy"),
    path("remedies/<id:pk>/edit/", remedy_edit, name="remedy_edit"),
    path("remedies/<id:pk>/act/", remedy_act, name="remedy_act"),
    path("remedies/<id:pk>/note/", remedy_note, name="remedy_note"),
    path("remedies/<id:pk>/head/", remedy_head, name="remedy_head"),
    path("remedies/notes/<id:pk>/file/", remedy_note_file, name="remedy_note_file"),
]
