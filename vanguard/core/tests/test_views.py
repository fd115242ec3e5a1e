"""core.views.form_action: the scoped object → form → service → redirect pattern, written once."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory, override_settings

from vanguard.core.access import Action
from vanguard.core.views import form_action
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db

PAGE = "{{ organisation.name }}|{{ form.name.errors|join:';' }}|{{ form.non_field_errors|join:';' }}"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"page.html": PAGE},
                )
            ]
        },
    }
]


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False)


class Recorder:
    """A service that records its calls and refuses the names it is told to refuse."""

    def __init__(self, refusal: ValidationError | None = None):
        self.calls: list[tuple[Organisation, dict]] = []
        self.refusal = refusal

    def __call__(self, organisation: Organisation, data: dict) -> str:
        self.calls.append((organisation, data))
        if self.refusal is not None:
            raise self.refusal
        return f"done-{data.get('name', '')}"


def request_as(user, method: str = "post", data: dict | None = None):
    request = getattr(RequestFactory(), method)("/", data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def act(request, organisation: Organisation, service, **options):
    defaults = {
        "queryset": Organisation,
        "pk": organisation.pk,
        "form_class": NameForm,
        "service": service,
        "success_url": lambda obj, result: f"/done/{obj.pk}/{result}/",
        "success_message": "Saved.",
        "template": "page.html",
        "context": lambda obj: {"organisation": obj},
    }
    return form_action(request, **{**defaults, **options})


@override_settings(TEMPLATES=TEMPLATES)
def test_a_success_calls_the_service_with_the_object_and_redirects(city):
    service = Recorder()
    request = request_as(city.secretary_a, data={"name": "new"})
    response = act(request, city.branch_a, service)
    assert response.status_code == 302 and response["Location"] == f"/done/{city.branch_a.pk}/done-new/"
    assert service.calls == [(city.branch_a, {"name": "new", "note": ""})]
    assert [str(m) for m in get_messages(request)] == ["Saved."]


@override_settings(TEMPLATES=TEMPLATES)
def test_a_validation_error_from_the_service_lands_on_the_form(city):
    on_field = Recorder(ValidationError({"name": "Taken.", "elsewhere": "Not a field of the form."}))
    response = act(request_as(city.secretary_a, data={"name": "新名"}), city.branch_a, on_field)
    assert response.status_code == 200
    assert response.content.decode() == f"{city.branch_a.name}|Taken.|Not a field of the form."
    whole = Recorder(ValidationError("Not now."))
    response = act(request_as(city.secretary_a, data={"name": "新名"}), city.branch_a, whole)
    assert response.content.decode() == f"{city.branch_a.name}||Not now."


@override_settings(TEMPLATES=TEMPLATES)
def test_a_get_or_an_invalid_form_renders_without_calling_the_service(city):
    service = Recorder()
    page = act(request_as(city.secretary_a, "get"), city.branch_a, service)
    assert page.status_code == 200 and page.content.decode() == f"{city.branch_a.name}||"
    response = act(request_as(city.secretary_a, data={"name": "长" * 21}), city.branch_a, service)
    assert response.status_code == 200 and "20" in response.content.decode().split("|")[1]
    assert service.calls == []


def test_an_object_out_of_scope_is_a_404_and_the_service_never_runs(city):
    service = Recorder()
    with pytest.raises(Http404):
        act(request_as(city.secretary_a, data={"name": "新名"}), city.branch_b, service)  # the sibling district's
    with pytest.raises(Http404):  # in scope to read, not to change
        act(request_as(city.supervisor_a, data={"name": "新名"}), city.branch_a, service)
    assert service.calls == []
    response = act(request_as(city.supervisor_a, data={"name": "新名"}), city.branch_a, service, action=Action.VIEW)
    assert response.status_code == 302


def test_without_a_template_anything_but_an_accepted_post_is_a_404(city):
    service, refusing = Recorder(), Recorder(ValidationError("No."))
    with pytest.raises(Http404):
        act(request_as(city.secretary_a, data={"note": "no name"}), city.branch_a, service, template=None)
    with pytest.raises(Http404):
        act(request_as(city.secretary_a, data={"name": "new"}), city.branch_a, refusing, template=None)
    response = act(request_as(city.secretary_a, data={"name": "new"}), city.branch_a, service, template=None)
    assert response.status_code == 302 and len(service.calls) == 1


def test_without_a_form_the_post_itself_runs_the_service(city):
    service = Recorder()
    response = act(request_as(city.secretary_a), city.branch_a, service, form_class=None, template=None)
    assert response.status_code == 302 and service.calls == [(city.branch_a, {})]
    with pytest.raises(ValidationError):  # no form to show it on
        act(request_as(city.secretary_a), city.branch_a, Recorder(ValidationError("No.")), form_class=None)
