"""Sign-in throttling: the login page and API basic auth lock after repeated failures; the office unlocks."""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, make_user
from vanguard.accounts import lockouts
from vanguard.accounts.models import Role
from vanguard.accounts.throttling import client_address
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
API = "/api/organisations/"
ADDRESS = "203.0.113.7"


def sign_in(client: Client, username: str, password: str, address: str = ADDRESS, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def api_get(username: str, password: str, address: str = ADDRESS):
    return Client().get(API, HTTP_AUTHORIZATION=basic(username, password), REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def locked_entries():
    return AuditEntry.objects.filter(event="accounts.login_locked").order_by("seq")


def test_twenty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(client, city):
    user = city.secretary_a
    for attempt in range(20):
        response = sign_in(client, user.username, f"wrong-{attempt}")
        if attempt < settings.LOGIN_FAILURES_PER_USER - 1:
            assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, user.username, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Too many failed sign-ins" in body and "15 minutes" in body
    assert int(response["Retry-After"]) == 15 * 60
    assert not signed_in(client)
    # The message is in the reader's language: the page's language follows the request.
    assert 'lang="en"' in body


def test_the_lock_starts_at_the_limit_and_not_before(client, city):
    user = city.secretary_a
    for attempt in range(settings.LOGIN_FAILURES_PER_USER - 1):
        assert sign_in(client, user.username, f"wrong-{attempt}").status_code == 200
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_success_forgives_the_earlier_typos_from_that_address(client, city):
    user = city.secretary_a
    below = settings.LOGIN_FAILURES_PER_USER - 1
    for attempt in range(below):
        sign_in(client, user.username, f"wrong-{attempt}")
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    other = Client()
    for attempt in range(below):
        assert sign_in(other, user.username, f"again-{attempt}").status_code == 200
    assert sign_in(other, user.username, PASSWORD).status_code == 302


def test_twenty_wrong_passwords_then_the_right_one_is_refused_through_basic_auth(city):
    user = city.secretary_a
    assert api_get(user.username, PASSWORD).status_code == 200
    for attempt in range(20):
        response = api_get(user.username, f"wrong-{attempt}")
        assert response.status_code in (401, 403, 429)
    response = api_get(user.username, PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "登录失败次数过多" in response.json()["detail"]  # in the default language, 简体
    assert int(response["Retry-After"]) == 15 * 60
    # The page and the API share one count: the login page is locked too.
    assert sign_in(Client(), user.username, PASSWORD).status_code == 429


def test_api_failures_below_the_limit_stay_an_ordinary_refusal(city):
    response = api_get(city.secretary_a.username, "wrong")
    assert response.status_code in (401, 403)
    assert "Too many" not in response.json()["detail"]


def test_session_authentication_is_unaffected_by_a_lockout(client, city):
    user = city.secretary_a
    client.force_login(user)
    for attempt in range(settings.LOGIN_FAILURES_PER_USER):
        api_get(user.username, f"wrong-{attempt}")
    assert api_get(user.username, PASSWORD).status_code == 429
    assert client.get(API).status_code == 200


def test_a_lockout_writes_one_audit_entry(client, city):
    user = city.secretary_a
    for attempt in range(20):
        sign_in(client, user.username, f"wrong-{attempt}")
    entries = list(locked_entries())
    assert len(entries) == 1, "further failures during the lockout are not new lockouts"
    entry = entries[0]
    assert entry.object_type == "accounts.user" and entry.object_id == str(user.pk)
    assert entry.organisation == city.district_a
    assert entry.data == {"username": user.username, "address": ADDRESS, "locked": ["username"]}


def test_a_lockout_of_a_user_name_nobody_holds_is_recorded_without_a_target(client, city):
    for attempt in range(settings.LOGIN_FAILURES_PER_USER):
        sign_in(client, "ghost", f"wrong-{attempt}")
    entry = locked_entries().get()
    assert entry.object_id == "" and entry.organisation is None
    assert entry.data["username"] == "ghost"


def lock(username: str, address: str = ADDRESS) -> None:
    client = Client()
    for attempt in range(settings.LOGIN_FAILURES_PER_USER):
        sign_in(client, username, f"wrong-{attempt}", address)
    assert sign_in(client, username, PASSWORD, address).status_code == 429


def test_the_office_unlocks_and_the_user_signs_in(client, city):
    user = city.secretary_a
    lock(user.username)
    client.force_login(city.office)
    page = client.get(reverse("accounts:lockouts"))
    assert page.status_code == 200
    assert user.username in page.content.decode()
    assert reverse("accounts:lockouts") in client.get(reverse("orgs:tree")).content.decode()  # in the header

    response = client.post(reverse("accounts:unlock"), {"username": user.username})
    assert response.status_code == 302
    assert lockouts.username_lockouts(city.office) == []
    entry = AuditEntry.objects.get(event="accounts.login_unlocked")
    assert entry.actor == city.office and entry.actor_role == Role.ADMIN
    assert entry.actor_organisation == city.root
    assert entry.object_id == str(user.pk) and entry.organisation == city.district_a
    assert entry.data["username"] == user.username and entry.data["failures"] >= settings.LOGIN_FAILURES_PER_USER

    again = Client()
    assert sign_in(again, user.username, PASSWORD).status_code == 302
    assert signed_in(again)


def test_a_secretary_cannot_unlock(client, city):
    user = city.branch_secretary_a
    lock(user.username)
    client.force_login(city.secretary_a)
    assert client.get(reverse("accounts:lockouts")).status_code == 403
    assert client.post(reverse("accounts:unlock"), {"username": user.username}).status_code == 403
    assert reverse("accounts:lockouts") not in client.get(reverse("orgs:tree")).content.decode()
    assert [lockout.value for lockout in lockouts.username_lockouts(city.office)] == [user.username]
    assert not AuditEntry.objects.filter(event="accounts.login_unlocked").exists()
    assert sign_in(Client(), user.username, PASSWORD).status_code == 429


def test_a_district_office_unlocks_its_own_users_only(client, city):
    district_office = make_user("office_a", Role.ADMIN, city.district_a)
    lock(city.secretary_a.username)
    lock(city.secretary_b.username, "203.0.113.8")
    lock("ghost", "203.0.113.9")
    client.force_login(district_office)
    body = client.get(reverse("accounts:lockouts")).content.decode()
    assert city.secretary_a.username in body
    assert city.secretary_b.username not in body and "ghost" not in body
    assert 'data-testid="address-lockouts"' not in body

    response = client.post(reverse("accounts:unlock"), {"username": city.secretary_b.username}, follow=True)
    assert response.status_code == 200
    assert {lockout.value for lockout in lockouts.username_lockouts(city.office)} >= {city.secretary_b.username}
    assert client.post(reverse("accounts:unlock"), {"username": city.secretary_a.username}).status_code == 302
    assert {lockout.value for lockout in lockouts.username_lockouts(city.office)} == {
        city.secretary_b.username,
        "ghost",
    }
    assert AuditEntry.objects.get(event="accounts.login_unlocked").actor_organisation == city.district_a


def test_a_user_with_a_role_outside_the_district_is_for_the_city_office(city):
    district_office = make_user("office_a", Role.ADMIN, city.district_a)
    both = make_user("both", Role.SECRETARY, city.branch_a)
    from vanguard.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=both, role=Role.SUPERVISOR, organisation=city.district_b)
    lock(both.username)
    assert lockouts.username_lockouts(district_office) == []
    assert [lockout.value for lockout in lockouts.username_lockouts(city.office)] == ["both"]


def test_an_address_is_locked_across_several_user_names(client, city):
    per_user, per_address = settings.LOGIN_FAILURES_PER_USER, settings.LOGIN_FAILURES_PER_ADDRESS
    names = [f"guess{n}" for n in range(per_address // (per_user - 1) + 1)]
    sprayer = Client()
    tried = 0
    for name in names:
        for attempt in range(per_user - 1):  # never enough to lock any one user name
            if tried < per_address:
                sign_in(sprayer, name, f"wrong-{attempt}")
                tried += 1
    assert lockouts.username_lockouts(city.office) == []
    # The address is locked, for every user name, even with the right password ...
    response = sign_in(Client(), city.secretary_a.username, PASSWORD)
    assert response.status_code == 429
    assert api_get(city.secretary_a.username, PASSWORD).status_code == 429
    # ... while the same user signs in from elsewhere.
    assert sign_in(Client(), city.secretary_a.username, PASSWORD, "198.51.100.1").status_code == 302
    entry = locked_entries().get()
    assert entry.data["locked"] == ["ip_address"] and entry.organisation is None

    # Addresses are for the city office: it sees the address and unlocks it.
    district_office = make_user("office_a", Role.ADMIN, city.district_a)
    assert lockouts.address_lockouts(district_office) == []
    client.force_login(city.office)
    assert ADDRESS in client.get(reverse("accounts:lockouts")).content.decode()
    client.post(reverse("accounts:unlock"), {"address": ADDRESS})
    assert lockouts.address_lockouts(city.office) == []
    assert AuditEntry.objects.get(event="accounts.login_unlocked").data["address"] == ADDRESS
    assert sign_in(Client(), city.secretary_a.username, PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cooloff(client, city, settings):
    import datetime

    from axes.models import AccessAttempt

    user = city.secretary_a
    lock(user.username)
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME)
    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_client_address_behind_a_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"  # a client's own X-Forwarded-For is not believed
    settings.PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7"  # what our proxy appended, not what the client sent
    settings.PROXY_COUNT = 2
    assert client_address(request) == "6.6.6.6"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
