"""Walk every URL pattern and prove that nobody reaches a sibling district's objects.

The walk reads the URLconf, so views added later are covered without editing
this file; a view with object arguments must declare its model (`scoped_view`
for pages, `queryset` for API viewsets) or this test fails and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.module_loading import module_has_submodule

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.core.models import Job, JobStatus
from vanguard.members import services as member_services
from vanguard.members.models import Member, Transfer
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Organisation, Reorganisation
from vanguard.rosters import files

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
SIBLING_NAMES = ("李乙", "乙一支部", "乙二支部")


@dataclass
class Route:
    name: str
    callback: object
    kwargs: tuple[str, ...]


def walk(patterns, namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # superusers only: test_admin_is_for_superusers_only
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            routes += walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name; every route must be named"
            full = f"{namespace}:{entry.name}" if namespace else entry.name
            routes.append(Route(full, entry.callback, tuple(entry.pattern.regex.groupindex)))
    return routes


def model_of(callback):
    cls = getattr(callback, "cls", None)  # Django REST framework
    if cls is not None and getattr(cls, "queryset", None) is not None:
        return cls.queryset.model
    view_class = getattr(callback, "view_class", None)
    if view_class is not None and getattr(view_class, "model", None) is not None:
        return view_class.model
    return getattr(callback, "scoped_model", None)


@pytest.fixture
def sibling_objects(city):
    """One object of each scoped model, all inside district B."""
    branch_b2 = OrganisationFactory(name="乙二支部", parent=city.district_b)
    transfer = member_services.start_transfer(member=city.member_b, to_organisation=branch_b2)
    from vanguard.orgs.services import move_organisation

    move = move_organisation(organisation=branch_b2, new_parent=city.branch_b, effective_on=city.member_b.joined_on)
    job = Job.objects.create(kind="members.import", created_by=city.secretary_b, organisation=city.district_b)
    objects = {Organisation: city.branch_b, Member: city.member_b, Transfer: transfer, Reorganisation: move, Job: job}
    # Apps above core add theirs: `vanguard/<app>/tests/siblings.py` defines `sibling_objects(city) -> {Model: obj}`,
    # each object inside district B (core never imports them; the walk finds them by app).
    for config in apps.get_app_configs():
        if config.name.startswith("vanguard.") and module_has_submodule(config.module, "tests"):
            tests = import_module(f"{config.name}.tests")
            if module_has_submodule(tests, "siblings"):
                objects.update(import_module(f"{config.name}.tests.siblings").sibling_objects(city))
    return objects


ROUTES = walk(get_resolver().url_patterns)
# A public page addressed by a code given to the public (core.views.public_page, e.g. /o/<code>/) has no scoped
# object to try; pages marked public that do take a `pk` (public briefings) declare their model and are still walked.
OBJECT_ROUTES = [
    r
    for r in ROUTES
    if set(r.kwargs) - {"format"}
    and not (getattr(r.callback, "public_page", False) and model_of(r.callback) is None and "pk" not in r.kwargs)
]
LIST_ROUTES = [r for r in ROUTES if not r.kwargs]
USERS = ["secretary_a", "supervisor_a", "member_user_a", "branch_secretary_a"]


def test_the_walk_found_the_routes():
    names = {r.name for r in OBJECT_ROUTES}
    assert {"orgs:detail", "members:detail", "members:edit", "members:transfer_detail", "member-detail"} <= names


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.name)
def test_sibling_objects_are_unreachable(client, city, sibling_objects, route, who):
    model = model_of(route.callback)
    assert model is not None, f"{route.name}: declare the model (scoped_view(Model) or a DRF queryset)"
    assert model in sibling_objects, f"{route.name}: add a sibling {model.__name__} to sibling_objects"
    target = sibling_objects[model]
    kwargs = {"pk": target.pk}
    if "format" in route.kwargs:
        kwargs["format"] = "json"
    url = reverse(route.name, kwargs=kwargs)
    assert client.login(username=getattr(city, who).username, password=PASSWORD)
    snapshot = member_snapshot()
    for method in ("get",) + WRITE_METHODS:
        response = getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
        assert response.status_code in (403, 404, 405), f"{method.upper()} {url} as {who}: {response.status_code}"
    assert member_snapshot() == snapshot, f"{url}: a refused request changed data"


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("route", LIST_ROUTES, ids=lambda r: r.name)
def test_lists_never_show_sibling_rows(client, city, sibling_objects, route, who):
    assert client.login(username=getattr(city, who).username, password=PASSWORD)
    url = reverse(route.name)
    for params in ({}, {"organisation": city.branch_b.pk}, {"q": "乙"}, {"state": "all"}):
        response = client.get(url, params)
        if response.status_code != 200:
            continue
        body = response.content.decode("utf-8", "replace")
        if getattr(route.callback, "shows_directory", False):
            # The city's directory names organisations anywhere, on purpose (a transfer's other side), and
            # nothing inside them: no member, no link to a page the user may not open.
            leaked = [name for name in (city.member_b.name,) if name in body]
            leaked += [f"/orgs/{org.pk}/" for org in (city.branch_b, city.district_b) if f"/orgs/{org.pk}/" in body]
        else:
            leaked = [name for name in SIBLING_NAMES if name in body]
        assert not leaked, f"{url}?{params} as {who} shows {leaked}"


@pytest.mark.parametrize("who", USERS + ["office"])
def test_admin_is_for_superusers_only(client, city, who):
    assert client.login(username=getattr(city, who).username, password=PASSWORD)
    for url in (reverse("admin:index"), reverse("admin:members_member_change", args=[city.member_b.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


IDENTITY_BLIND = ["secretary_a", "supervisor_a", "branch_secretary_a", "member_user_a"]
JOB_ROUTES = [r for r in OBJECT_ROUTES if model_of(r.callback) is Job]


def is_file(response) -> bool:
    return response.streaming or "attachment" in response.get("Content-Disposition", "")


@pytest.fixture
def office_jobs(city, settings, tmp_path):
    """Finished roster jobs the office started inside district A, each with a generated file of full ID numbers.

    Later apps whose jobs generate files add a finished job of their kind here,
    so that their download routes are walked as well.
    """
    settings.DATA_DIR = tmp_path / "data"
    clear = member_services.reveal_id_number(city.member_a)
    report = {"problem_count": 1, "problems": [], "warnings": [], "changes": [], "columns": {}, "column_letters": {}}
    made = []
    for kind in ("rosters.check", "rosters.import", "rosters.export"):
        job = Job.objects.create(
            kind=kind, created_by=city.office, organisation=city.branch_a, status=JobStatus.SUCCEEDED
        )
        name = files.output_path(job.pk, "generated").name
        (files.directory("outputs") / name).write_bytes(f"姓名,身份证号\n张甲,{clear}\n".encode())
        job.result = {
            "what": "members", "count": 1, "file": name, "problems_file": name, "commit": kind == "rosters.import",
            "report": report,
        }  # fmt: skip
        job.save(update_fields=["result"])
        made.append(job)
    return made


def test_generated_files_of_another_users_job(client, city, office_jobs):
    """Same subtree, no identity right: the job's page may be seen, its generated files may not (finding 1).

    Walks every route about a Job with every job above: none hands a file, or a
    full ID number, to a user of the job's subtree who neither started the job
    nor may see identities there; its creator and another identity holder get
    the files.
    """
    clear = member_services.reveal_id_number(city.member_a).encode()
    served = set()
    assert client.login(username=city.office.username, password=PASSWORD)
    for route in JOB_ROUTES:
        for job in office_jobs:
            if is_file(response := client.get(reverse(route.name, kwargs={"pk": job.pk}))):
                served.add(route.name)
                assert clear in b"".join(response.streaming_content)
    assert {"rosters:problems", "rosters:download"} <= served, "the walk found no generated-file download"
    identity_holder = make_user("admin_a", Role.ADMIN, city.district_a)  # may see identities, started nothing
    assert client.login(username=identity_holder.username, password=PASSWORD)
    for name in served:
        for job in office_jobs:
            response = client.get(reverse(name, kwargs={"pk": job.pk}))
            assert response.status_code == 404 or is_file(response), f"{name} of {job.kind}: {response.status_code}"
        assert any(is_file(client.get(reverse(name, kwargs={"pk": job.pk}))) for job in office_jobs), name
    for who in IDENTITY_BLIND:
        user = getattr(city, who)
        assert client.login(username=user.username, password=PASSWORD)
        if who != "member_user_a":  # the job is in their scope: the refusal below is not a scope refusal
            assert client.get(reverse("core:job", kwargs={"pk": office_jobs[0].pk})).status_code == 200, who
        for route in JOB_ROUTES:
            for job in office_jobs:
                url = reverse(route.name, kwargs={"pk": job.pk})
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    assert not is_file(response), f"{method.upper()} {url} ({job.kind}) as {who}: a file"
                    assert clear not in body, f"{method.upper()} {url} ({job.kind}) as {who}: a full ID number"
        assert not Job.objects.filter(created_by=user).exists(), f"{who} started a job on the office's file"


def member_snapshot():
    return list(
        Member.objects.order_by("pk").values_list("pk", "name", "phone", "organisation_id", "host_organisation_id")
    )
