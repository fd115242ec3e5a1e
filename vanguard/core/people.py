"""Realistic synthetic people for the demo city and the tests: Chinese names and valid ID numbers."""

from __future__ import annotations

import datetime
import random

from faker.providers.person.zh_CN import Provider as ChineseNames
from stdnum.cn import ric

# Chongqing district codes, plus pre-1997 Sichuan codes many older members still carry (DOMAIN §1).
REGION_CODES = ["500103", "500105", "500106", "500107", "500108", "500112", "500113", "500101", "510202", "510215"]

_SURNAMES = list(ChineseNames.last_names)
_SURNAME_WEIGHTS = list(ChineseNames.last_names.values())
_GIVEN = {"M": ChineseNames.first_names_male, "F": ChineseNames.first_names_female}


def chinese_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    given = rng.choice(_GIVEN[gender])
    if rng.random() < 0.35:  # many given names are two characters
        given += rng.choice(_GIVEN[gender])
    return surname + given


def id_number(rng: random.Random, birth_date: datetime.date, gender: str, region: str | None = None) -> str:
    """A valid 18-character ID number for this birth date and gender."""
    region = region or rng.choice(REGION_CODES)
    serial = rng.randrange(0, 100)
    sex_digit = rng.choice("13579" if gender == "M" else "02468")
    body = f"{region}{birth_date:%Y%m%d}{serial:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")


def birth_date_for_age(rng: random.Random, low: int, high: int, today: datetime.date | None = None) -> datetime.date:
    today = today or datetime.date.today()
    days = rng.randrange(low * 365, high * 365)
    return today - datetime.timedelta(days=days)
