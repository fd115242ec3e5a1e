"""Pages of 建章立制 (DOMAIN §5.2): rules of the organisations in one's scope, drafting, adopting, repealing.

- institutions/ (?organisation=&state=): the rules one may see; with an organisation, those in force there,
  its own and from above.
- institutions/new/<organisation>/, institutions/<pk>/ (edit/, act/?t=adopt|repeal, file/).

Views never write models: every change goes through services.institutions, whose refusal lands on the form.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.core import audit, tree
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.orgs.models import Organisation
from vanguard.rectification import institution_forms as forms
from vanguard.rectification.models import Institution, InstitutionStatus
from vanguard.rectification.services import institutions as services
from vanguard.rectification.workflows import INSTITUTION

PAGE_SIZE = 50
TIMELINE = 100

_INSTITUTIONS = Institution.objects.select_related("organisation", "supersedes", "campaign", "created_by")


def _parse_pk(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
def institution_list(request: HttpRequest) -> HttpResponse:
    institutions = restrict(_INSTITUTIONS, request.user, Action.VIEW)
    state = request.GET.get("state", "")
    if state in InstitutionStatus.values:
        institutions = institutions.filter(status=state)
    organisation = None
    in_force = None
    pk = _parse_pk(request.GET.get("organisation"))
    if pk is not None:
        organisation = restrict(Organisation.objects.all(), request.user, Action.VIEW).filter(pk=pk).first()
    if organisation is not None:
        institutions = institutions.filter(tree.subtree_q("org_path", organisation.path))
        # Rules from above bind the organisation even where the user's scope does not reach them: reading what
        # binds one is part of keeping it.
        in_force = services.rules_in_force(organisation)
    query = (request.GET.get("q") or "").strip()
    if query:
        institutions = institutions.filter(Q(title__icontains=query) | Q(rule__icontains=query))
    page = Paginator(institutions.order_by("org_path", "-effective_from", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "organisation": organisation,
        "in_force": in_force,
        "state": state,
        "states": InstitutionStatus.choices,
        "q": query,
        "may_draft": organisation is not None and can_at_path(request.user, Action.CHANGE, organisation.path),
    }
    return render(request, "rectification/institutions/list.html", context)


@scoped_view(Organisation)
@require_http_methods(["GET", "POST"])
def institution_new(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk, Action.CHANGE)
    form = forms.InstitutionForm(request.POST or None, request.FILES or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        made = apply_service(
            form,
            lambda: services.draft_institution(organisation=organisation, actor=request.user, **form.cleaned_data),
        )
        if made is not None:
            return redirect("rectification:institution", pk=made.pk)
    return render(
        request,
        "rectification/institutions/form.html",
        {"form": form, "organisation": organisation, "institution": None},
        status=400 if form.errors else 200,
    )


@scoped_view(Institution)
@require_GET
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_scoped(request, _INSTITUTIONS, pk)
    changeable = can_at_path(request.user, Action.CHANGE, institution.org_path)
    context = {
        "institution": institution,
        "transitions": INSTITUTION.available(institution, request.user),
        "may_edit": changeable and institution.status == InstitutionStatus.DRAFT,
        "problems": institution.problems.only("pk", "title"),
        "items": institution.items.only("pk", "title"),
        "replaced_by": restrict(Institution.objects.filter(supersedes=institution), request.user).only("pk", "title"),
        "history": audit.history(institution).select_related("actor", "actor_organisation")[:TIMELINE],
    }
    return render(request, "rectification/institutions/detail.html", context)


@scoped_view(Institution)
@require_http_methods(["GET", "POST"])
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def initial(institution):
        values = {name: getattr(institution, name) for name in services.EDITABLE if name != "campaign"}
        return {"organisation": institution.organisation, "exclude": institution, "initial": values}

    def save(institution, data):
        data = {k: v for k, v in data.items() if k != "file"}
        return services.edit_institution(
            institution=institution, actor=request.user, file=request.FILES.get("file"), **data
        )

    return form_action(
        request,
        queryset=_INSTITUTIONS,
        pk=pk,
        form_class=forms.InstitutionForm,
        form_kwargs=initial,
        service=save,
        success_url=lambda institution, result: reverse("rectification:institution", kwargs={"pk": institution.pk}),
        success_message=_("Saved."),
        template="rectification/institutions/form.html",
        context=lambda institution: {"institution": institution, "organisation": institution.organisation},
    )


def _act(request: HttpRequest, institution: Institution, name: str, data: dict) -> Institution:
    if name == "adopt":
        return services.adopt(institution=institution, actor=request.user, effective_from=data["effective_from"])
    return services.repeal(
        institution=institution, actor=request.user, reason=data["reason"], effective_until=data["effective_until"]
    )


@scoped_view(Institution)
@require_http_methods(["GET", "POST"])
def institution_act(request: HttpRequest, pk: int) -> HttpResponse:
    name = request.GET.get("t", "")
    if name not in forms.ACT_FORMS:
        raise Http404
    return form_action(
        request,
        queryset=_INSTITUTIONS,
        pk=pk,
        form_class=forms.ACT_FORMS[name],
        service=lambda institution, data: _act(request, institution, name, data),
        success_url=lambda institution, result: reverse("rectification:institution", kwargs={"pk": institution.pk}),
        success_message=_("Done."),
        template="rectification/institutions/act.html",
        context=lambda institution: {"institution": institution, "transition": INSTITUTION.transition(name)},
    )


@scoped_view(Institution)
@require_GET
def institution_file(request: HttpRequest, pk: int) -> FileResponse:
    institution = get_scoped(request, Institution.objects.exclude(file=""), pk)
    try:
        handle = institution.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=institution.file_name or "institution")


urlpatterns = [
    path("institutions/", institution_list, name="institutions"),
    path("institutions/new/<id:pk>/", institution_new, name="institution_new"),
    path("institutions/<id:pk>/", institution_detail, name="institution"),
    path("institutions/<id:pk>/edit/", institution_edit, name="institution_edit"),
    path("institutions/<id:pk>/act/", institution_act, name="institution_act"),
    path("institutions/<id:pk>/file/", institution_file, name="institution_file"),
]
