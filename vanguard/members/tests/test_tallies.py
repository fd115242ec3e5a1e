"""The kept tallies always equal a recount, whatever sequence of writes happened."""

import datetime
import random

import pytest
import xlsxwriter
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanguard.core import people
from vanguard.members import selectors, services, tallies
from vanguard.members.factories import MemberFactory
from vanguard.members.models import Member, MemberTally
from vanguard.orgs import services as org_services
from vanguard.orgs.models import Organisation
from vanguard.rosters.services import import_members

pytestmark = pytest.mark.django_db


def assert_tallies_match_a_recount():
    for org in Organisation.objects.all():
        for field in ("category", "status"):
            assert selectors.member_counts(org, field) == selectors.count_members_directly(org, field), (org, field)


OPERATIONS = st.lists(st.sampled_from(["create", "recategorise", "transfer", "move", "import"]), min_size=1, max_size=6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, seed=st.integers(0, 1000))
def test_any_sequence_of_writes_keeps_tallies_right(city, tmp_path, operations, seed):
    # Each example starts from the same city: its writes are rolled back at the end.
    with transaction.atomic():
        run_operations(city, tmp_path, operations, seed)
        transaction.set_rollback(True)


def run_operations(city, tmp_path, operations, seed):
    rng = random.Random(seed)
    branches = [city.branch_a, city.branch_a2, city.branch_b]
    for step, operation in enumerate(operations):
        members = list(Member.objects.all())
        if operation == "create":
            MemberFactory(organisation=rng.choice(branches), category=rng.choice(["ordinary", "retired", "leader"]))
        elif operation == "recategorise":
            services.update_member(member=rng.choice(members), fields={"category": rng.choice(["retired", "laid_off"])})
        elif operation == "transfer":
            member = rng.choice(members)
            target = rng.choice([b for b in branches if b.pk != member.organisation_id])
            if not member.transfers.filter(status__in=["pending", "returned"]).exists():
                services.accept_transfer(transfer=services.start_transfer(member=member, to_organisation=target))
        elif operation == "move":
            organisation = Organisation.objects.get(pk=city.committee_a.pk)
            new_parent = city.district_b if organisation.parent_id == city.district_a.pk else city.district_a
            org_services.move_organisation(
                organisation=organisation, new_parent=new_parent, effective_on=datetime.date(2005, 1, 1)
            )
        elif operation == "import":
            path = tmp_path / f"r{step}-{seed}.xlsx"
            book = xlsxwriter.Workbook(str(path))
            sheet = book.add_worksheet()
            sheet.write_row(0, 0, ["姓名", "身份证号", "入党时间", "党员类别"])
            born = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randrange(5000))
            sheet.write_row(1, 0, ["导入", people.id_number(rng, born, "M"), "2001-07-01", "离退休"])
            existing = rng.choice(members)
            sheet.write_row(2, 0, [existing.name, services.reveal_id_number(existing), existing.joined_on, "失联"])
            book.close()
            import_members(path=path, organisation=existing.organisation, user=city.office, commit=True)
        assert_tallies_match_a_recount()


def test_rebuild_and_check_command(city, capsys):
    MemberTally.objects.update(count=99)
    with pytest.raises(Exception, match="differ"):
        call_command("recount_members", "--check")
    call_command("recount_members")
    assert_tallies_match_a_recount()
    call_command("recount_members", "--check")
    assert "right" in capsys.readouterr().out


def test_a_tally_row_per_ancestor(city):
    assert tallies.subtree_counts(city.root.pk, "category") == {"ordinary": 2}
    assert tallies.subtree_counts(city.committee_a.pk, "category") == {"ordinary": 1}
