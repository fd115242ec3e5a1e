"""The pages as their users use them: selecting and publicising an example, a group's lecturers and talks, a
class's trainees and their outcome, the figures and their workbook, and the API."""

from __future__ import annotations

import datetime
import io
import zipfile

from django.urls import reverse

from vanguard.exemplars.models import Exemplar, GroupMember, Talk, Trainee, TrainingClass
from vanguard.exemplars.tests import factories
from vanguard.members.factories import MemberFactory

TODAY = datetime.date.today()


def ago(days: int) -> str:
    return (TODAY - datetime.timedelta(days=days)).isoformat()


def test_the_organisation_page_links_here(client, city):
    client.force_login(city.branch_secretary_a)
    body = client.get(reverse("orgs:detail", args=[city.branch_a.pk])).content.decode()
    assert reverse("exemplars:organisation", args=[city.branch_a.pk]) in body
    page = client.get(reverse("exemplars:organisation", args=[city.branch_a.pk])).content.decode()
    assert 'data-testid="select-example"' in page
    # A supervisor sees the page without the buttons.
    client.force_login(city.supervisor_a)
    page = client.get(reverse("exemplars:organisation", args=[city.district_a.pk])).content.decode()
    assert 'data-testid="summary"' in page and 'data-testid="select-example"' not in page
    assert client.get(reverse("exemplars:select_example", args=[city.district_a.pk])).status_code == 404


def test_select_then_publicise_an_example(client, city):
    client.force_login(city.branch_secretary_a)
    url = reverse("exemplars:select_example", args=[city.branch_a.pk])
    form = client.get(url, {"q": "张"}).content.decode()
    assert "张甲" in form
    response = client.post(
        url,
        {"kind": "member", "member": city.member_a.pk, "title": "优秀共产党员", "deeds": "带头", "selected_on": ago(2)},
    )
    example = Exemplar.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exemplars:example", args=[example.pk])
    # A member of another branch is not among the choices: the form refuses it.
    other = MemberFactory(organisation=city.branch_a2, name="王丙")
    response = client.post(
        url, {"kind": "member", "member": other.pk, "title": "标兵", "deeds": "事迹", "selected_on": ago(1)}
    )
    assert response.status_code == 200 and Exemplar.objects.count() == 1
    page = reverse("exemplars:example", args=[example.pk])
    response = client.post(page, {"publicised_on": ago(3), "channel": "press", "note": ""})
    assert response.status_code == 400 and "publicity-form" in response.content.decode()
    response = client.post(page, {"publicised_on": ago(1), "channel": "press", "note": "《日报》"})
    assert response.status_code == 302
    example.refresh_from_db()
    assert example.channel == "press" and example.publicity_note == "《日报》"
    # The district secretary sees it; the member's own account does not hold VIEW here.
    client.force_login(city.secretary_a)
    assert "《日报》" in client.get(page).content.decode()
    client.force_login(city.secretary_b)
    assert client.get(page).status_code == 404


def test_a_group_adds_a_lecturer_and_records_a_talk(client, city):
    factories.example(city.member_a, selected_by=city.district_a)
    client.force_login(city.secretary_a)
    response = client.post(
        reverse("exemplars:set_up_group", args=[city.district_a.pk]), {"name": "甲区宣讲团", "set_up_on": ago(5)}
    )
    group_url = response["Location"]
    response = client.post(group_url, {"lecturer-member": city.member_a.pk, "lecturer-role": "head"})
    assert response.status_code == 302
    lecturer = GroupMember.objects.get()
    page = client.get(group_url).content.decode()
    assert 'data-testid="is-example"' in page and 'data-testid="talk-form"' in page
    talk = {
        "talk-speaker": lecturer.pk,
        "talk-given_at": city.branch_a.pk,
        "talk-given_on": ago(1),
        "talk-topic": "学习先进典型",
        "talk-place": "村委会",
        "talk-audience_kind": "villagers",
        "talk-audience_size": 0,
    }
    assert client.post(group_url, talk).status_code == 400
    assert client.post(group_url, {**talk, "talk-audience_size": 150}).status_code == 302
    assert Talk.objects.get().audience_size == 150
    assert "学习先进典型" in client.get(group_url).content.decode()
    # The branch secretary sees the group page but may not change it.
    client.force_login(city.branch_secretary_a)
    assert client.get(group_url).status_code == 404  # the group is the district's, above the branch
    assert client.post(group_url, {**talk, "talk-audience_size": 10}).status_code == 404
    assert Talk.objects.count() == 1


