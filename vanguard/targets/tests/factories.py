"""Score sheets and letters for tests, made through the services (letters are sealed in the audit trail)."""

from __future__ import annotations

import datetime

from vanguard.targets import services

DOUBLE_HUNDRED = {
    "parts": [
        {"key": "party", "name": "党建工作", "total": 100},
        {"key": "development", "name": "经济社会发展", "total": 100},
    ],
    "items": [
        {"part": "party", "title": "班子建设", "points": 30},
        {"part": "party", "title": "先进性教育活动", "points": 40},
        {"part": "party", "title": "党风廉政建设", "points": 30},
        {"part": "development", "title": "经济发展", "points": 60},
        {"part": "development", "title": "社会事业", "points": 40},
    ],
}


def sheet(actor, organisation, *, name="双百分考核表", published=True):
    made = services.define_sheet(
        actor=actor, organisation=organisation, name=name, meant_for="乡镇街道", **DOUBLE_HUNDRED
    )
    return services.publish_sheet(actor=actor, sheet=made) if published else made


def letters(actor, issued_by, units, *, sheet_=None, year=None):
    sheet_ = sheet_ or sheet(actor, issued_by)
    return services.issue_letters(
        actor=actor, sheet=sheet_, year=year or datetime.date.today().year, issued_by=issued_by, units=units
    )
