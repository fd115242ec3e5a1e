"""Schemathesis over every API operation, signed in as a district secretary.

Every check schemathesis has runs on every operation: no server error, only
statuses, content types, headers and bodies the schema declares, requests the
schema calls valid accepted and invalid ones refused. Requests go to the WSGI
application in-process, inside the test's transaction (writes included), on
SQLite and PostgreSQL alike. Examples are bounded and derandomized, so CI sees
the same requests on every run and the whole file stays within about a minute.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from conftest import PASSWORD
from vanguard.members.models import Member

# Fuzzed examples per operation (valid and invalid data together), on top of the coverage phase's
# deterministic boundary and type cases (about a thousand requests in all).
MAX_EXAMPLES = 10


def load_schema() -> schemathesis.schemas.BaseSchema:
    # The generator the /api/schema/ view serves from, rendered to JSON as the view would.
    generated = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    schema.app = WSGIHandler()
    schema.config.update(basic_auth=("sec_a", PASSWORD))  # conftest's district secretary of 甲区委
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schema


schema = load_schema()


@pytest.fixture
def in_test_transaction():
    """As in Django's test client: a finished WSGI request must not close the connection holding the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_api_operation_is_tested():
    declared = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    tested = {result.ok().label for result in schema.get_all_operations()}
    assert tested == declared
    assert {"GET /api/organisations/{id}/counts/", "POST /api/members/", "PATCH /api/members/{id}/"} <= tested


MEMBER_WRITES = {"POST /api/members/", "PUT /api/members/{id}/", "PATCH /api/members/{id}/"}


def keep_to_the_rules_no_schema_states(case, city) -> None:
    """In a valid-data case of a member write, the fields whose rules no schema can state get good values.

    The organisation must be one the secretary may change (and stays the
    member's own on an update: moving is a transfer), the ID number's check
    digit must agree with the birth date, dates must agree with each other and
    with today, a mobile member needs a date and a place. Every other field
    stays as generated, so the schema must say exactly what the API takes.
    """
    if case.operation.label not in MEMBER_WRITES or not case.meta.generation.mode.is_positive:
        return
    stored = None
    if case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = city.member_a.pk
        stored = Member.objects.get(pk=city.member_a.pk)  # earlier cases of this test may have changed it
    body = case.body
    if not isinstance(body, dict):
        return
    if "organisation" in body:
        body["organisation"] = city.branch_a.pk
    if "id_number" in body:
        body["id_number"] = ""
    if "birth_date" in body or "joined_on" in body:
        body["birth_date"], body["joined_on"] = "1970-05-01", "2000-07-01"
    if body.get("category", stored.category if stored else None) == "mobile":
        body["mobile_since"] = "2020-03-01"
        if not str(body.get("mobile_place", "" if stored is None else stored.mobile_place)).strip():
            body["mobile_place"] = "深圳"


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, city, in_test_transaction, settings):
    # Schemathesis also sends wrong passwords (it checks they are refused); sign-in throttling would lock
    # the secretary out half-way. The throttle has its own tests in accounts.
    settings.AXES_ENABLED = False
    keep_to_the_rules_no_schema_states(case, city)
    case.call_and_validate()
