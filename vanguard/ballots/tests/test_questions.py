"""The question builder of a draft ballot, and copying questions between ballots of different campaigns."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from conftest import PASSWORD
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Kind, QuestionKind, Status, Subject
from vanguard.ballots.question_views import copied_questions, next_number
from vanguard.ballots.tests.factories import ballot, questionnaire
from vanguard.campaigns.tests.factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(city):
    return ballot(city.branch_a, kind=Kind.QUESTIONNAIRE, questions=questionnaire(), open=False, title="甲一问卷")


def url(made: Ballot) -> str:
    return reverse("ballots:questions", args=[made.pk])


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def new_question(**fields) -> dict:
    data = {"new-kind": "single", "new-label": "", "new-options": "", "new-scale": "5"}
    data.update({f"new-{k}": v for k, v in fields.items()})
    return {"action": "add", **data}


def keys(made: Ballot) -> list[str]:
    made.refresh_from_db()
    return [q["key"] for q in made.questions]


def test_next_key_follows_the_highest_in_use():
    assert next_number([]) == 1
    assert next_number([{"key": "q1"}, {"key": "q7"}, {"key": "other"}]) == 8


def test_the_builder_adds_every_kind_with_a_new_key(client, city, draft):
    login(client, city.secretary_a)
    assert client.get(url(draft)).status_code == 200
    cases = [
        new_question(kind="satisfaction", label="您是否满意", required="on", subject="unit", subject_id="3"),
        new_question(kind="grade", label="评议等次"),
        new_question(kind="single", label="您的年龄段", options="35岁以下\n35至50岁\n\n50岁以上"),
        new_question(kind="multiple", label="您读过的书", options="党章\n党史"),
        new_question(kind="rating", label="打分", scale="7"),
        new_question(kind="text", label="其他建议", options="ignored", scale="9"),
    ]
    for data in cases:
        response = client.post(url(draft), data)
        assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    added = draft.questions[5:]
    assert [q["key"] for q in added] == ["q6", "q7", "q8", "q9", "q10", "q11"]
    assert added[0] == {
        "key": "q6",
        "kind": "satisfaction",
        "label": "您是否满意",
        "required": True,
        "subject": Subject.UNIT,
        "subject_id": 3,
    }
    assert added[1]["required"] is False and "subject" not in added[1]
    assert added[2]["options"] == ["35岁以下", "35至50岁", "50岁以上"]
    assert added[3]["kind"] == QuestionKind.MULTIPLE
    assert added[4]["scale"] == 7
    assert added[5] == {"key": "q11", "kind": "text", "label": "其他建议", "required": False}
    assert services.check_questions(draft.questions) == []


def test_the_services_refusal_is_shown_and_nothing_saved(client, city, draft):
    login(client, city.secretary_a)
    before = list(draft.questions)
    cases = [
        (new_question(kind="single", label="只有一个选项", options="唯一"), 6),
        (new_question(kind="multiple", label="重复的选项", options="甲\n甲"), 6),
        (new_question(kind="rating", label="量表太长", scale="11"), 6),
    ]
    expected = [
        gettext("%(where)s: a choice needs at least two options, none blank."),
        gettext("%(where)s: at most %(limit)d options, none repeated."),
        gettext("%(where)s: a rating's scale is 2 to 10."),
    ]
    for (data, number), message in zip(cases, expected, strict=True):
        response = client.post(url(draft), data)
        assert response.status_code == 200
        where = gettext("Question %(number)d") % {"number": number}
        shown = response.context["add_form"].non_field_errors()
        assert message % {"where": where, "limit": services.MAX_OPTIONS} in shown
    # A form's own error: a question needs its text.
    response = client.post(url(draft), new_question(kind="text", label=""))
    assert response.status_code == 200 and response.context["add_form"].errors["label"]
    draft.refresh_from_db()
    assert draft.questions == before


def test_edit_keeps_the_key_and_reorder_and_remove(client, city, draft):
    login(client, city.secretary_a)
    page = client.get(url(draft), {"edit": "q2"})
    assert page.context["edit_form"].initial["options"] == "一次\n两次\n三次以上"
    response = client.post(
        url(draft),
        {
            "action": "save",
            "key": "q2",
            "edit-kind": "single",
            "edit-label": "您每月学习几次",
            "edit-options": "一次\n多次",
            "edit-scale": "",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.questions[1] == {
        "key": "q2",
        "kind": "single",
        "label": "您每月学习几次",
        "required": False,
        "options": ["一次", "多次"],
    }
    client.post(url(draft), {"action": "down", "key": "q1"})
    assert keys(draft) == ["q2", "q1", "q3", "q4", "q5"]
    client.post(url(draft), {"action": "up", "key": "q5"})
    assert keys(draft) == ["q2", "q1", "q3", "q5", "q4"]
    client.post(url(draft), {"action": "up", "key": "q2"})  # already first: nothing moves
    assert keys(draft) == ["q2", "q1", "q3", "q5", "q4"]
    client.post(url(draft), {"action": "remove", "key": "q3"})
    assert keys(draft) == ["q2", "q1", "q5", "q4"]
    client.post(url(draft), new_question(kind="text", label="再补充"))
    assert keys(draft) == ["q2", "q1", "q5", "q4", "q6"]


def test_removing_the_last_question_is_refused_with_the_message(client, city):
    made = ballot(city.branch_a, open=False)
    login(client, city.secretary_a)
    response = client.post(url(made), {"action": "remove", "key": "q1"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert gettext("A ballot needs at least one question.") in shown
    assert keys(made) == ["q1"]


def test_an_open_ballot_cannot_change_and_says_so(client, city):
    made = ballot(city.branch_a, questions=questionnaire())
    login(client, city.secretary_a)
    page = client.get(url(made))
    assert page.status_code == 200 and b'data-testid="locked"' in page.content
    assert b'data-testid="add-form"' not in page.content
    response = client.post(url(made), new_question(kind="text", label="晚了"))
    assert (
        gettext("The questions of an open or closed ballot cannot change.")
        in response.context["add_form"].non_field_errors()
    )
    response = client.post(url(made), {"action": "remove", "key": "q1"}, follow=True)
    assert gettext("The questions of an open or closed ballot cannot change.") in [
        str(m) for m in response.context["messages"]
    ]
    made.refresh_from_db()
    assert made.status == Status.OPEN and len(made.questions) == 5


def test_who_may_build(client, city, draft):
    for user in (city.supervisor_a, city.member_user_a, city.secretary_b):
        login(client, user)
        assert client.get(url(draft)).status_code == 404
        assert client.post(url(draft), new_question(kind="text", label="越权")).status_code == 404
        assert client.get(reverse("ballots:questions_copy", args=[draft.pk])).status_code == 404
    login(client, city.branch_secretary_a)
    assert client.get(url(draft)).status_code == 200
    assert client.post(url(draft), {"action": "bogus"}).status_code == 404
    assert len(Ballot.objects.get(pk=draft.pk).questions) == 5


# --- copying ----------------------------------------------------------------------------------------------------


def test_copy_from_another_campaign_appends_under_fresh_keys(client, city, draft):
    first = make_campaign(city.district_a, name="第一批")
    second = make_campaign(city.district_a, name="第二批")
    rated = [
        {"key": "q1", "kind": "satisfaction", "label": "对班子满意吗", "subject": Subject.TEAM, "subject_id": 9},
        {"key": "q2", "kind": "single", "label": "选一个", "options": ["甲", "乙"], "required": True},
    ]
    source = ballot(city.district_a, kind=Kind.SATISFACTION, questions=rated, campaign=first, title="上一批测评")
    target = ballot(city.branch_a, kind=Kind.SATISFACTION, questions=questionnaire()[:1], open=False, campaign=second)
    login(client, city.secretary_a)
    copy_url = reverse("ballots:questions_copy", args=[target.pk])
    page = client.get(copy_url)
    offered = [value for value, _label in page.context["form"].fields["source"].widget.choices]
    assert source.pk in offered and draft.pk in offered and target.pk not in offered
    response = client.post(copy_url, {"source": source.pk})
    assert response.status_code == 302
    target.refresh_from_db()
    assert [q["key"] for q in target.questions] == ["q1", "q2", "q3"]
    # Same kind of ballot: what it rates is kept; another campaign: the record rated is not.
    assert target.questions[1] == {"key": "q2", "kind": "satisfaction", "label": "对班子满意吗", "subject": "team"}
    assert target.questions[2] == {
        "key": "q3",
        "kind": "single",
        "label": "选一个",
        "options": ["甲", "乙"],
        "required": True,
    }
    source.refresh_from_db()
    assert source.questions == rated  # the source is untouched


def test_copy_rules_for_subjects():
    rated = [{"key": "q4", "kind": "grade", "label": "评议", "subject": "member", "subject_id": 5}]
    source = Ballot(kind=Kind.PEER_APPRAISAL, questions=rated, campaign_id=1)
    same = Ballot(kind=Kind.PEER_APPRAISAL, questions=[{"key": "q1", "kind": "text", "label": "x"}], campaign_id=1)
    other_kind = Ballot(kind=Kind.QUESTIONNAIRE, questions=[], campaign_id=1)
    assert copied_questions(source=source, target=same, replace=False)[1] == {
        "key": "q2",
        "kind": "grade",
        "label": "评议",
        "subject": "member",
        "subject_id": 5,
    }
    assert copied_questions(source=source, target=same, replace=True) == [
        {"key": "q1", "kind": "grade", "label": "评议", "subject": "member", "subject_id": 5}
    ]
    assert copied_questions(source=source, target=other_kind, replace=False) == [
        {"key": "q1", "kind": "grade", "label": "评议"}
    ]


def test_copy_refuses_a_ballot_out_of_sight_and_into_an_open_one(client, city, draft):
    hidden = ballot(city.district_b, questions=questionnaire(), title="乙区问卷")
    login(client, city.secretary_a)
    copy_url = reverse("ballots:questions_copy", args=[draft.pk])
    response = client.post(copy_url, {"source": hidden.pk, "replace": "on"})
    assert response.status_code == 200 and response.context["form"].errors["source"]
    opened = ballot(city.branch_a, questions=questionnaire()[:2])
    response = client.post(reverse("ballots:questions_copy", args=[opened.pk]), {"source": draft.pk})
    assert (
        gettext("The questions of an open or closed ballot cannot change.")
        in response.context["form"].non_field_errors()
    )
    opened.refresh_from_db()
    assert len(opened.questions) == 2
    # Replace: the draft takes the other's questions alone, renumbered from q1.
    response = client.post(copy_url, {"source": opened.pk, "replace": "on"})
    assert response.status_code == 302
    assert keys(draft) == ["q1", "q2"]
    draft.refresh_from_db()
    assert draft.questions[1]["label"] == "您每周学习几次"
