"""The mobile-member and assistance figures of the whole city and of one district, at seed scale.

    DATABASE_URL=postgres://…/vanguard_dcity python bench/mobility_assistance.py [--repeat 11] [--no-write]

The database is the city `seed_demo --scale city` built (1.5 million members).  It is migrated; when it holds no
mobile-member records, mobility's and assistance's city volume is added (`seed_volume` of each app's demo: the
service network, a record for every mobile member of the roll, cards for most of those away six months or more,
lost-contact cases with seed 003's 12,400 found; seed 003's 87,000 + 15,000 pairs and the district funds) and
timed.  Then `figures.compute` of each app runs for the city root and its first district, with the "need a card or
a transfer" count, and the section `mobility-assistance` of BENCHMARKS.md is rewritten.  No target is set by the
issue; the figures pages are meant to answer within a second for the city.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTION = "mobility-assistance"


class _Context:
    """What the apps' `seed_volume` read from seed_demo's context: the users (none at city scale)."""

    users: dict = {}
    seed = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database holding the seeded city (it is written to).")
    os.environ["VANGUARD_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanguard.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.measure import compare
    from bench.report import load_average, machine, write_section
    from vanguard.assistance import demo as assistance_demo
    from vanguard.assistance import figures as assistance_figures
    from vanguard.members.models import Member
    from vanguard.mobility import demo as mobility_demo
    from vanguard.mobility import figures as mobility_figures
    from vanguard.mobility import selectors
    from vanguard.mobility.models import MobileRecord
    from vanguard.orgs.models import Organisation

    call_command("migrate", verbosity=0)
    seeded = "already in the database"
    if not MobileRecord.objects.exists():
        started = time.perf_counter()
        rng = random.Random(0)
        with transaction.atomic():  # all or nothing: a run stopped half-way seeds again from scratch
            made = [mobility_demo.seed_volume(rng=rng), assistance_demo.seed_volume(_Context(), rng=rng)]
        with connection.cursor() as cursor:
            for table in ("mobility_mobilerecord", "mobility_card", "mobility_lostcontact", "mobility_servicepoint",
                          "assistance_pairing", "assistance_entry", "assistance_fund"):  # fmt: skip
                cursor.execute(f"VACUUM ANALYZE {table}")
        seeded = f"seeded in {time.perf_counter() - started:.1f} s ({'; '.join(made)})"
    root = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    district = Organisation.objects.filter(parent=root, kind="district").order_by("path").first()
    members = Member.objects.count()
    load = load_average()

    calls = [
        lambda: mobility_figures.compute(organisation=root, user=None),
        lambda: mobility_figures.compute(organisation=district, user=None),
        lambda: selectors.needing_card(root).count(),
        lambda: assistance_figures.compute(organisation=root, user=None),
        lambda: assistance_figures.compute(organisation=district, user=None),
    ]
    timings, results = compare(calls, repeat=args.repeat, warmup=2)
    city_m, district_m, need, city_a, district_a = results
    names = [
        f"mobility figures, city ({city_m.away_people:,} away, {city_m.point_total:,} service bodies, "
        f"{city_m.cards_valid:,} valid cards, {city_m.lost_found:,} found)",
        f"mobility figures, {district.name} ({district_m.away_people:,} away)",
        f"members of the city away six months or more with neither card nor transfer ({need:,})",
        f"assistance figures, city ({city_a.pair_total:,} pairs in force, balance {city_a.balance_fen // 100:,} yuan)",
        f"assistance figures, {district.name} ({district_a.pair_total:,} pairs)",
    ]
    rows = "\n".join(f"| {name} | {t.median:.1f} | {t.p95:.1f} |" for name, t in zip(names, timings, strict=True))
    env = machine()
    body = (
        f"""## Mobile members and assistance: the figures of the city

Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC with
`DATABASE_URL=postgres://…/vanguard_dcity python bench/mobility_assistance.py --repeat {args.repeat}` on the city
`seed_demo --scale city` built ({members:,} members); the mobility and assistance rows were {seeded}.

| Machine | |
|---|---|
"""
        + "\n".join(f"| {k} | {v} |" for k, v in env.items())
        + f"""
| Load average when measuring | {load} |

| what | median ms | p95 ms |
|---|---|---|
{rows}
"""
    )
    print(body)
    if not args.no_write:
        write_section(ROOT / "BENCHMARKS.md", SECTION, body)


if __name__ == "__main__":
    main()
