"""Ill-formed and out-of-range ids never reach the database, and a service's ValidationError is a plain 400.

Query filters, request bodies and `?page=` answer 400 naming the parameter;
an id in a path answers 404, as any id that is not there (pages and API alike).
"""

from __future__ import annotations

import importlib

import django_filters
import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from vanguard.core import api
from vanguard.core.converters import ID_MAX, IdConverter, parse_id
from vanguard.core.filters import FilterSet, IdChoiceFilter, IdFilter, IntegerFilter
from vanguard.members.models import Member
from vanguard.orgs.api.views import OrganisationFilter
from vanguard.orgs.models import Organisation

pytestmark = pytest.mark.django_db

# Past signed 64 bits (the SQLite OverflowError), negative, zero, exponent, fraction, words, non-ASCII digits.
BAD_IDS = [str(ID_MAX + 1), "99999999999999999999", "-1", "0", "1e20", "1.5", "abc", "١٢", "１"]


@pytest.fixture
def api_client(client, city):
    client.force_login(city.secretary_a)
    return client


def test_parse_id_takes_exactly_the_ids_a_database_holds():
    assert parse_id("1") == 1
    assert parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id("007") == 7
    for bad in BAD_IDS:
        with pytest.raises(ValueError):
            parse_id(bad)


def test_the_converter_refuses_what_its_pattern_lets_through():
    converter = IdConverter()
    assert converter.to_python("42") == 42
    with pytest.raises(ValueError):
        converter.to_python(str(ID_MAX + 1))  # 19 digits, so the pattern matched
    with pytest.raises(ValueError):
        converter.to_python("0")
    assert converter.to_url(42) == "42"


@pytest.mark.parametrize("value", BAD_IDS)
def test_organisation_parent_filter_answers_400_naming_it(api_client, value):
    response = api_client.get("/api/organisations/", {"parent": value})
    assert response.status_code == 400
    assert list(response.json()) == ["parent"]
    assert str(ID_MAX) in response.json()["parent"][0]


def test_organisation_parent_filter_still_filters(api_client, city):
    response = api_client.get("/api/organisations/", {"parent": city.committee_a.pk})
    assert response.status_code == 200
    assert {row["name"] for row in response.json()["results"]} == {"甲一支部", "甲二支部"}


@pytest.mark.parametrize("value", BAD_IDS)
def test_member_organisation_filter_answers_400_naming_it(api_client, value):
    response = api_client.get("/api/members/", {"organisation": value})
    assert response.status_code == 400
    assert list(response.json()) == ["organisation"]


def test_member_organisation_filter_outside_scope_is_a_404_like_in_a_path(api_client, city):
    for organisation in (city.branch_b.pk, ID_MAX):  # another district's, and one that does not exist
        response = api_client.get("/api/members/", {"organisation": organisation})
        assert response.status_code == 404
        assert "organisation" in response.json()["detail"]
    response = api_client.get("/api/members/", {"organisation": city.branch_b.pk, "category": "nonsense"})
    assert response.status_code == 400  # an ill-formed parameter beside it still says what is wrong
    response = api_client.get("/api/members/", {"organisation": city.branch_a.pk})
    assert [row["name"] for row in response.json()["results"]] == ["张甲"]


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1e20", str(ID_MAX + 1)])
def test_page_that_is_no_number_is_400_and_past_the_end_404(api_client, value):
    response = api_client.get("/api/members/", {"page": value})
    assert response.status_code == 400
    assert list(response.json()) == ["page"]
    assert api_client.get("/api/members/", {"page": "2"}).status_code == 404
    assert api_client.get("/api/members/", {"page": "1"}).status_code == 200


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize("url", ["/api/organisations/{}/", "/api/organisations/{}/counts/", "/api/members/{}/"])
def test_ill_formed_id_in_an_api_path_is_404(api_client, url, value):
    response = api_client.get(url.format(value))
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("value", [str(ID_MAX + 1), "99999999999999999999", "0", "-1"])
@pytest.mark.parametrize("url", ["/api/members/{}/"])
def test_ill_formed_id_in_a_write_path_is_404(api_client, url, value):
    assert api_client.patch(url.format(value), {"name": "x"}, content_type="application/json").status_code == 404
    assert api_client.put(url.format(value), {"name": "x"}, content_type="application/json").status_code == 404


@pytest.mark.parametrize("value", [ID_MAX + 1, -1, 0, 1.5, 1e20, True, "1e20", "abc", "7", [1], {"id": 1}])
def test_ill_formed_organisation_in_a_body_is_400_naming_it(api_client, city, value):
    body = {"name": "王丙", "gender": "M", "birth_date": "1980-01-01", "joined_on": "2005-01-01", "organisation": value}
    response = api_client.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["organisation"]
    assert not Member.objects.filter(name="王丙").exists()


def test_a_json_organisation_id_is_taken_and_a_form_body_refused(api_client, city):
    body = {"name": "王丙", "gender": "M", "birth_date": "1980-01-01", "joined_on": "2005-01-01"}
    body["organisation"] = city.branch_a.pk
    assert api_client.post("/api/members/", body).status_code == 415  # multipart: no null, no types
    response = api_client.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Member.objects.get(name="王丙").organisation == city.branch_a


@pytest.mark.parametrize(
    "url",
    [
        "/members/{}/",
        "/members/{}/edit/",
        "/members/transfers/{}/",
        "/members/new-in/{}/",
        "/orgs/{}/",
        "/orgs/{}/children/",
        "/jobs/{}/",
        "/rosters/jobs/{}/download/",
    ],
)
@pytest.mark.parametrize("value", [str(ID_MAX + 1), "99999999999999999999", "0"])
def test_ill_formed_id_in_a_page_url_is_404(api_client, url, value):
    assert api_client.get(url.format(value)).status_code == 404


