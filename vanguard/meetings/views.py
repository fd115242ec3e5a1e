"""Pages for meetings: an organisation's list, record one, its page with attendance, edit, add files, download."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core.views import form_action, get_scoped, scoped_view
from vanguard.meetings import selectors, services
from vanguard.meetings.forms import AddFileForm, MeetingEditForm, MeetingForm, MemberSearchForm
from vanguard.meetings.models import Meeting, MeetingFile
from vanguard.orgs.hooks import PageSection
from vanguard.orgs.models import Organisation

PAGE_SIZE = 30


def organisation_sections(request: HttpRequest, organisation: Organisation) -> list[PageSection]:
    """The organisation page's "Meetings" button, for whoever's role covers it (orgs.hooks)."""
    if not can_at_path(request.user, Action.VIEW, organisation.path):
        return []
    return [PageSection("meetings/_organisation_actions.html", place="actions")]


@scoped_view(Organisation)
def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Meetings held in the organisation's subtree, newest first."""
    organisation = get_scoped(request, Organisation, pk)
    meetings = selectors.meetings_of(organisation, request.user).select_related("organisation")
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation,
        "page": page,
        "can_record": can_at_path(request.user, Action.CHANGE, organisation.path),
    }
    return render(request, "meetings/list.html", context)


def _to_meeting(_obj, meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


@scoped_view(Organisation)
def create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a meeting of organisation `pk`: its own members are listed; a search adds members of its subtree."""
    search = MemberSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    found: dict = {}

    def form_kwargs(organisation: Organisation) -> dict:
        found["candidates"] = selectors.candidate_members(organisation, query)
        own = [m.pk for m in found["candidates"].members[: found["candidates"].own_count]]
        return {"organisation": organisation, "candidates": found["candidates"].members, "present_by_default": own}

    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=MeetingForm,
        form_kwargs=form_kwargs,
        service=lambda organisation, data: services.record_meeting(
            organisation=organisation, actor=request.user, **_record_arguments(data)
        ),
        success_message=_("Meeting recorded."),
        success_url=_to_meeting,
        template="meetings/form.html",
        context=lambda organisation: {
            "organisation": organisation,
            "search": search,
            "query": query,
            "candidates": found.get("candidates"),
            # A branch lists its own members; searching is for committees, whose members sit in the branches below.
            "show_search": query or organisation.children.exists() or found["candidates"].capped,
            "cap": selectors.CANDIDATE_CAP,
        },
    )


def _record_arguments(data: dict) -> dict:
    fields = ("kind", "title", "held_on", "place", "speakers", "minutes", "attendees")
    return {**{name: data[name] for name in fields}, "files": data.get("files") or []}


@scoped_view(Meeting)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_scoped(request, selectors.visible_meetings(request.user), pk)
    can_change = can_at_path(request.user, Action.CHANGE, meeting.org_path)
    context = {
        "meeting": meeting,
        "counts": selectors.attendance_counts(meeting),
        "attendance": meeting.attendance.select_related("member").order_by("-present", "member__name"),
        "files": meeting.files.order_by("pk"),
        "can_change": can_change,
        "file_form": AddFileForm() if can_change else None,
    }
    return render(request, "meetings/detail.html", context)


@scoped_view(Meeting)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's own fields; the attendance recorded with it is kept."""
    return form_action(
        request,
        queryset=Meeting.objects.select_related("organisation"),
        pk=pk,
        form_class=MeetingEditForm,
        form_kwargs=lambda meeting: {"initial": {f: getattr(meeting, f) for f in MeetingEditForm.Meta.fields}},
        service=lambda meeting, data: services.update_meeting(meeting=meeting, actor=request.user, fields=data),
        success_message=_("Saved."),
        success_url=lambda meeting, _result: reverse("meetings:detail", args=[meeting.pk]),
        template="meetings/edit.html",
        context=lambda meeting: {"meeting": meeting},
    )


@scoped_view(Meeting)
def add_files(request: HttpRequest, pk: int) -> HttpResponse:
    def add(meeting: Meeting, data: dict) -> list:
        return [services.add_file(meeting=meeting, actor=request.user, file=upload) for upload in data["files"]]

    return form_action(
        request,
        queryset=Meeting.objects.select_related("organisation"),
        pk=pk,
        form_class=AddFileForm,
        service=add,
        success_message=_("Files added."),
        success_url=lambda meeting, _result: reverse("meetings:detail", args=[meeting.pk]),
        template="meetings/add_files.html",
        context=lambda meeting: {"meeting": meeting},
    )


@scoped_view(MeetingFile)
def download(request: HttpRequest, pk: int) -> FileResponse:
    """A meeting's file, to whoever may see the meeting; files are never served from a public media URL."""
    item = get_scoped(request, selectors.visible_files(request.user), pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=item.name)
