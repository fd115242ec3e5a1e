"""The kept item tallies always equal a recount, whatever sequence of item writes happened."""

import datetime
import random

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vanguard.opinions.models import Category
from vanguard.orgs import services as org_services
from vanguard.orgs.models import Organisation
from vanguard.rectification import tallies
from vanguard.rectification.models import ItemStatus, ItemTally, RectificationItem, Timing
from vanguard.rectification.tests.factories import make_item, make_plan

pytestmark = pytest.mark.django_db


def kept() -> dict:
    return {
        (t.organisation_id, t.campaign_id, t.category, t.status, t.timing): t.items
        for t in ItemTally.objects.exclude(items=0)
    }


def recounted() -> dict:
    counts: dict = {}
    for item in RectificationItem.objects.select_related("plan"):
        for org in Organisation.objects.all():
            if item.responsible_path.startswith(org.path):
                key = (org.pk, item.plan.campaign_id, item.category, item.status, item.timing)
                counts[key] = counts.get(key, 0) + 1
    return counts


def add(plan, rng, organisations):
    item = make_item(
        plan, category=rng.choice([Category.AT_ONCE, Category.DEADLINE]), responsible=rng.choice(organisations)
    )
    tallies.item_added(item)
    return item


def change(item, **fields):
    before = tallies.ItemKey.of(item)
    for name, value in fields.items():
        setattr(item, name, value)
    item.save()
    tallies.item_changed(item, before)


OPERATIONS = st.lists(st.sampled_from(["add", "done", "close", "explain", "reassign", "move"]), min_size=1, max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, seed=st.integers(0, 1000))
def test_deltas_equal_a_rebuild(city, operations, seed):
    # Each example starts from the same city: its writes are rolled back at the end.
    with transaction.atomic():
        run_operations(city, operations, seed)
        transaction.set_rollback(True)


def run_operations(city, operations, seed):
    rng = random.Random(seed)
    plan = make_plan(city.district_a)
    organisations = [city.district_a, city.committee_a, city.branch_a, city.branch_a2]
    items = [add(plan, rng, organisations)]
    for operation in operations:
        item = RectificationItem.objects.select_related("plan").get(pk=rng.choice(items).pk)
        if operation == "add":
            items.append(add(plan, rng, organisations))
        elif operation == "done":
            change(item, status=ItemStatus.DONE)
        elif operation == "close":
            change(item, status=ItemStatus.CLOSED, timing=rng.choice([Timing.ON_TIME, Timing.LATE]))
        elif operation == "explain":
            change(item, status=ItemStatus.EXPLAINED, category=Category.EXPLAIN)
        elif operation == "reassign":
            target = rng.choice(organisations)
            change(item, responsible=target, responsible_path=target.path)
        elif operation == "move":
            committee = Organisation.objects.get(pk=city.committee_a.pk)
            new_parent = city.district_b if committee.parent_id == city.district_a.pk else city.district_a
            org_services.move_organisation(
                organisation=committee, new_parent=new_parent, effective_on=datetime.date(2005, 1, 1)
            )
            organisations = [Organisation.objects.get(pk=o.pk) for o in organisations]
        assert kept() == recounted(), operation
    deltas = kept()
    tallies.rebuild()
    assert kept() == deltas


def test_an_item_counts_for_its_responsible_organisation_and_every_ancestor(city):
    plan = make_plan(city.root)
    tallies.item_added(make_item(plan, responsible=city.branch_a, category=Category.AT_ONCE))
    counted = set(ItemTally.objects.filter(items=1).values_list("organisation_id", flat=True))
    assert counted == {city.root.pk, city.district_a.pk, city.committee_a.pk, city.branch_a.pk}
    # The plan's organisation is not what counts: an item the city made for a branch is the branch's.
    assert not ItemTally.objects.filter(organisation=city.district_b).exists()


def test_tallies_follow_a_subtree_move(city):
    plan = make_plan(city.root)
    item = make_item(plan, responsible=city.branch_a)
    tallies.item_added(item)
    org_services.move_organisation(
        organisation=city.committee_a, new_parent=city.district_b, effective_on=datetime.date(2005, 1, 1)
    )
    by_org = dict(ItemTally.objects.values_list("organisation_id", "items"))
    assert by_org[city.district_a.pk] == 0
    assert by_org[city.district_b.pk] == 1
    assert by_org[city.root.pk] == 1
    assert kept() == recounted()


def test_rebuild_of_one_campaign_leaves_the_others(city):
    first, second = make_plan(city.district_a), make_plan(city.district_b)
    tallies.item_added(make_item(first))
    tallies.item_added(make_item(second))
    ItemTally.objects.update(items=7)
    tallies.rebuild(first.campaign)
    assert ItemTally.objects.get(campaign=first.campaign, organisation=city.district_a).items == 1
    assert ItemTally.objects.get(campaign=second.campaign, organisation=city.district_b).items == 7


def test_rebuild_command(city, capsys):
    plan = make_plan(city.district_a)
    tallies.item_added(make_item(plan))
    ItemTally.objects.update(items=99)
    with pytest.raises(Exception, match="differ"):
        call_command("rebuild_rectification_tallies", "--check")
    call_command("rebuild_rectification_tallies")
    assert kept() == recounted()
    call_command("rebuild_rectification_tallies", "--check")
