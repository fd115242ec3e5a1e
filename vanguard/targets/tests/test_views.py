"""Pages: a sheet typed as data and published, letters issued to towns, signed, scored and ranked, the workbook."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from conftest import make_user
from vanguard.accounts.models import Role
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind
from vanguard.targets.models import Letter, LetterStatus, ScoreSheet, SheetStatus

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_define_issue_sign_score_rank(client, city):
    town = OrganisationFactory(name="甲镇", kind=Kind.GRASSROOTS_COMMITTEE, parent=city.district_a)
    town_secretary = make_user("town_sec", Role.SECRETARY, town)
    client.force_login(city.secretary_a)
    define = reverse("targets:define_sheet", args=[city.district_a.pk])
    bad = client.post(define, {"name": "双百分", "meant_for": "乡镇", "parts": "party=党建=100",
                               "items": "party | 班子建设 | 60\nparty | 活动\n"})  # fmt: skip
    assert bad.status_code == 400 and "2" in bad.content.decode() and not ScoreSheet.objects.exists()
    client.post(define, {"name": "双百分", "meant_for": "乡镇", "parts": "party=党建=100",
                         "items": "party | 班子建设 | 60 | 团结\nparty｜活动｜40"})  # fmt: skip
    sheet = ScoreSheet.objects.get()
    assert [i.points for i in sheet.items.all()] == [60, 40]
    client.post(reverse("targets:sheet", args=[sheet.pk]))
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    response = client.post(
        reverse("targets:issue_letters", args=[city.district_a.pk]),
        {"sheet": sheet.pk, "year": TODAY.year, "units": [town.pk]},
    )
    letter = Letter.objects.get()
    assert response.status_code == 302
    url = reverse("targets:letter", args=[letter.pk])
    # The district cannot sign for the town; the town can.
    assert client.post(url, {"action": "sign", "sign-signed_by": "x", "sign-on": TODAY}).status_code == 404
    client.force_login(town_secretary)
    assert client.post(url, {"action": "sign", "sign-signed_by": "镇党委书记", "sign-on": TODAY}).status_code == 302
    assert client.post(url, {"action": "scores"}).status_code == 404  # the town never scores itself
    client.force_login(city.secretary_a)
    targets = list(letter.targets.order_by("item__order"))
    over = {"action": "scores", f"score-{targets[0].pk}": "61", f"score-{targets[1].pk}": "40"}
    assert client.post(url, over).status_code == 400
    client.post(url, {"action": "scores", f"score-{targets[0].pk}": "55.5", f"score-{targets[1].pk}": "40"})
    client.post(url, {"action": "conclude", "conclude-outcome": "表扬"})
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ASSESSED and str(letter.total) == "95.5"
    page = client.get(reverse("targets:ranking", args=[city.district_a.pk])).content.decode()
    assert "甲镇" in page and "95.5" in page
    book = CalamineWorkbook.from_filelike(
        io.BytesIO(client.get(reverse("targets:ranking_xlsx", args=[city.district_a.pk])).content)
    )
    assert book.get_sheet_by_index(0).to_python()[1][:2] == [1, "甲镇"]
    client.force_login(city.secretary_b)
    assert client.get(url).status_code == 404
    assert client.get(reverse("targets:ranking", args=[city.district_a.pk])).status_code == 404
