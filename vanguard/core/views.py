"""Shared view helpers: the scoped-object lookup every object view uses, and the home page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from vanguard.core.access import Action, restrict


def scoped_view(model: type[models.Model]) -> Callable:
    """Mark a view as acting on `model` rows named by its `pk` argument, and require login.

    The permission walk test reads `scoped_model` to know which object to try.
    """

    def decorate(view: Callable) -> Callable:
        wrapped = login_required(view)
        wrapped.scoped_model = model
        return wraps(view)(wrapped)

    return decorate


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
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("orgs:tree")
