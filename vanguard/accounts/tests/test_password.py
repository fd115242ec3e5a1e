"""One's own password page, and the forced change after a password someone else chose."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import password_validation
from django.urls import reverse

from conftest import PASSWORD
from vanguard.accounts import events, services
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db
NEW = "a-much-longer-secret-7"


def change(client, old=PASSWORD, new=NEW):
    return client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_the_header_links_to_the_password_page(client, city):
    client.force_login(city.secretary_a)
    body = client.get(reverse("members:list")).content.decode()
    assert reverse("accounts:password_change") in body


def test_change_own_password(client, city):
    client.force_login(city.secretary_a)
    response = change(client)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    city.secretary_a.refresh_from_db()
    assert city.secretary_a.check_password(NEW)
    # The session survives the change: the next page is served, not the sign-in page.
    assert client.get(reverse("members:list")).status_code == 200
    entry = AuditEntry.objects.get(event=events.PASSWORD_CHANGED)
    assert entry.actor_id == city.secretary_a.pk and entry.data == {"was_first_password": False}


def test_a_wrong_old_password_changes_nothing(client, city):
    client.force_login(city.secretary_a)
    response = change(client, old="wrong")
    assert response.status_code == 200 and response.context["form"].errors["old_password"]
    city.secretary_a.refresh_from_db()
    assert city.secretary_a.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(event=events.PASSWORD_CHANGED).exists()


def test_password_page_needs_sign_in(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_first_password_must_be_changed_before_anything_else(client, city):
    user = city.secretary_a
    user.must_change_password = True
    user.save()
    assert client.login(username=user.username, password=PASSWORD)
    for url in (reverse("home"), reverse("members:list"), reverse("orgs:detail", args=[city.district_a.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change"), url
    assert client.get("/api/members/").status_code == 403
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and b'data-testid="must-change"' in page.content
    assert change(client).status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("members:list")).status_code == 200
    assert AuditEntry.objects.get(event=events.PASSWORD_CHANGED).data == {"was_first_password": True}


def test_signing_out_is_allowed_while_forced(client, city):
    city.secretary_a.must_change_password = True
    city.secretary_a.save()
    client.force_login(city.secretary_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] != reverse("accounts:password_change")


def test_generated_passwords_pass_the_validators(city):
    seen = set()
    for _ in range(50):
        password = services.generate_password()
        password_validation.validate_password(password, city.secretary_a)
        assert len(password) == services.PASSWORD_LENGTH and not set(password) & set("0o1li")
        seen.add(password)
    assert len(seen) == 50


def test_a_first_password_opens_no_api(client, city):
    city.secretary_a.must_change_password = True
    city.secretary_a.save()
    token = base64.b64encode(f"{city.secretary_a.username}:{PASSWORD}".encode()).decode()
    response = client.get("/api/members/", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 403
    city.secretary_a.must_change_password = False
    city.secretary_a.save()
    assert client.get("/api/members/", HTTP_AUTHORIZATION=f"Basic {token}").status_code == 200
