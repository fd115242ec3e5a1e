"""Pages at /exemplars/ (object routes take `<id:pk>` only).

- orgs/<pk>/: an organisation's typical examples, lecture groups and training classes (its subtree's), with
  buttons to select an example, set up a group, record a class.  orgs/<pk>/figures/ (+ .xlsx): the counts.
- examples/<pk>/: a typical example, and recording when and how it was publicised.
- groups/<pk>/: a lecture group, its lecturers and talks; adding a lecturer, recording a talk.
- classes/<pk>/: a training class and its trainees; enrolling.  trainees/<pk>/: hours, completion, outcome.

Views never write models: services do, and their refusals land on the forms.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.campaigns.models import Campaign
from vanguard.core import tree
from vanguard.core.views import apply_service, figures_views, get_scoped, scoped_view
from vanguard.exemplars import figures, figures_workbook, forms, selectors, services
from vanguard.exemplars.models import ClassKind, Exemplar, GroupMember, LectureGroup, Trainee, TrainingClass
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation

LISTED = 20


def _campaigns(path: str):
    """Campaigns run at or above the organisation: those its examples, groups and classes may belong to."""
    return Campaign.objects.filter(org_path__in=[*tree.ancestor_paths(path), path]).order_by("-starts_on", "-pk")


def _members(organisation: Organisation, query: str = ""):
    members = Member.objects.filter(tree.subtree_q("org_path", organisation.path)).select_related("organisation")
    if query:
        members = members.filter(name__contains=query)
    return members.order_by("name", "pk")[: forms.CHOICES_SHOWN]


def _organisations(organisation: Organisation, query: str = ""):
    found = Organisation.objects.filter(tree.subtree_q("path", organisation.path))
    if query:
        found = found.filter(name__contains=query)
    return found.order_by("path")[: forms.CHOICES_SHOWN]


def _chosen(rows, value: str):
    return next((row for row in rows if str(row.pk) == value), None) if value else None


# --- an organisation's page ----------------------------------------------------------------------------------------


@scoped_view(Organisation)
def organisation_page(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    context = {
        "organisation": organisation,
        "may_change": can_at_path(request.user, Action.CHANGE, organisation.path),
        "examples": list(selectors.examples_in(organisation)[:LISTED]),
        "groups": list(selectors.groups_in(organisation)[:LISTED]),
        "classes": list(selectors.classes_in(organisation)[:LISTED]),
        "figures": figures.compute(organisation=organisation, user=request.user),
    }
    return render(request, "exemplars/organisation.html", context)


# --- typical examples ----------------------------------------------------------------------------------------------


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def select_example(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    query = request.GET.get("q", "").strip()
    members, organisations = list(_members(organisation, query)), list(_organisations(organisation, query))
    campaigns = list(_campaigns(organisation.path))
    form = forms.ExampleForm(request.POST or None, members=members, organisations=organisations, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        is_member = data["kind"] == "member"
        example = apply_service(
            form,
            lambda: services.select_example(
                actor=request.user,
                selected_by=organisation,
                member=_chosen(members, data["member"]) if is_member else None,
                organisation=None if is_member else _chosen(organisations, data["organisation"]),
                title=data["title"],
                deeds=data["deeds"],
                selected_on=data["selected_on"],
                campaign=_chosen(campaigns, data["campaign"]),
            ),
        )
        if example is not None:
            messages.success(request, _("Typical example selected."))
            return redirect("exemplars:example", pk=example.pk)
    return render(request, "exemplars/example_form.html", {"organisation": organisation, "form": form, "query": query})


@scoped_view(Exemplar)
@require_http_methods(["GET", "POST"])
def example_page(request: HttpRequest, pk: int) -> HttpResponse:
    example = get_scoped(
        request, Exemplar.objects.select_related("member", "organisation", "selected_by", "campaign"), pk
    )
    may_publicise = can_at_path(request.user, Action.CHANGE, example.selected_by_path)
    form = None
    if may_publicise:
        initial = {"channel": example.channel} if example.channel else None
        form = forms.PublicityForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            done = apply_service(
                form,
                lambda: services.record_publicity(
                    actor=request.user,
                    example=example,
                    publicised_on=data["publicised_on"],
                    channel=data["channel"],
                    note=data["note"],
                ),
            )
            if done is not None:
                messages.success(request, _("Publicity recorded."))
                return redirect("exemplars:example", pk=example.pk)
    status = 400 if form is not None and form.errors else 200
    return render(request, "exemplars/example.html", {"example": example, "form": form}, status=status)


# --- lecture groups ------------------------------------------------------------------------------------------------


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def set_up_group(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    campaigns = list(_campaigns(organisation.path))
    form = forms.GroupForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = apply_service(
            form,
            lambda: services.set_up_group(
                actor=request.user,
                organisation=organisation,
                name=data["name"],
                set_up_on=data["set_up_on"],
                campaign=_chosen(campaigns, data["campaign"]),
                note=data["note"],
            ),
        )
        if group is not None:
            messages.success(request, _("Lecture group set up."))
            return redirect("exemplars:group", pk=group.pk)
    return render(
        request,
        "exemplars/simple_form.html",
        {"organisation": organisation, "form": form, "heading": _("Set up a lecture group")},
    )


def _group_forms(request: HttpRequest, group: LectureGroup, lecturers: list[GroupMember]):
    data = request.POST if request.method == "POST" else None
    lecturer_data = data if data is not None and "lecturer-member" in data else None
    talk_data = data if data is not None and "talk-speaker" in data else None
    members = list(_members(group.organisation, request.GET.get("q", "").strip()))
    places = list(_organisations(group.organisation))
    return (
        forms.LecturerForm(lecturer_data, members=members),
        forms.TalkForm(talk_data, speakers=lecturers, places=places),
        members,
        places,
    )


@scoped_view(LectureGroup)
@require_http_methods(["GET", "POST"])
def group_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_scoped(request, LectureGroup.objects.select_related("organisation", "campaign"), pk)
    may_change = can_at_path(request.user, Action.CHANGE, group.org_path)
    lecturers = selectors.lecturers_of(group)
    lecturer_form = talk_form = None
    if may_change:
        lecturer_form, talk_form, members, places = _group_forms(request, group, lecturers)
    if request.method == "POST":
        if not may_change:
            raise Http404
        if lecturer_form.is_bound and lecturer_form.is_valid():
            data = lecturer_form.cleaned_data
            member = _chosen(members, data["member"])
            added = apply_service(
                lecturer_form,
                lambda: services.add_lecturer(actor=request.user, group=group, member=member, role=data["role"]),
            )
            if added is not None:
                messages.success(request, _("%(name)s joined the group.") % {"name": member.name})
                return redirect("exemplars:group", pk=group.pk)
        elif talk_form.is_bound and talk_form.is_valid():
            data = talk_form.cleaned_data
            talk = apply_service(
                talk_form,
                lambda: services.record_talk(
                    actor=request.user,
                    group=group,
                    speaker=_chosen(lecturers, data["speaker"]),
                    given_at=_chosen(places, data["given_at"]),
                    given_on=data["given_on"],
                    topic=data["topic"],
                    place=data["place"],
                    audience_kind=data["audience_kind"],
                    audience_size=data["audience_size"],
                ),
            )
            if talk is not None:
                messages.success(request, _("Talk recorded."))
                return redirect("exemplars:group", pk=group.pk)
    talks = list(group.talks.select_related("speaker__member", "given_at").order_by("-given_on", "-pk")[:100])
    errors = any(f is not None and f.is_bound and f.errors for f in (lecturer_form, talk_form))
    context = {
        "group": group,
        "lecturers": lecturers,
        "talks": talks,
        "audience": selectors.audience_of(group),
        "lecturer_form": lecturer_form,
        "talk_form": talk_form,
    }
    return render(request, "exemplars/group.html", context, status=400 if errors else 200)


# --- training classes ----------------------------------------------------------------------------------------------


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def open_class(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    campaigns = list(_campaigns(organisation.path))
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in ClassKind.values else None
    form = forms.ClassForm(request.POST or None, campaigns=campaigns, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        training = apply_service(
            form,
            lambda: services.open_class(
                actor=request.user,
                organisation=organisation,
                kind=data["kind"],
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                hours=data["hours"],
                place=data["place"],
                campaign=_chosen(campaigns, data["campaign"]),
                note=data["note"],
            ),
        )
        if training is not None:
            messages.success(request, _("Training class recorded."))
            return redirect("exemplars:class", pk=training.pk)
    return render(
        request,
        "exemplars/simple_form.html",
        {"organisation": organisation, "form": form, "heading": _("Record a training class")},
    )


@scoped_view(TrainingClass)
@require_http_methods(["GET", "POST"])
def class_page(request: HttpRequest, pk: int) -> HttpResponse:
    training = get_scoped(request, TrainingClass.objects.select_related("organisation", "campaign"), pk)
    may_change = can_at_path(request.user, Action.CHANGE, training.org_path)
    form = members = None
    if may_change:
        members = list(_members(training.organisation, request.GET.get("q", "").strip()))
        form = forms.EnrolForm(request.POST or None, members=members)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            member = _chosen(members, data["member"])
            trainee = apply_service(
                form,
                lambda: services.enrol(
                    actor=request.user,
                    training_class=training,
                    member=member,
                    name="" if member is not None else data["name"],
                    laid_off=None if member is not None else data["laid_off"],
                ),
            )
            if trainee is not None:
                messages.success(request, _("%(name)s enrolled.") % {"name": trainee.name})
                return redirect("exemplars:class", pk=training.pk)
    trainees = list(training.trainees.select_related("member").order_by("name", "pk")[:500])
    context = {
        "training": training,
        "trainees": trainees,
        "form": form,
        "skills": training.kind == ClassKind.SKILLS,
        "may_change": may_change,
    }
    return render(request, "exemplars/class.html", context, status=400 if form is not None and form.errors else 200)


@scoped_view(Trainee)
@require_http_methods(["GET", "POST"])
def trainee_page(request: HttpRequest, pk: int) -> HttpResponse:
    trainee = get_scoped(
        request, Trainee.objects.select_related("training_class", "training_class__organisation"), pk, Action.CHANGE
    )
    training = trainee.training_class
    skills = training.kind == ClassKind.SKILLS
    initial = {
        "hours_attended": trainee.hours_attended,
        "completed": trainee.completed,
        "outcome": trainee.outcome,
        "outcome_on": trainee.outcome_on,
    }
    form = forms.ProgressForm(request.POST or None, skills=skills, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = apply_service(
            form,
            lambda: services.record_progress(
                actor=request.user,
                trainee=trainee,
                hours_attended=data["hours_attended"],
                completed=data["completed"],
                outcome=data.get("outcome", ""),
                outcome_on=data.get("outcome_on"),
            ),
        )
        if done is not None:
            messages.success(request, _("Recorded for %(name)s.") % {"name": trainee.name})
            return redirect("exemplars:class", pk=training.pk)
    return render(
        request,
        "exemplars/trainee.html",
        {"trainee": trainee, "training": training, "form": form},
        status=400 if form.errors else 200,
    )


# --- figures -------------------------------------------------------------------------------------------------------


figures_page, figures_xlsx = figures_views(
    model=Organisation,
    compute=figures.compute,
    layout=figures_workbook,
    app="exemplars",
    title=gettext_lazy("Examples and training figures"),
    back_label=gettext_lazy("Examples and training"),
    file_stem="典型宣讲培训",
)


urlpatterns = [
    path("orgs/<id:pk>/", organisation_page, name="organisation"),
    path("orgs/<id:pk>/examples/new/", select_example, name="select_example"),
    path("orgs/<id:pk>/groups/new/", set_up_group, name="set_up_group"),
    path("orgs/<id:pk>/classes/new/", open_class, name="open_class"),
    path("orgs/<id:pk>/figures/", figures_page, name="figures"),
    path("orgs/<id:pk>/figures.xlsx", figures_xlsx, name="figures_xlsx"),
    path("examples/<id:pk>/", example_page, name="example"),
    path("groups/<id:pk>/", group_page, name="group"),
    path("classes/<id:pk>/", class_page, name="class"),
    path("trainees/<id:pk>/", trainee_page, name="trainee"),
]
