"""Members' share of seed_demo: members in every branch, the member's own account, transfers and hosting.

`demo`: 22–44 members per branch (~5,000), one member (李明) with an account,
three hosted members and three transfers (pending, returned, accepted), so the
demo's pages are not empty.  `city`: ~`member_target` members spread unevenly
over the city's branches, built on every core.  Both bulk-insert and then
rebuild the tallies the services would otherwise keep.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Iterator
from typing import Any

from vanguard.accounts.demo import make_user
from vanguard.accounts.models import Role
from vanguard.core import bulk, people, tree
from vanguard.core.demo import DemoContext, Scale, parallel_map
from vanguard.members import services, tallies
from vanguard.members.factories import MemberFactory, member_fields
from vanguard.members.models import Member
from vanguard.members.services import protected_id_columns
from vanguard.orgs.models import Kind, Organisation

# Branches per unit of work handed to a generating process: small enough to spread evenly, big enough to be cheap.
_BRANCHES_PER_CHUNK = 500


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "city":
        rows = _city_members(context.seed, context.branches, context.member_target)
        made = bulk.insert_rows(Member, rows, progress=lambda n: context.progress(f"{n} members"), every=100_000)
        context.progress(f"{made} members in all")
        context.progress(f"{tallies.rebuild()} member tallies")
        return
    rng = random.Random(context.seed)
    rows = (_member_row(rng, branch) for branch in context.branches for _ in range(rng.randint(22, 44)))
    made = bulk.insert_rows(Member, _unique_id_numbers(rows, rng))
    context.progress(f"{made} members")
    tallies.rebuild()  # the rows went in bulk, past the services that keep the tallies; the services below keep them
    branch = context.organisations["branch"]
    own = MemberFactory(organisation=branch, name="李明", gender="M")
    context.users["member"] = make_user("member", own.name, Role.MEMBER, branch, member=own)
    _workflows(context)


def _workflows(context: DemoContext) -> None:
    """Hosting, and transfers in every state, from the district to its neighbour."""
    district, neighbour = context.organisations["district"], context.organisations["neighbour"]
    sender, receiver = context.users["yuzhong"], context.users["jiangbei"]
    regional = Organisation.objects.get(kind=Kind.REGIONAL_BRANCH, parent=neighbour)
    for hosted in Member.objects.filter(tree.subtree_q("org_path", district.path), category="not_at_post")[:3]:
        services.set_host(member=hosted, host_organisation=regional, since=datetime.date(2005, 3, 1), actor=sender)
    movers = list(Member.objects.filter(tree.subtree_q("org_path", district.path), category="ordinary")[:3])
    target = Organisation.objects.filter(tree.subtree_q("path", neighbour.path), kind=Kind.BRANCH).first()
    transfers = [
        services.start_transfer(member=m, to_organisation=target, note="工作调动", actor=sender) for m in movers
    ]
    services.return_transfer(transfer=transfers[1], reason="介绍信缺党费缴纳证明", actor=receiver)
    services.accept_transfer(transfer=transfers[2], actor=receiver)


def _member_row(rng: random.Random, organisation: Organisation) -> dict[str, Any]:
    fields = member_fields(rng)
    fields.update(protected_id_columns(fields.pop("id_number")))
    return {**fields, "organisation_id": organisation.pk, "org_path": organisation.path, "work_unit": organisation.name}


def _city_members(seed: int, branches: list[Organisation], member_target: int) -> Iterator[dict[str, Any]]:
    """Column values (by attname) of members built like the demo's, spread unevenly over the branches.

    Building a member (name, dates, a valid ID number and its encryption) costs
    far more than storing it, so chunks of branches are built on every core.
    Each chunk has its own random generator: the city comes out the same
    whatever the number of processes.
    """
    per_branch = member_target / len(branches)
    chunks = [
        (f"{seed}:{start}", per_branch, [(b.pk, b.path, b.name) for b in branches[start : start + _BRANCHES_PER_CHUNK]])
        for start in range(0, len(branches), _BRANCHES_PER_CHUNK)
    ]
    with parallel_map(len(chunks)) as mapped:
        yield from _unique_id_numbers(
            (row for rows in mapped(_chunk_members, chunks) for row in rows), random.Random(seed)
        )


def _unique_id_numbers(rows: Iterable[dict[str, Any]], rng: random.Random) -> Iterator[dict[str, Any]]:
    """Redraw an ID number already used, as the issuing office would have.

    Random draws collide once there are tens of thousands of members (the
    numbers share birth dates and a few region codes), and the lookup hash is unique.
    """
    seen: set[str] = set()
    for row in rows:
        while row["id_number_hash"] in seen:
            row.update(protected_id_columns(people.id_number(rng, row["birth_date"], row["gender"])))
        seen.add(row["id_number_hash"])
        yield row


def _chunk_members(chunk: tuple[str, float, list[tuple[int, str, str]]]) -> list[dict[str, Any]]:
    seed, per_branch, branches = chunk
    rng = random.Random(seed)
    rows = []
    for pk, path, name in branches:
        for _ in range(max(1, round(rng.uniform(0.3, 1.7) * per_branch))):
            fields = member_fields(rng)
            protected = protected_id_columns(fields.pop("id_number"))
            rows.append({**fields, **protected, "organisation_id": pk, "org_path": path, "work_unit": name})
    return rows
