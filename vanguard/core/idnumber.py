"""Resident ID numbers (居民身份证号码, GB 11643): normalise, validate, mask.

The check digit, birth date and region lookup come from python-stdnum's
`stdnum.cn.ric`; this module adds what the campaign needs on top: full-width
input, the sex digit, consistency with a member's own birth date and gender,
and the rule that a region code is never an error (DOMAIN §1: many members
carry codes that no longer exist, or that were created after their birth):
a code that any year's table of administrative divisions holds is normal,
and only one that never existed is a warning.
"""

from __future__ import annotations

import datetime
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum import numdb
from stdnum.cn import ric

# Stored untranslated by roster imports (a report is worded when it is read); worded here with gettext.
REGION_WARNING = gettext_noop(
    "The region code %(code)s (the first 6 digits of the ID number) is not in the table of "
    "administrative division codes; accepted as written, please check it."
)
MALE = "M"
FEMALE = "F"


class IDNumberError(ValueError):
    """The ID number is not acceptable; the message says why, for the user."""


class IDNumber(NamedTuple):  # a tuple: made a million times on a big import, at a third of a dataclass's cost
    value: str
    birth_date: datetime.date
    sex: str
    region_known: bool = True  # the code is in the table of administrative divisions, in any year

    @property
    def masked(self) -> str:
        return mask(self.value)

    @property
    def warnings(self) -> list[str]:
        """Built on demand: a million-row import counts its warnings but words only the first few."""
        if self.region_known:
            return []
        return [_(REGION_WARNING) % self.region_params]

    @property
    def region_params(self) -> dict[str, str]:
        """What REGION_WARNING quotes, for a message stored to be worded later in its reader's language."""
        return {"code": self.value[:6]}


def normalise(raw: str) -> str:
    """Full-width digits and letters to ASCII, spaces dropped, x upper-cased."""
    text = str(raw or "")
    if not text.isascii():  # NFKC leaves ASCII as it is; skipping it matters on a million rows
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()).upper()


def parse(
    raw: str,
    *,
    birth_date: datetime.date | None = None,
    sex: str | None = None,
    today: datetime.date | None = None,
) -> IDNumber:
    """Validate an 18-character ID number strictly; raise IDNumberError with the reason."""
    value = normalise(raw)
    if not value:
        raise IDNumberError(_("The ID number is empty."))
    if len(value) != 18:
        raise IDNumberError(_("An ID number has 18 characters; this one has %(count)d.") % {"count": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IDNumberError(_("An ID number is 17 digits followed by a digit or X."))
    born = birth_date_of(value)
    if born is None:
        raise IDNumberError(
            _("The birth date in the ID number (%(digits)s) is not a real date.") % {"digits": value[6:14]}
        )
    today = today or datetime.date.today()
    if born > today:
        raise IDNumberError(_("The birth date in the ID number is in the future."))
    if born.year < 1890:
        raise IDNumberError(_("The birth date in the ID number is impossibly early."))
    expected = ric.calc_check_digit(value)
    if value[17] != expected:
        raise IDNumberError(
            _("The check digit is wrong: the last character should be %(expected)s, not %(actual)s.")
            % {"expected": expected, "actual": value[17]}
        )
    id_sex = MALE if value[16] in "13579" else FEMALE
    if birth_date is not None and birth_date != born:
        raise IDNumberError(
            _("The ID number gives the birth date %(id_date)s but the record says %(date)s.")
            % {"id_date": born.isoformat(), "date": birth_date.isoformat()}
        )
    if sex is not None and sex != id_sex:
        raise IDNumberError(_("The sex digit of the ID number does not match the gender given."))
    return IDNumber(value, born, id_sex, region_known(value[:6]))


def birth_date_of(value: str) -> datetime.date | None:
    """The birth date in a well-formed number, None when those digits are no real date.

    What stdnum's get_birth_date does, without its generic clean-up of the
    input, which cost more than all our other checks on a million-row import.
    """
    return _date_of_digits(value[6:14])


@lru_cache(maxsize=65536)  # a century of birthdays is 36,525 dates; members share them
def _date_of_digits(digits: str) -> datetime.date | None:
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def region_known(region: str) -> bool:
    """Whether the six-digit region code was ever in use, in any year (stdnum's table, cached as it is slow).

    The year a code was created or retired does not matter: Chongqing members born before 1997
    carry 500xxx codes created that year, and others keep codes abolished since (DOMAIN §1).
    """
    if len(region) != 6 or not region.isdigit():
        return False
    return any("county" in properties for _part, properties in numdb.get("cn/loc").info(region))


MASK = "*"


def is_masked(value: str) -> bool:
    """Whether a (normalised) value is an ID number as `mask` shows it: 5001**********123X."""
    return len(value) == 18 and value[4:14] == MASK * 10 and (value[:4] + value[14:17]).isdigit()


def mask(value: str) -> str:
    """Show the first four and last four characters: 5001**********123X."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
