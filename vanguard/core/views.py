"""Shared view helpers: the scoped-object lookup every object view uses, the form-and-service page, the home page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from vanguard.core.access import Action, can_at_path, restrict
from vanguard.core.forms import PeriodForm


def scoped_view(model: type[models.Model]) -> Callable:
    """Mark a view as acting on `model` rows named by its `pk` argument, and require login.

    The permission walk test reads `scoped_model` to know which object to try.
    """

    def decorate(view: Callable) -> Callable:
        wrapped = login_required(view)
        wrapped.scoped_model = model
        return wraps(view)(wrapped)

    return decorate


def public_page(view: Callable) -> Callable:
    """Mark a view as open to anyone without signing in, on purpose (a unit's public opinion page, a receipt).

    Such a view is addressed by a code given to the public (a poster's short
    link), not by a scoped `pk`: the permission walk skips it for object routes,
    and a test of its app proves it shows nothing beyond its own public facts.
    """
    view.public_page = True
    return view


def get_scoped(request: HttpRequest, queryset, pk, action: Action = Action.VIEW):
    """The object if the user may do `action` on it, else 404 (never revealing that it exists)."""
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset._default_manager.all()
    return get_object_or_404(restrict(queryset, request.user, action), pk=pk)


def apply_service(form: Form, call: Callable[[], object]) -> object | None:
    """Run a service; put its ValidationError on the form instead of raising."""
    try:
        return call()
    except ValidationError as exc:
        _add_to_form(form, exc)
        return None


def _add_to_form(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_action(
    request: HttpRequest,
    *,
    queryset: models.QuerySet | type[models.Model],
    pk: Any,
    action: Action = Action.CHANGE,
    form_class: type[Form] | None,
    service: Callable[[Any, dict[str, Any]], Any],
    success_url: Callable[[Any, Any], str],
    success_message: str = "",
    form_kwargs: Callable[[Any], dict[str, Any]] | None = None,
    template: str | None = None,
    context: Callable[[Any], dict[str, Any]] | None = None,
) -> HttpResponse:
    """A page that changes one scoped object: the object, a form, a service, then a redirect.

    The object is `pk` in `queryset` if the user may `action` it, else 404
    (`get_scoped`).  The form is `form_class` bound to the POST and its files,
    built with `form_kwargs(obj)`.  A valid POST calls `service(obj,
    cleaned_data)`: a ValidationError it raises lands on the form (on the field
    it names, else the whole form); otherwise `success_message` is shown and the
    browser goes to `success_url(obj, result)`.  A GET or a form with errors
    renders `template` with the form and `context(obj)`.

    Without a template the form is posted from another page (a button), so
    anything but a POST the service accepts is a 404.  Without a form class the
    POST itself is the request: the service gets no data, and its
    ValidationError is not caught, as there is no form to show it on.
    """
    obj = get_scoped(request, queryset, pk, action)
    form = None
    if form_class is not None:
        extra = form_kwargs(obj) if form_kwargs else {}
        form = form_class(request.POST or None, request.FILES or None, **extra)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            result = service(obj, form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            if form is None:
                raise
            _add_to_form(form, exc)
        else:
            if success_message:
                messages.success(request, success_message)
            return redirect(success_url(obj, result))
    if template is None:
        raise Http404
    return render(request, template, {**(context(obj) if context else {}), "form": form})


# Apps above core offer a home page of their own (campaigns: the work due); the first that answers is shown.
_home_pages: list[Callable[[HttpRequest], HttpResponse | None]] = []


def register_home(page: Callable[[HttpRequest], HttpResponse | None], *, first: bool = False) -> None:
    """`page(request)` returns the signed-in user's home page, or None to leave it to the next (or the default).

    `first`: asked before those registered earlier (study's member page comes before the campaign's work page,
    though study is installed after campaigns).
    """
    if page not in _home_pages:
        _home_pages.insert(0, page) if first else _home_pages.append(page)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: a registered home page (the campaign work due), else the organisation tree, or for a
    member without a role over their branch, their record.

    A member's tree is their one branch, whose page offers them nothing; their own record is what they came for.
    """
    for page in _home_pages:
        response = page(request)
        if response is not None:
            return response
    user = request.user
    member = getattr(user, "member", None)  # the account's own member record (accounts.User.member), if any
    if member is not None and not user.is_superuser and not can_at_path(user, Action.VIEW, member.org_path):
        return redirect("members:detail", pk=member.pk)
    return redirect("orgs:tree")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def figures_views(*, model, compute, layout, app: str, title, back_label, file_stem: str) -> tuple[Callable, Callable]:
    """An app's figures page and its printable workbook for an organisation's subtree over a period
    (core/figures_page.html).  `compute(organisation=, user=, start=, end=)` gives the result; `layout` gives
    sections(result), heading(result), charts(result) and workbook(result); `result.children` the units a row
    drills down to; `app` names the URLs (`<app>:figures`, `<app>:figures_xlsx`, `<app>:organisation`) and the
    template (`<app>/figures.html`); `file_stem` the workbook's name (流动党员 → 渝中区委-流动党员-20261129.xlsx)."""

    def figures(request: HttpRequest, pk: int):
        organisation = get_scoped(request, model, pk)
        form = PeriodForm(request.GET or None)
        start = end = None
        if form.is_bound and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        return organisation, form, compute(organisation=organisation, user=request.user, start=start, end=end)

    @scoped_view(model)
    def page(request: HttpRequest, pk: int) -> HttpResponse:
        organisation, form, result = figures(request, pk)
        context = {
            "organisation": organisation,
            "form": form,
            "figures": result,
            "sections": layout.sections(result),
            "heading": layout.heading(result),
            "charts": layout.charts(result),
            "query": request.GET.urlencode(),
            "drill": {row.organisation_id for row in result.children if row.organisation_id != organisation.pk},
            "drill_name": f"{app}:figures",
            "title": str(title),
            "back_url": reverse(f"{app}:organisation", args=[organisation.pk]),
            "back_label": f"{back_label} · {organisation.name}",
            "form_url": reverse(f"{app}:figures", args=[organisation.pk]),
            "xlsx_url": reverse(f"{app}:figures_xlsx", args=[organisation.pk]),
        }
        return render(request, f"{app}/figures.html", context)

    @scoped_view(model)
    def workbook(request: HttpRequest, pk: int) -> HttpResponse:
        organisation, _form, result = figures(request, pk)
        response = HttpResponse(layout.workbook(result), content_type=XLSX)
        name = quote(f"{organisation.name}-{file_stem}-{timezone.localdate():%Y%m%d}.xlsx")
        response["Content-Disposition"] = f"attachment; filename=\"{app}-figures.xlsx\"; filename*=UTF-8''{name}"
        return response

    return page, workbook