def test_a_skills_class_enrols_and_records_re_employment(client, city):
    laid_off = MemberFactory(organisation=city.branch_a, name="下岗乙", category="laid_off")
    client.force_login(city.secretary_a)
    response = client.post(
        reverse("exemplars:open_class", args=[city.district_a.pk]),
        {"kind": "skills", "title": "电工培训", "starts_on": ago(20), "ends_on": ago(10), "hours": "60"},
    )
    training = TrainingClass.objects.get()
    assert response["Location"] == reverse("exemplars:class", args=[training.pk])
    class_url = response["Location"]
    assert client.post(class_url, {"enrol-member": laid_off.pk}).status_code == 302
    assert client.post(class_url, {"enrol-name": "居民 孙某", "enrol-laid_off": "on"}).status_code == 302
    assert client.post(class_url, {"enrol-member": laid_off.pk}).status_code == 400
    trainee = Trainee.objects.get(member=laid_off)
    assert trainee.laid_off and Trainee.objects.get(member=None).laid_off
    url = reverse("exemplars:trainee", args=[trainee.pk])
    data = {"hours_attended": "60", "completed": "on", "outcome": "re_employed", "outcome_on": ""}
    assert client.post(url, data).status_code == 400
    assert client.post(url, {**data, "outcome_on": ago(2)}).status_code == 302
    trainee.refresh_from_db()
    assert trainee.outcome == "re_employed" and trainee.completed
    # A key-staff class's trainee form has no outcome.
    key = factories.training_class(city.district_a)
    other = factories.trainee(key, city.member_a)
    assert "outcome" not in client.get(reverse("exemplars:trainee", args=[other.pk])).content.decode()


def test_figures_page_and_workbook(client, city):
    training = factories.training_class(city.committee_a, on=TODAY - datetime.timedelta(days=3))
    factories.trainee(training, city.member_a, completed=True)
    factories.example(city.member_a)
    client.force_login(city.secretary_a)
    url = reverse("exemplars:figures", args=[city.district_a.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="block-classes"' in page and 'id="bar-charts"' in page
    assert reverse("exemplars:figures", args=[city.committee_a.pk]) in page  # drill down to the committee
    assert client.get(url, {"start": ago(1), "end": ago(5)}).status_code == 200  # a reversed period: shown unbounded
    response = client.get(reverse("exemplars:figures_xlsx", args=[city.district_a.pk]), {"start": ago(10)})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "先进典型" in strings and "培训" in strings and "甲街道党工委" in strings
    client.force_login(city.secretary_b)
    assert client.get(url).status_code == 404


def test_the_api_is_read_only_and_scoped(client, city):
    example = factories.example(city.member_a)
    group = factories.group(city.district_a)
    factories.talk(group, city.member_a, at=city.branch_a, size=30)
    training = factories.training_class(city.district_a)
    factories.trainee(training, city.member_a, completed=True)
    factories.example(city.member_b)
    client.force_login(city.secretary_a)
    rows = client.get(reverse("typical-example-list"), {"organisation": city.district_a.pk}).json()["results"]
    assert [row["id"] for row in rows] == [example.pk]
    assert client.get(reverse("lecture-group-list")).json()["results"][0]["talks"] == 1
    assert client.get(reverse("lecture-talk-list")).json()["results"][0]["speaker"] == city.member_a.pk
    classes = client.get(reverse("training-class-list"), {"kind": "key_staff"}).json()["results"]
    assert [(row["trainees"], row["completed"]) for row in classes] == [(1, 1)]
    assert client.post(reverse("training-class-list"), {}).status_code == 405
    client.force_login(city.secretary_b)
    for name in ("lecture-group-list", "lecture-talk-list", "training-class-list"):
        assert client.get(reverse(name)).json()["count"] == 0, name
    assert client.get(reverse("typical-example-detail", args=[example.pk])).status_code == 404
