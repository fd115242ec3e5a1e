"""The share of seed_demo for assistance.

Demo scale, through the services (audited): in the demo district, 1+1 and 1+2 pairings between office members
and laid-off or retired members with help given; the demo branch paired with a needy person and a committee
with a community; the branch's promised services (three home safety checks and one cleaning a year) to four
listed households, some done; the district's fund with income, a grant paid, one refused and one waiting, asked
for by the demo branch.

City scale, in bulk (no audit per row): seed 003's pairs (87,000 branches with needy people, 15,000 units with
communities or “两新” organisations); a fund in every district, 10 million yuan and more in all (seed 000), its
first income written with its sealed audit entry.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from vanguard.assistance import events, services
from vanguard.assistance.models import Account, Entry, Fund, Household, Pairing, PairingKind, SpecialService
from vanguard.core import audit, bulk, tree
from vanguard.core.demo import DemoContext, Scale
from vanguard.members.models import Category, Member
from vanguard.orgs.models import BRANCH_KINDS, Kind, Organisation, Sector

CITY_BRANCH_PERSON = 87_000
CITY_UNIT_COMMUNITY = 15_000
CITY_FUND_YUAN = 10_400_000


def loaded() -> str:
    return "pairings" if Pairing.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "city":
        context.progress(seed_volume(context, rng=random.Random(context.seed)))
        return
    district_secretary, branch_secretary = context.users.get("yuzhong"), context.users.get("branch")
    if district_secretary is None or branch_secretary is None:
        return
    _demo_story(context, district_secretary, branch_secretary)
    context.progress(
        f"assistance: {Pairing.objects.count()} pairings, {Household.objects.count()} households,"
        f" {SpecialService.objects.count()} services, {Fund.objects.count()} funds"
    )


def _members(organisation: Organisation, n: int, **filters) -> list[Member]:
    return list(Member.objects.filter(tree.subtree_q("org_path", organisation.path), **filters).order_by("pk")[:n])


def _demo_story(context: DemoContext, district_secretary, branch_secretary) -> None:
    district, branch = context.organisations["district"], context.organisations["branch"]
    today = timezone.localdate()
    start = today - datetime.timedelta(days=120)
    helpers = _members(district, 3, category=Category.LEADER) or _members(district, 3)
    needy = _members(district, 3, category=Category.LAID_OFF) + _members(district, 3, category=Category.RETIRED)
    if len(helpers) >= 2 and len(needy) >= 3:
        one = services.make_pairing(
            actor=district_secretary, organisation=district, kind=PairingKind.ONE_PLUS_ONE, started_on=start,
            helper_member=helpers[0], helped=needy[:1], hardship="下岗失业，家有病人",
        )  # fmt: skip
        services.record_visit(actor=district_secretary, pairing=one, visited_on=start + datetime.timedelta(days=7),
                              help_kind="job", note="推荐到社区超市做理货员")  # fmt: skip
        two = services.make_pairing(
            actor=district_secretary, organisation=district, kind=PairingKind.ONE_PLUS_TWO, started_on=start,
            helper_member=helpers[1], helped=needy[1:3], hardship="子女上学困难",
        )  # fmt: skip
        services.record_visit(actor=district_secretary, pairing=two, visited_on=start + datetime.timedelta(days=20),
                              help_kind="schooling", note="资助两名子女本学期学杂费", value="1600")  # fmt: skip
    services.make_pairing(
        actor=branch_secretary, organisation=branch, kind=PairingKind.BRANCH_PERSON, started_on=start,
        helper_organisation=branch, partner_name="孤寡老人 陈婆婆", hardship="独居，行动不便",
    )  # fmt: skip
    committee = branch.parent.parent if branch.parent and branch.parent.parent else branch.parent
    community = (
        Organisation.objects.filter(tree.subtree_q("path", district.path), sector=Sector.COMMUNITY)
        .exclude(pk=committee.pk)
        .order_by("path")
        .first()
    )
    services.make_pairing(
        actor=district_secretary, organisation=district, kind=PairingKind.UNIT_COMMUNITY, started_on=start,
        helper_organisation=committee, partner_organisation=community,
        partner_name="" if community else "某“两新”组织党支部",
    )  # fmt: skip

    groups = ["model_worker", "martyr_family", "lonely_elderly", "disabled"]
    names = ["老劳模 周师傅", "烈属 何大娘", "孤老 吴大爷", "残疾人 郑先生"]
    for name, group in zip(names, groups, strict=True):
        services.list_household(actor=branch_secretary, organisation=branch, name=name, address="解放碑街道",
                                group=group, listed_on=start)  # fmt: skip
    services.schedule_services(actor=branch_secretary, organisation=branch, year=today.year,
                               promises={"safety_check": 3, "cleaning": 1})  # fmt: skip
    for service in SpecialService.objects.filter(household__organisation=branch, due_on__range=(start, today)).order_by(
        "due_on", "pk"
    )[:5]:
        services.record_service(actor=branch_secretary, service=service, done_on=min(today, service.due_on),
                                note="检查燃气、电路和门窗，已排除隐患")  # fmt: skip

    fund = services.set_up_fund(actor=district_secretary, organisation=district,
                                name=f"{district.name.removesuffix('委')}党员帮扶基金", set_up_on=start)  # fmt: skip
    services.record_income(actor=district_secretary, fund=fund, amount="200000", on=start, description="区财政拨款")
    services.record_income(actor=district_secretary, fund=fund, amount="35600.50", on=start,
                           description="党员自愿捐款")  # fmt: skip
    asks = [
        ("困难党员 刘某", "3000", "住院医疗"),
        ("下岗党员 王某", "1500", "子女学费"),
        ("特困户 张某", "800", "冬季取暖"),
    ]
    for i, (who, amount, purpose) in enumerate(asks):
        grant = services.request_grant(actor=branch_secretary, fund=fund, beneficiary=who, amount=amount,
                                       purpose=purpose, requested_at=branch)  # fmt: skip
        if i == 0:
            services.approve_grant(actor=district_secretary, grant=grant, on=today - datetime.timedelta(days=3))
        elif i == 1:
            services.refuse_grant(actor=district_secretary, grant=grant, reason="已由工会救助，不重复发放")


def seed_volume(context: DemoContext, *, rng: random.Random) -> str:
    today = timezone.localdate()
    branches = list(Organisation.objects.filter(kind__in=BRANCH_KINDS).values_list("pk", "path"))
    units = list(Organisation.objects.filter(kind=Kind.GRASSROOTS_COMMITTEE).values_list("pk", "path"))
    partners = list(
        Organisation.objects.filter(sector__in=[Sector.COMMUNITY, Sector.NON_PUBLIC_ENTERPRISE]).values_list(
            "pk", flat=True
        )
    )

    def rows():
        for i in range(CITY_BRANCH_PERSON):
            pk, path = branches[i % len(branches)]
            yield {
                "kind": PairingKind.BRANCH_PERSON, "organisation_id": pk, "org_path": path, "helper_member_id": None,
                "helper_organisation_id": pk, "partner_name": f"困难群众{i}", "partner_organisation_id": None,
                "hardship": "", "started_on": today - datetime.timedelta(days=rng.randrange(30, 400)),
                "ended_on": None, "created_by_id": None,
            }  # fmt: skip
        for i in range(CITY_UNIT_COMMUNITY):
            pk, path = units[i % len(units)]
            partner = rng.choice(partners) if partners else None
            yield {
                "kind": PairingKind.UNIT_COMMUNITY, "organisation_id": pk, "org_path": path, "helper_member_id": None,
                "helper_organisation_id": pk, "partner_name": "", "partner_organisation_id": partner,
                "hardship": "", "started_on": today - datetime.timedelta(days=rng.randrange(30, 400)),
                "ended_on": None, "created_by_id": None,
            }  # fmt: skip

    made = bulk.insert_rows(Pairing, rows(), every=50_000)
    # The district funds, each with its first income: few rows, written with their sealed audit entries (the
    # city has no logins, so no actor), so verify_audit holds their ledger as it holds one written by the services.
    districts = list(Organisation.objects.filter(kind=Kind.DISTRICT).order_by("path"))
    share = CITY_FUND_YUAN * 100 // max(len(districts), 1)
    set_up = today - datetime.timedelta(days=400)
    drafts = []
    for district in districts:
        fund = Fund.objects.create(
            organisation=district, org_path=district.path, name=f"{district.name}帮扶基金", set_up_on=set_up,
            balance_fen=share, income_fen=share,
        )  # fmt: skip
        entry = Entry.objects.create(
            fund=fund, org_path=fund.org_path, on=set_up, debit=Account.CASH, credit=Account.INCOME, amount_fen=share,
            description="财政拨款和党员捐款",
        )  # fmt: skip
        drafts.append(services.ENTRY_SEAL.draft(entry, event=events.INCOME_RECORDED, organisation=district.pk))
    audit.record_many(drafts)
    return f"assistance: {made} pairings, {len(districts)} district funds ({share * len(districts) // 100:,} yuan)"
