import datetime
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vanguard.core import idnumber, people

VALID = "11010519491231002X"  # the GB 11643 example: born 1949-12-31, female


def test_valid_number_parses_with_birth_date_and_sex():
    parsed = idnumber.parse(VALID)
    assert parsed.value == VALID
    assert parsed.birth_date == datetime.date(1949, 12, 31)
    assert parsed.sex == idnumber.FEMALE


def test_lowercase_x_and_full_width_digits_are_normalised():
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert idnumber.parse(full_width).value == VALID
    assert idnumber.parse(" 110105 19491231 002x ").value == VALID


def test_wrong_check_digit_names_the_expected_digit():
    with pytest.raises(idnumber.IDNumberError, match="X"):
        idnumber.parse("110105194912310021")


def test_impossible_birth_date_is_rejected():
    body = "11010519490230002"  # 30 February
    with pytest.raises(idnumber.IDNumberError, match="19490230"):
        idnumber.parse(body + "0")


def test_future_birth_date_is_rejected():
    rng = random.Random(1)
    number = people.id_number(rng, datetime.date(2030, 1, 1), "M")
    with pytest.raises(idnumber.IDNumberError):
        idnumber.parse(number, today=datetime.date(2026, 1, 1))


@pytest.mark.parametrize("raw", ["", "123", "1101051949123100", "11010519491231002XX", "A1010519491231002X"])
def test_wrong_length_or_characters_are_rejected(raw):
    with pytest.raises(idnumber.IDNumberError):
        idnumber.parse(raw)


def test_birth_date_must_match_the_record():
    with pytest.raises(idnumber.IDNumberError, match="1949-12-31"):
        idnumber.parse(VALID, birth_date=datetime.date(1950, 1, 1))


def test_sex_digit_must_match_the_record():
    with pytest.raises(idnumber.IDNumberError):
        idnumber.parse(VALID, sex=idnumber.MALE)
    assert idnumber.parse(VALID, sex=idnumber.FEMALE).sex == idnumber.FEMALE


def test_only_a_region_code_that_never_existed_is_a_warning():
    # 500103 (渝中区) was created in 1997; a member born in 1960 carries it anyway, which is normal (DOMAIN §1).
    for region in ("500103", "510202", "110105"):  # 510202: a Sichuan code Chongqing members keep after 1997
        number = people.id_number(random.Random(2), datetime.date(1960, 5, 4), "M", region=region)
        assert idnumber.parse(number).warnings == [], region
    never = people.id_number(random.Random(2), datetime.date(1960, 5, 4), "M", region="500199")
    (warning,) = idnumber.parse(never).warnings
    assert "500199" in warning and "1960" not in warning
    assert not idnumber.region_known("999999") and idnumber.region_known("500103")


def test_a_masked_number_is_recognised():
    assert idnumber.is_masked(idnumber.mask("50010319900101123X"))
    assert not idnumber.is_masked("50010319900101123X") and not idnumber.is_masked("5001****")


def test_mask_shows_first_and_last_four():
    assert idnumber.mask("50010319900101123X") == "5001**********123X"
    assert idnumber.mask("123") == "***"


birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2008, 12, 31))


@given(birth=birth_dates, sex=st.sampled_from("MF"), seed=st.integers(0, 10**6))
def test_generated_numbers_round_trip(birth, sex, seed):
    number = people.id_number(random.Random(seed), birth, sex)
    parsed = idnumber.parse(number, birth_date=birth, sex=sex)
    assert parsed.birth_date == birth and parsed.sex == sex


@given(birth=birth_dates, seed=st.integers(0, 10**6), position=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_error_is_caught(birth, seed, position, delta):
    number = people.id_number(random.Random(seed), birth, "M")
    digit = (int(number[position]) + delta) % 10
    corrupted = number[:position] + str(digit) + number[position + 1 :]
    with pytest.raises(idnumber.IDNumberError):
        idnumber.parse(corrupted, birth_date=birth, sex="M")
