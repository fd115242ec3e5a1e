"""Pages of the organisation tree: lazy tree, search, an organisation's page, edits and moves."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, scope_roots
from vanguard.core import audit
from vanguard.core.views import form_action, get_scoped, scoped_view
from vanguard.orgs import hooks, selectors, services
from vanguard.orgs.forms import MoveForm, OrganisationForm
from vanguard.orgs.models import Kind, Organisation


@login_required
def tree_page(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/tree.html", {"roots": selectors.top_level(request.user)})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search by name or code; htmx swaps the results in under the box."""
    text = request.GET.get("q", "").strip()
    results = selectors.search(request.user, text) if text else []
    template = "orgs/_search_results.html"
    context = {
        "results": results,
        "q": text,
        "pick": request.GET.get("pick", ""),
        "pick_by_pk": request.GET.get("pick_by") == "pk",  # a list filter takes the id; forms take the code
    }
    return render(request, template, context)


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    """Find any organisation of the city by name or code to name it in a form (a transfer's other side, a host).

    For whoever may change members somewhere; shows name, code and parent only (selectors.directory).
    """
    if not scope_roots(request.user, Action.CHANGE) and not request.user.is_superuser:
        raise Http404
    text = request.GET.get("q", "").strip()
    context = {"results": selectors.directory(text), "q": text, "pick": request.GET.get("pick", "")}
    return render(request, "orgs/_directory_results.html", context)


directory.shows_directory = True  # core/tests/test_permission_walk.py: names outside the scope, on purpose


@scoped_view(Organisation)
def children(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation, pk)
    return render(request, "orgs/_children.html", {"nodes": selectors.children(request.user, organisation)})


@scoped_view(Organisation)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_scoped(request, Organisation.objects.select_related("parent"), pk)
    by_kind = selectors.organisation_counts_by_kind(organisation)
    context = {
        "organisation": organisation,
        "ancestors": selectors.ancestors(request.user, organisation),
        "kind_counts": [(label, by_kind[value]) for value, label in Kind.choices if by_kind.get(value)],
        "org_total": sum(by_kind.values()),
        "children": selectors.children(request.user, organisation)[:200],
        "reorganisations": selectors.reorganisations(request.user, organisation)[:20],
        "history": audit.history(organisation)[:20],
        "can_change": can_at_path(request.user, Action.CHANGE, organisation.path),
        "can_reorganise": organisation.parent_id is not None
        and can_at_path(request.user, Action.REORGANISE, organisation.path),
        "sections": hooks.page_sections(request, organisation),  # what members, rosters, ... add (orgs.hooks)
    }
    return render(request, "orgs/detail.html", context)


def _to_organisation(_obj, organisation: Organisation) -> str:
    return reverse("orgs:detail", args=[organisation.pk])


@scoped_view(Organisation)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=OrganisationForm,
        form_kwargs=lambda organisation: {"instance": organisation},
        service=lambda organisation, data: services.update_organisation(
            organisation=organisation, actor=request.user, **data
        ),
        success_message=_("Saved."),
        success_url=_to_organisation,
        template="orgs/form.html",
        context=lambda organisation: {"organisation": organisation, "title": _("Edit")},
    )


@scoped_view(Organisation)
def create_child(request: HttpRequest, pk: int) -> HttpResponse:
    return form_action(
        request,
        queryset=Organisation,
        pk=pk,
        form_class=OrganisationForm,
        form_kwargs=lambda parent: {"initial": {"sector": parent.sector, "kind": Kind.BRANCH}},
        service=lambda parent, data: services.create_organisation(parent=parent, actor=request.user, **data),
        success_message=_("Organisation created."),
        success_url=_to_organisation,
        template="orgs/form.html",
        context=lambda parent: {"organisation": parent, "title": _("New sub-organisation")},
    )


@scoped_view(Organisation)
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Reorganisation: only the campaign office holding both ends may move a subtree."""
    return form_action(
        request,
        queryset=Organisation.objects.select_related("parent"),
        pk=pk,
        action=Action.REORGANISE,
        form_class=MoveForm,
        form_kwargs=lambda _organisation: {"parent_choices": selectors.visible(request.user, Action.REORGANISE)},
        service=lambda organisation, data: services.move_organisation(
            organisation=organisation,
            new_parent=data["new_parent"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            actor=request.user,
        ),
        success_message=_("Moved. The history on this page records it."),
        success_url=lambda organisation, _reorganisation: reverse("orgs:detail", args=[organisation.pk]),
        template="orgs/form.html",
        context=lambda organisation: {"organisation": organisation, "title": _("Move under another parent")},
    )
