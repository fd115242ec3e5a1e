"""The results workbook: its cells are the figures of results.compute(), and hidden results stay hidden."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from python_calamine import CalamineWorkbook

from conftest import PASSWORD
from vanguard.ballots import results, results_workbook, services
from vanguard.ballots.models import Constituency, Kind
from vanguard.ballots.tests.factories import ballot, codes, questionnaire, vote

pytestmark = pytest.mark.django_db


def sheets(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def block(rows: list[list], title: str) -> tuple[list[str], dict[tuple[str, str], dict]]:
    """The header and the rows (by constituency and stratum label) of the block headed `title`."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    header = rows[start + 1]
    found = {}
    for row in rows[start + 2 :]:
        if not row or row[0] in ("", None) or len(row) < len(header):
            break
        found[(row[0], row[1])] = dict(zip(header, row, strict=False))
    return header, found


def written(made) -> bytes:
    buffer = io.BytesIO()
    results_workbook.write(results.compute(made), buffer)
    return buffer.getvalue()


@pytest.fixture
def closed(city):
    made = ballot(
        city.branch_a,
        kind=Kind.QUESTIONNAIRE,
        questions=[*questionnaire(), {"key": "q6", "kind": "grade", "label": "评议等次"}],
        constituencies=(Constituency.MEMBERS, Constituency.PUBLIC),
        threshold=70,
    )
    east = codes(made, 6, Constituency.MEMBERS, stratum="东区")
    west = codes(made, 4, Constituency.MEMBERS, stratum="西区")
    public = codes(made, 5, Constituency.PUBLIC)
    vote(made, east[0], q1="satisfied", q2="0", q3=["0", "2"], q4=5, q5='=HYPERLINK("x")', q6="excellent")
    vote(made, east[1], q1="basically_satisfied", q2="1", q3=["2"], q4=3)
    vote(made, east[2], q1="dissatisfied", q2="1", q4=1, q6="unqualified")
    vote(made, east[3], q1="satisfied")
    vote(made, west[0], q1="dissatisfied", q3=["1"], q5="多开会")
    vote(made, public[0], q1="satisfied", q2="2", q4=4)
    vote(made, public[1], q1="satisfied", q3=["0", "1", "2"])
    return services.close_ballot(ballot=made, actor=None)


def test_cells_are_the_results(closed):
    computed = results.compute(closed)
    book = sheets(written(closed))
    names = results_workbook.family_names()
    assert list(book) == [names[k] for k in ("turnout", "satisfaction", "grade", "choice", "rating", "text")]
    members = str(Constituency.MEMBERS.label)
    public = str(Constituency.PUBLIC.label)
    every = gettext("All")

    header, rows = block(book[names["satisfaction"]], "1. 您对本单位先进性教育活动是否满意")
    assert list(rows) == [(every, every), (members, every), (members, "东区"), (members, "西区"), (public, every)]
    question = computed.question("q1")
    flag = header[11]
    for (constituency, stratum), key in [
        ((every, every), ("", "")),
        ((members, every), ("members", "")),
        ((members, "东区"), ("members", "东区")),
        ((public, every), ("public", "")),
    ]:
        row = rows[(constituency, stratum)]
        turnout = computed.turnout[key]
        rate = question.satisfaction(*key)
        assert row[gettext("Issued")] == turnout.issued and row[gettext("Cast")] == turnout.cast
        assert row[gettext("Response rate")] == pytest.approx(turnout.response.share)
        assert row[gettext("Valid")] == question.tally(*key).valid
        assert row[header[8]] == pytest.approx(rate.share)
        assert (row[header[9]], row[header[10]]) == pytest.approx(rate.interval)
        assert row[flag] == (gettext("Yes") if rate.straddles(70) else gettext("No"))
    # Spot figures by hand: members 3 of 5 satisfied (basically counts), east 3 of 4; 5 members cast of 10 issued.
    assert rows[(members, every)][header[8]] == pytest.approx(3 / 5)
    assert rows[(members, "东区")][header[8]] == pytest.approx(3 / 4)
    assert rows[(members, every)][gettext("Response rate")] == pytest.approx(5 / 10)
    assert rows[(public, every)][flag] == gettext("Yes")  # 2 of 2: the interval is wide enough to hold 70

    header, rows = block(book[names["choice"]], "3. 您喜欢的学习形式")
    tally = computed.question("q3").tally()
    assert rows[(every, every)][gettext("Valid")] == tally.valid == 4
    assert [rows[(every, every)][label] for label in ("领导讲", "专家讲", "自己学")] == [2, 2, 3]
    share = header[header.index("自己学") + 1]
    assert rows[(every, every)][share] == pytest.approx(3 / 4)
    low, high = header[header.index("自己学") + 2], header[header.index("自己学") + 3]
    assert (rows[(every, every)][low], rows[(every, every)][high]) == pytest.approx(tally.share("2").interval)

    header, rows = block(book[names["rating"]], "4. 给学习效果打分")
    assert rows[(every, every)][gettext("Mean")] == pytest.approx(computed.question("q4").tally().mean) == 13 / 4
    assert [rows[(every, every)][str(n)] for n in range(1, 6)] == [1, 0, 1, 1, 1]

    _header, rows = block(book[names["grade"]], "6. 评议等次")
    assert rows[(members, "东区")][gettext("Excellent")] == 1 and rows[(members, "东区")][gettext("Unqualified")] == 1

    texts = book[names["text"]]
    answers = sorted(row[1] for row in texts[3:])
    assert answers == sorted(computed.texts("q5")) == ['=HYPERLINK("x")', "多开会"]  # text, never a formula


def test_hidden_results_give_the_turnout_alone(city):
    made = ballot(city.branch_a, kind=Kind.QUESTIONNAIRE, questions=questionnaire(), min_count=3)
    vote(made, codes(made, 2)[0], q1="satisfied", q5="早知道")
    book = sheets(written(made))
    assert list(book) == [results_workbook.family_names()["turnout"]]
    assert "早知道" not in str(book)


def test_download(client, city, closed):
    url = reverse("ballots:results_xlsx", args=[closed.pk])
    assert client.login(username=city.supervisor_a.username, password=PASSWORD)  # may see, not change
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert results_workbook.family_names()["text"] in sheets(response.content)
    assert client.post(url).status_code == 405
    client.logout()
    assert client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.get(url).status_code == 404


def test_no_download_while_results_are_hidden(client, city):
    made = ballot(city.branch_a, questions=questionnaire())
    vote(made, codes(made, 1)[0], q1="satisfied")
    assert client.login(username=city.secretary_a.username, password=PASSWORD)
    assert client.get(reverse("ballots:results_xlsx", args=[made.pk])).status_code == 404
