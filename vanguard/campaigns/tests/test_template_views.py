"""Template pages: campaign offices list, read, copy and edit copies; nobody else reaches them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD, make_user
from vanguard.accounts.models import Role
from vanguard.campaigns import blueprints
from vanguard.campaigns.models import CampaignTemplate
from vanguard.campaigns.tests.test_blueprints import BAD_FILES, BASE, DEFINITIONS
from vanguard.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(db) -> CampaignTemplate:
    template, _changed = blueprints.install((DEFINITIONS / "xianjinxing.yaml").read_text(encoding="utf-8"))
    return template


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_office_reads_the_list_and_a_template(client, city, shipped):
    login(client, city.office)
    response = client.get(reverse("campaigns:templates"))
    assert response.status_code == 200 and "保持共产党员先进性教育活动" in response.content.decode()
    page = client.get(reverse("campaigns:template", kwargs={"pk": shipped.pk})).content.decode()
    for shown in ("学习动员", "召开专题民主生活会", "第三批：农村", "rural"):
        assert shown in page
    assert reverse("campaigns:template_edit", kwargs={"pk": shipped.pk}) not in page  # shipped: copy, not edit


def test_copy_then_edit_the_copy(client, city, shipped):
    login(client, city.office)
    response = client.post(reverse("campaigns:template_copy", kwargs={"pk": shipped.pk}))
    copy = CampaignTemplate.objects.get(key="xianjinxing-copy-1")
    assert response.status_code == 302 and response["Location"] == reverse(
        "campaigns:template_edit", kwargs={"pk": copy.pk}
    )
    assert copy.copied_from == shipped and copy.digest == blueprints.digest_of(copy.definition)
    assert blueprints.load(copy.source)["key"] == copy.key  # the copy's YAML names its own key
    assert "# 保持共产党员先进性教育活动" in copy.source  # comments kept
    assert AuditEntry.objects.filter(event=blueprints.TEMPLATE_COPIED, object_id=str(copy.pk)).exists()
    client.post(reverse("campaigns:template_copy", kwargs={"pk": shipped.pk}))
    assert CampaignTemplate.objects.filter(key="xianjinxing-copy-2", copied_from=shipped).exists()

    edit = reverse("campaigns:template_edit", kwargs={"pk": copy.pk})
    assert client.get(edit).status_code == 200
    text = copy.source.replace("    days: 45\n", "    days: 50\n", 1)
    response = client.post(edit, {"source": text})
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.definition["phases"][0]["days"] == 50 and copy.source == text
    assert AuditEntry.objects.filter(event=blueprints.TEMPLATE_CHANGED, object_id=str(copy.pk)).count() == 1
    shipped.refresh_from_db()
    assert shipped.definition["phases"][0]["days"] == 45


def test_an_invalid_edit_lists_its_problems_and_saves_nothing(client, city, shipped):
    login(client, city.office)
    client.post(reverse("campaigns:template_copy", kwargs={"pk": shipped.pk}))
    copy = CampaignTemplate.objects.get(key="xianjinxing-copy-1")
    before = (copy.source, copy.digest, copy.updated_at, AuditEntry.objects.count())
    text = copy.source.replace("    days: 45\n", "    days: forty-five\n", 1).replace(
        "          - kind: meeting\n", "          - kind: photo\n", 1
    )
    response = client.post(reverse("campaigns:template_edit", kwargs={"pk": copy.pk}), {"source": text})
    assert response.status_code == 400
    problems = {(p.path, p.line) for p in response.context["problems"]}
    assert ("phases[0].days", 14) in problems
    assert ("phases[0].steps[0].evidence[0].kind", 24) in problems
    body = response.content.decode()
    assert "phases[0].steps[0].evidence[0].kind" in body and "forty-five" in body  # the text stays in the box
    copy.refresh_from_db()
    assert (copy.source, copy.digest, copy.updated_at, AuditEntry.objects.count()) == before


def test_the_key_of_a_copy_cannot_be_changed(client, city, shipped):
    login(client, city.office)
    client.post(reverse("campaigns:template_copy", kwargs={"pk": shipped.pk}))
    copy = CampaignTemplate.objects.get(key="xianjinxing-copy-1")
    text = copy.source.replace("key: xianjinxing-copy-1", "key: xianjinxing", 1)
    response = client.post(reverse("campaigns:template_edit", kwargs={"pk": copy.pk}), {"source": text})
    assert response.status_code == 400
    assert ("key", 5) in {(p.path, p.line) for p in response.context["problems"]}
    shipped.refresh_from_db()
    assert shipped.copies.count() == 1 and CampaignTemplate.objects.count() == 2


def test_a_yaml_syntax_error_is_shown_with_its_line(client, city):
    original, _changed = blueprints.install(BASE)
    copy = blueprints.copy_template(template=original, actor=city.office)
    login(client, city.office)
    text = BAD_FILES["syntax error"][0].replace("key: small", f"key: {copy.key}")
    response = client.post(reverse("campaigns:template_edit", kwargs={"pk": copy.pk}), {"source": text})
    assert response.status_code == 400
    assert [(p.path, p.line) for p in response.context["problems"]] == [("", 19)]


def test_a_shipped_template_is_not_edited_in_the_pages(client, city, shipped):
    login(client, city.office)
    edit = reverse("campaigns:template_edit", kwargs={"pk": shipped.pk})
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"source": shipped.source.replace("days: 45", "days: 40")}).status_code == 404
    shipped.refresh_from_db()
    assert shipped.definition["phases"][0]["days"] == 45


@pytest.mark.parametrize("who", ["secretary_a", "branch_secretary_a", "supervisor_a", "member_user_a"])
def test_only_campaign_offices_reach_the_pages(client, city, shipped, who):
    copy = blueprints.copy_template(template=shipped, actor=city.office)
    login(client, getattr(city, who))
    assert client.get(reverse("campaigns:templates")).status_code == 404
    assert client.get(reverse("campaigns:template", kwargs={"pk": shipped.pk})).status_code == 404
    assert client.post(reverse("campaigns:template_copy", kwargs={"pk": shipped.pk})).status_code == 404
    edit = reverse("campaigns:template_edit", kwargs={"pk": copy.pk})
    assert client.post(edit, {"source": copy.source.replace("days: 45", "days: 40", 1)}).status_code == 404
    assert CampaignTemplate.objects.count() == 2
    copy.refresh_from_db()
    assert copy.definition["phases"][0]["days"] == 45


def test_an_office_below_the_city_and_a_superuser_may_manage(client, city, shipped):
    login(client, make_user("district_office", Role.ADMIN, city.district_b))
    assert client.post(reverse("campaigns:template_copy", kwargs={"pk": shipped.pk})).status_code == 302
    root = make_user("root", is_superuser=True, is_staff=True)
    login(client, root)
    assert client.get(reverse("campaigns:templates")).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, shipped):
    response = client.get(reverse("campaigns:template", kwargs={"pk": shipped.pk}))
    assert response.status_code == 302 and "login" in response["Location"]
