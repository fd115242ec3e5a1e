"""manage.py rotate_field_key over members' ID numbers: complete, resumable, refusing a wrong old key."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from vanguard.core import crypto
from vanguard.core.management.commands import rotate_field_key
from vanguard.core.tests.test_crypto import legacy_token
from vanguard.members import services
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member
from vanguard.orgs.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

OLD, NEW, WRONG = "the demo's key", "a fresh key after the leak", "not the old key"


def rotate(*args: str) -> str:
    out = io.StringIO()
    call_command("rotate_field_key", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def stored() -> list[tuple]:
    return list(Member.objects.order_by("pk").values_list("pk", "id_number_encrypted", "id_number_hash"))


def with_keys(settings, current: str, old: str = "") -> None:
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_KEY_OLD = current, old


@pytest.fixture(autouse=True)
def forget_settled_tables():
    crypto._settled.clear()  # tests change the keys and stored values under the same key ids


@pytest.fixture
def members(settings) -> dict[int, str]:
    """250 members with ID numbers sealed under OLD: pk → ID number."""
    with_keys(settings, OLD)
    branch = OrganisationFactory()
    built = {m.id_number_hash: m for m in MemberFactory.build_batch(260, organisation=branch)}  # one per ID number
    created = Member.objects.bulk_create(list(built.values())[:250])
    return {m.pk: services.reveal_id_number(m) for m in Member.objects.filter(pk__in=[m.pk for m in created])}


def test_rotating_the_demo_leaves_every_id_number_readable_and_searchable_under_the_new_key_only(settings):
    with_keys(settings, OLD)
    call_command("seed_demo", "--scale", "demo", verbosity=0)
    ids = {m.pk: services.reveal_id_number(m) for m in Member.objects.exclude(id_number_encrypted="")}
    assert len(ids) > 4000
    sample = sorted(ids)[::50]

    with_keys(settings, NEW, OLD)  # the web processes' settings during the run
    assert crypto.rekeying_pending(Member)
    output = rotate("--batch-size", "700")
    assert f"re-keyed {len(ids):,} ({len(ids):,} from key id {crypto.field_key(OLD).id})" in output
    assert not crypto.rekeying_pending(Member)

    with_keys(settings, NEW)  # the old key removed once the rotation is done
    rows = Member.objects.exclude(id_number_encrypted="").values_list("pk", "id_number_encrypted", "id_number_hash")
    assert {pk: crypto.decrypt(token) for pk, token, _ in rows} == ids
    assert all(token.startswith(crypto.field_key(NEW).prefix) for _, token, _ in rows)
    # Every stored hash is the new key's hash of the member's own ID number.
    assert {pk: digest for pk, _, digest in rows} == dict(
        zip(ids, crypto.lookup_hash_many(list(ids.values())), strict=True)
    )
    for pk in sample:
        assert services.find_by_id_number(ids[pk]).pk == pk
    assert "Every value decrypts" in rotate("--check")

    with_keys(settings, OLD)  # a leaked old key opens and finds nothing any more
    member = Member.objects.get(pk=sample[0])
    with pytest.raises(ValueError):
        services.reveal_id_number(member)
    assert all(services.find_by_id_number(ids[pk]) is None for pk in sample)
    with pytest.raises(CommandError, match="not right under the current key"):
        rotate("--check")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_a_rotation_stopped_after_its_first_batch_resumes_and_finishes(settings, members, monkeypatch, stop):
    with_keys(settings, NEW, OLD)
    real_write, calls = rotate_field_key.write_batch, []

    def write_then_stop(column, rows):
        real_write(column, rows)  # written inside the batch's transaction, then lost with it
        calls.append(len(rows))
        if len(calls) == 2:
            raise stop

    monkeypatch.setattr(rotate_field_key, "write_batch", write_then_stop)
    if stop is KeyboardInterrupt:  # Ctrl-C: told how far it got
        with pytest.raises(CommandError, match="Interrupted after re-keying 100 values"):
            rotate("--batch-size", "100")
    else:  # a crash
        with pytest.raises(RuntimeError):
            rotate("--batch-size", "100")
    new_prefix = crypto.field_key(NEW).prefix
    assert sum(token.startswith(new_prefix) for _, token, _ in stored()) == 100  # the first batch only
    # Half-way, ID numbers read and are found whichever key their row is under (every fifth, from both halves).
    for pk, value in list(members.items())[::5]:
        assert services.find_by_id_number(value).pk == pk
    assert {m.pk: services.reveal_id_number(m) for m in Member.objects.all()} == members
    with pytest.raises(CommandError):
        rotate("--check")  # not finished

    monkeypatch.undo()
    output = rotate("--batch-size", "100")
    assert "re-keyed 150 " in output and "already under the current key 100;" in output
    assert all(token.startswith(new_prefix) for _, token, _ in stored())
    rotate("--check")
    with_keys(settings, NEW)
    for pk, value in list(members.items())[::5]:
        assert services.find_by_id_number(value).pk == pk


@pytest.mark.parametrize("old", ["", WRONG])
def test_a_wrong_or_missing_old_key_is_refused_before_anything_is_written(settings, members, old):
    before = stored()
    with_keys(settings, NEW, old)
    with pytest.raises(CommandError, match=f"under key id {crypto.field_key(OLD).id}.*Nothing was changed"):
        rotate()
    assert stored() == before


def test_values_from_before_hkdf_are_converted_under_the_same_secret_and_a_wrong_key_is_refused(settings, members):
    """A database made before HKDF (the demo's): rotate_field_key with only the current key converts it."""
    for pk, value in members.items():
        token, digest = legacy_token(OLD, value)
        Member.objects.filter(pk=pk).update(id_number_encrypted=token, id_number_hash=digest)
    some_pk = next(iter(members))

    with_keys(settings, NEW, WRONG)
    before = stored()
    with pytest.raises(CommandError, match="does not decrypt.*Nothing was changed"):
        rotate()
    assert stored() == before

    with_keys(settings, OLD)
    assert services.find_by_id_number(members[some_pk]).pk == some_pk  # readable and found before converting
    assert "250 from before HKDF (g1)" in rotate("--batch-size", "90")
    rotate("--check")
    assert all(token.startswith(crypto.field_key(OLD).prefix) for _, token, _ in stored())
    for pk, value in list(members.items())[::5]:
        assert services.find_by_id_number(value).pk == pk


def test_during_a_rotation_an_id_number_not_yet_rekeyed_is_not_taken_twice(settings, members):
    pk, value = next(iter(members.items()))
    member = Member.objects.get(pk=pk)
    with_keys(settings, NEW, OLD)
    with translation.override("en"), pytest.raises(ValidationError, match="already has this ID number"):
        MemberFactory(
            organisation=member.organisation, id_number=value, birth_date=member.birth_date, gender=member.gender
        )
    # Saving the member's form with the ID number unchanged changes nothing (the rotation re-keys it).
    before = member.id_number_encrypted
    services.update_member(member=member, fields={}, id_number=value)
    member.refresh_from_db()
    assert member.id_number_encrypted == before


def test_a_roster_import_waits_for_the_rotation_then_matches_the_rekeyed_member(settings, request, tmp_path):
    from vanguard.rosters.services import import_members
    from vanguard.rosters.tests.test_services import write_xlsx

    with_keys(settings, OLD)
    city = request.getfixturevalue("city")
    member = city.member_a
    rows = [["姓名", "身份证号", "入党时间"], [member.name, services.reveal_id_number(member), member.joined_on]]
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    with_keys(settings, NEW, OLD)
    with translation.override("en"):
        report = import_members(path=path, organisation=city.branch_a, user=city.office, commit=True)
    assert not report.committed and "rotate_field_key" in report.problems[0].message
    assert Member.objects.count() == 2
    rotate()
    report = import_members(path=path, organisation=city.branch_a, user=city.office, commit=True)
    assert report.committed and (report.created, report.unchanged) == (0, 1)


def test_an_altered_value_is_left_and_reported_and_a_wrong_hash_is_recomputed(settings, members):
    pks = list(members)
    altered, misfiled = pks[100], pks[200]
    token = Member.objects.get(pk=altered).id_number_encrypted
    Member.objects.filter(pk=altered).update(
        id_number_encrypted=token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    )
    Member.objects.filter(pk=misfiled).update(id_number_hash="0" * 64)
    with_keys(settings, NEW, OLD)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 values could not be re-keyed"):
        call_command("rotate_field_key", stdout=out, stderr=io.StringIO())
    assert (
        "re-keyed 249 " in out.getvalue() and "unreadable 1;" in out.getvalue() and "recomputed: 1." in out.getvalue()
    )
    assert services.find_by_id_number(members[misfiled]).pk == misfiled
    assert not Member.objects.get(pk=altered).id_number_encrypted.startswith(crypto.field_key(NEW).prefix)
    with pytest.raises(CommandError, match="1 values are not right"):
        rotate("--check")


def test_the_same_key_twice_is_refused(settings, members):
    with_keys(settings, OLD, OLD)
    with pytest.raises(CommandError, match="same as VANGUARD_FIELD_KEY"):
        rotate()