def test_every_page_url_takes_ids_through_the_converter():
    from django.urls import URLPattern, URLResolver, get_resolver

    def patterns(entries):
        for entry in entries:
            if isinstance(entry, URLResolver):
                yield from patterns(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                yield entry

    for pattern in patterns(get_resolver().url_patterns):
        for name, converter in getattr(pattern.pattern, "converters", {}).items():
            assert isinstance(converter, IdConverter) or name != "pk", f"{pattern.pattern} takes pk without <id:…>"
    assert reverse("members:detail", kwargs={"pk": 7}) == "/members/7/"


@pytest.mark.parametrize("value", ["99999999999999999999", "1e20", "-1"])
def test_member_list_page_with_ill_formed_organisation_shows_the_form_error(api_client, value):
    response = api_client.get("/members/", {"organisation": value})
    assert response.status_code == 200
    assert response.context["filter"].errors["organisation"]


def all_filtersets() -> list[type[django_filters.FilterSet]]:
    """Every filterset class in Vanguard's apps (their filters and api modules imported first)."""
    for config in apps.get_app_configs():
        if config.name.startswith("vanguard."):
            for module in ("filters", "api.views"):
                try:
                    importlib.import_module(f"{config.name}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name not in (f"{config.name}.{module}", f"{config.name}.api"):
                        raise
    found, queue = [], [django_filters.FilterSet]
    while queue:
        cls = queue.pop()
        queue += cls.__subclasses__()
        if cls.__module__.startswith("vanguard.") and cls is not FilterSet:
            found.append(cls)
    return found


def test_every_filterset_takes_ids_and_integers_through_the_bounded_filters():
    filtersets = all_filtersets()
    assert {OrganisationFilter.__name__, "MemberFilter"} <= {cls.__name__ for cls in filtersets}
    bounded = (IdFilter, IdChoiceFilter, IntegerFilter)
    unbounded = (
        django_filters.NumberFilter,
        django_filters.ModelChoiceFilter,
        django_filters.ModelMultipleChoiceFilter,
    )
    for cls in filtersets:
        assert issubclass(cls, FilterSet), f"{cls.__qualname__} must derive from vanguard.core.filters.FilterSet"
        for name, filter_ in cls.base_filters.items():
            assert isinstance(filter_, bounded) or not isinstance(filter_, unbounded), (
                f"{cls.__qualname__}.{name} is a {type(filter_).__name__}: "
                "use IdFilter, IdChoiceFilter or IntegerFilter"
            )


def test_generated_filters_on_ids_and_integers_are_bounded():
    class Generated(FilterSet):
        class Meta:
            model = Organisation
            fields = ["id", "parent", "depth"]

    filters = Generated.base_filters
    assert isinstance(filters["id"], IdFilter)
    assert isinstance(filters["parent"], IdChoiceFilter)
    assert isinstance(filters["depth"], IntegerFilter)
    form = Generated({"id": "1e20", "parent": str(ID_MAX + 1), "depth": str(ID_MAX + 1)}).form
    assert not form.is_valid()
    assert set(form.errors) == {"id", "parent", "depth"}


# The exception handler


def handle(exc: Exception):
    request = APIRequestFactory().get("/api/members/")
    return api.exception_handler(exc, {"request": request, "view": None})


def test_handler_answers_a_field_validation_error_like_a_serializer():
    response = handle(ValidationError({"name": ["Too long."], "phone": ["Bad.", "Worse."]}))
    assert response.status_code == 400
    assert response.data == {"name": ["Too long."], "phone": ["Bad.", "Worse."]}


def test_handler_puts_a_plain_or_all_fields_error_under_non_field_errors():
    response = handle(ValidationError("This member already has a transfer in progress.", code="open_transfer"))
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["This member already has a transfer in progress."]}
    assert response.data["non_field_errors"][0].code == "open_transfer"
    response = handle(ValidationError({"__all__": ["Dates disagree."], "name": ["Missing."]}))
    assert response.data == {"non_field_errors": ["Dates disagree."], "name": ["Missing."]}


def test_handler_fills_in_message_params():
    response = handle(ValidationError("At most %(n)s days.", params={"n": 180}))
    assert response.data == {"non_field_errors": ["At most 180 days."]}


def test_handler_leaves_other_errors_to_drf():
    from django.http import Http404

    assert handle(Http404()).status_code == 404
    assert handle(RuntimeError("boom")) is None  # a real bug stays a 500


def test_a_service_validation_error_reaches_the_client_as_400(api_client, city):
    body = {"name": "王丙", "gender": "M", "birth_date": "1980-01-01", "joined_on": "2005-01-01"}
    body |= {"organisation": city.branch_a.pk, "id_number": "110101198001011234"}  # wrong check digit
    response = api_client.post("/api/members/", body, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["id_number"]
    assert not Member.objects.filter(name="王丙").exists()


def test_moving_a_member_through_the_api_is_refused_with_a_400(api_client, city):
    url = f"/api/members/{city.member_a.pk}/"
    response = api_client.patch(url, {"organisation": city.branch_a2.pk}, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["organisation"]
    city.member_a.refresh_from_db()
    assert city.member_a.organisation == city.branch_a


def test_no_viewset_catches_validation_errors_itself():
    import pathlib

    root = pathlib.Path(api.__file__).resolve().parents[1]
    for path in root.glob("*/api/*.py"):
        assert "except ValidationError" not in path.read_text(), f"{path}: leave it to core.api.exception_handler"
