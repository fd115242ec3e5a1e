import datetime

from hypothesis import given
from hypothesis import strategies as st

from vanguard.core import dates
from vanguard.members.filters import AGE_BANDS, age_band_q


def band_of(age: int) -> str:
    for band, (low, high) in AGE_BANDS.items():
        if (low is None or age >= low) and (high is None or age < high):
            return band
    raise AssertionError(age)


def matches(query, birth: datetime.date) -> bool:
    """Evaluate the birth_date conditions of a Q without a database."""
    for lookup, value in query.children:
        if lookup == "birth_date__lte" and not birth <= value:
            return False
        if lookup == "birth_date__gt" and not birth > value:
            return False
    return True


@given(
    birth=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2008, 1, 1)),
    today=st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2030, 12, 31)),
)
def test_each_birth_date_falls_in_exactly_the_band_of_its_age(birth, today):
    age = dates.age_on(birth, today)
    found = [band for band in AGE_BANDS if matches(age_band_q(band, today), birth)]
    assert found == [band_of(age)]
