"""The API's shared pieces: scoped viewsets, ids checked before the database sees them, one error shape.

- `ScopedViewSetMixin` narrows every viewset by the same scoping function as the pages.
- An id in the path that the database could not hold answers 404 like any id
  that is not there (or not yours); in a query filter, a body or `?page=` it is
  a 400 naming the parameter (`core.filters`, `IdRelatedField`, `PageNumberPagination`).
- `exception_handler` turns a service's Django `ValidationError` into the same
  400 as a serializer's, so viewsets call services without try/except.
- `declare_error_responses` writes the error statuses every operation may
  answer into the OpenAPI schema, once for all operations.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.authentication import BasicScheme
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, relations, serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from vanguard.core.access import Action, restrict
from vanguard.core.converters import ID_MAX, parse_id
from vanguard.core.filters import ID_SCHEMA, INVALID_ID, UNKNOWN_ID


class BasicAuthenticationScheme(BasicScheme):
    """Declares basic authentication for BasicAuthentication's subclasses too (the throttled one in accounts)."""

    match_subclasses = True
    priority = 1


class ScopedViewSetMixin:
    """Reads see the VIEW scope; writes look the object up in the CHANGE scope (404 outside it)."""

    # Any segment reaches get_object, which answers a JSON 404 for one that is no id (DRF's default
    # excludes dots, so `/api/organisations/1.5/counts/` fell through to the HTML 404 page).
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        action = Action.VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else Action.CHANGE
        return restrict(super().get_queryset(), self.request.user, action)

    def get_object(self):
        # The router matches any path segment; one that is no id names nothing, so it is a 404 like a missing id.
        lookup = self.lookup_url_kwarg or self.lookup_field
        if lookup in self.kwargs:
            try:
                parse_id(self.kwargs[lookup])
            except ValueError:
                raise exceptions.NotFound() from None
        return super().get_object()


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend: an ill-formed value is a 400 naming the parameter; a well-formed id naming
    nothing the caller may see is a 404, as the same id would be in a path."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = filterset.form.errors.as_data()
            if all(error.code == UNKNOWN_ID for field_errors in errors.values() for error in field_errors):
                message = _("Nothing with this id within your organisations: %(names)s.")
                raise exceptions.NotFound(message % {"names": ", ".join(errors)})
            raise filter_utils.translate_validation(filterset.errors)
        return filterset.qs


@extend_schema_field(ID_SCHEMA)
class IdRelatedField(relations.PrimaryKeyRelatedField):
    """A foreign key in a request body, by id: a number that is no id is refused before the database is asked."""

    default_error_messages = {"invalid_id": INVALID_ID}

    def to_internal_value(self, data):
        # Bodies are JSON (settings: DEFAULT_PARSER_CLASSES), so an id is a JSON integer, as the schema says;
        # a string, a float (int(1.5) would quietly pick 1) or a bool is not.
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = parse_id(data)
        except ValueError:
            self.fail("invalid_id", max=ID_MAX)
        return super().to_internal_value(number)


class ModelSerializer(serializers.ModelSerializer):
    """Base of every model serializer: foreign keys are `IdRelatedField`s."""

    serializer_related_field = IdRelatedField


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers; a page that is no number is a 400 on `page`, a page past the end stays a 404."""

    invalid_number_message = _("Enter a page number: a whole number from 1 to %(max)s.")

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if number not in self.last_page_strings:
            try:
                parse_id(number)
            except ValueError:
                message = self.invalid_number_message % {"max": ID_MAX}
                raise exceptions.ValidationError({self.page_query_param: [message]}) from None
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = dict(ID_SCHEMA)
        return parameters


def _details(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    # Iterating one error yields its message with its params filled in; its code travels along for clients.
    return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error]


def as_drf_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ValidationError in DRF's shape: field -> messages, the rest under non_field_errors."""
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): _details(errors)
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: _details(exc.error_list)}
    return exceptions.ValidationError(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, also answering a Django ValidationError (raised by services) with a 400."""
    if isinstance(exc, DjangoValidationError):
        exc = as_drf_error(exc)
    return drf_exception_handler(exc, context)


ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": _("Messages by parameter or field; non_field_errors for the request as a whole."),
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
}
ERROR_RESPONSES = {
    "400": (_("Invalid request: the messages name each parameter or field at fault."), ["ValidationErrors", "Error"]),
    "401": (_("Not signed in, or the user name or password is wrong."), ["Error"]),
    "403": (_("Not signed in, or not allowed to do this here."), ["Error"]),
    "404": (
        _(
            "Not found: no such object within your organisations, an id in the path that is not a whole number "
            "from 1 to 2^63-1, or a page past the last."
        ),
        ["Error"],
    ),
    "415": (_("The body is not in one of the declared media types."), ["Error"]),
    "429": (_("Too many failed sign-ins for this user name or address; try again later."), ["Error"]),
}


# Django's and DRF's text fields refuse NUL characters (PostgreSQL cannot store them), and DRF trims
# surrounding whitespace before a non-blank field checks it is not empty.
NO_NUL = "^[^\\x00]*$"
NOT_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"


def _declare_text(schema: dict) -> None:
    if schema.get("type") == "string" and not schema.keys() & {"enum", "format", "pattern"}:
        schema["pattern"] = NOT_BLANK if schema.get("minLength") else NO_NUL


def declare_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: what every operation refuses and how, in one place.

    400 where the operation takes query parameters or a body, 415 where it takes a
    body, 401/403/404/429 everywhere (authentication, scoping, sign-in throttling);
    an id path parameter is declared 1 to 2^63-1; text taken in a query or a
    request body is declared free of NUL and, where it may not be blank, with a
    character other than whitespace.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST's request bodies
            for field in schema.get("properties", {}).values():
                _declare_text(field)
    schemas.update(ERROR_SCHEMAS)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    parameter["schema"] = dict(ID_SCHEMA)
                elif parameter["in"] == "query":
                    _declare_text(parameter["schema"])
                    # An empty choice means "any", as a cleared field of the page's filter form sends it.
                    choices = parameter["schema"].get("items", parameter["schema"]).get("enum")
                    if choices is not None and "" not in choices:
                        choices.append("")
            statuses = ["401", "403", "404", "429"]
            if "requestBody" in operation:
                statuses += ["400", "415"]
            elif any(parameter["in"] == "query" for parameter in parameters):
                statuses.append("400")
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                if status in responses:
                    continue
                description, schemas = ERROR_RESPONSES[status]
                refs = [{"$ref": f"#/components/schemas/{name}"} for name in schemas]
                schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
                responses[status] = {"description": description, "content": {"application/json": {"schema": schema}}}
    return result
