"""The share of seed_demo for mobile members and their service network.

Demo scale, through the services (audited): the 渝中 district's service centre, a station at each of its towns
and streets, contact points at a few branches, the 驻深圳 mobile-member branch as the organisation in another
province (its secretary signs in as `shenzhen`), and 江北's centre.  From the demo branch: one member away in
深圳, received there, carrying a card and with study recorded by the 深圳 branch; one registered to 深圳 and not yet
received; one gone to 浙江 for more than six months with no card (listed as needing a card or a transfer); one
back home.  The 深圳 branch registers a member from a home organisation outside the city.  In the district,
lost-contact members are looked for: one found, one case closed, the rest still searched.

City scale, in bulk (no audit per row): the seed-000 network of 7,258 service bodies (a centre per district, a
station per grassroots committee, contact points at branches, the 409 mobile-member organisations in other
provinces); a record for every mobile member of the roll, cards for most of those away six months or more; and
seed 003's 12,000+ lost-contact members found, with the rest of the lost-contact members still looked for.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from vanguard.accounts.demo import make_user
from vanguard.accounts.models import Role
from vanguard.campaigns.models import Campaign
from vanguard.core import bulk, dates, tree
from vanguard.core.demo import DemoContext, Scale
from vanguard.members.models import Category, Member
from vanguard.mobility import services
from vanguard.mobility.models import (
    OPEN_STATUSES,
    Card,
    LostContact,
    LostStatus,
    MobileRecord,
    PointRole,
    RecordStatus,
    ServicePoint,
)
from vanguard.orgs.models import BRANCH_KINDS, Kind, Organisation

# Seed 000: 7,258 service bodies, 409 of them mobile-member organisations in other provinces (the city tree's).
CITY_SERVICE_BODIES = 7_258
# Seed 003: “在‘两新’组织中找到各种长期联络不上的党员 1.2万多名”.
CITY_FOUND = 12_400
PROVINCES = {
    "深圳": "广东省深圳市", "东莞": "广东省东莞市", "广州": "广东省广州市", "上海": "上海市", "北京": "北京市",
    "宁波": "浙江省宁波市", "苏州": "江苏省苏州市", "厦门": "福建省厦门市", "成都": "四川省成都市",
    "昆明": "云南省昆明市", "乌鲁木齐": "新疆维吾尔自治区乌鲁木齐市",
}  # fmt: skip


def loaded() -> str:
    return "mobile-member records" if MobileRecord.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "city":
        context.progress(seed_volume(rng=random.Random(context.seed)))
        return
    district_secretary = context.users.get("yuzhong")
    branch_secretary = context.users.get("branch")
    if district_secretary is None or branch_secretary is None:
        return
    _demo_story(context, district_secretary, branch_secretary)
    context.progress(
        f"mobility: {ServicePoint.objects.count()} service bodies, {MobileRecord.objects.count()} records,"
        f" {Card.objects.count()} cards, {LostContact.objects.count()} lost-contact cases"
    )


def _province(name: str) -> str:
    return next((where for place, where in PROVINCES.items() if place in name), "广东省")


def _network(context: DemoContext, district_secretary) -> Organisation | None:
    district, neighbour = context.organisations["district"], context.organisations["neighbour"]
    today = timezone.localdate()
    set_up = datetime.date(2004, 10, 1)
    services.set_up_point(
        actor=district_secretary,
        organisation=district,
        role=PointRole.CENTRE,
        name=f"{district.name.removesuffix('委')}流动党员管理服务中心",
        service_area=f"{district.name.removesuffix('委')}全域",
        set_up_on=set_up,
        services=["rights", "jobs", "study"],
        contact="023-63800000",
    )
    for committee in Organisation.objects.filter(parent=district, kind=Kind.GRASSROOTS_COMMITTEE).order_by("path"):
        services.set_up_point(
            actor=district_secretary,
            organisation=committee,
            role=PointRole.STATION,
            name=f"{committee.name}流动党员管理服务站",
            service_area=committee.name.removesuffix("党委").removesuffix("党工委"),
            set_up_on=set_up + datetime.timedelta(days=30),
            services=["one_to_one", "jobs"],
        )
    for branch in Organisation.objects.filter(tree.subtree_q("path", district.path), kind=Kind.BRANCH).order_by("path")[
        :4
    ]:
        services.set_up_point(
            actor=district_secretary,
            organisation=branch,
            role=PointRole.CONTACT_POINT,
            name=f"{branch.name}流动党员联络点",
            service_area=branch.name.removesuffix("党支部"),
            set_up_on=set_up + datetime.timedelta(days=60),
        )
    outside = (
        Organisation.objects.filter(tree.subtree_q("path", district.path), kind=Kind.MOBILE_ORGANISATION)
        .order_by("path")
        .first()
    )
    if outside is not None:
        services.set_up_point(
            actor=district_secretary,
            organisation=outside,
            role=PointRole.OUTSIDE,
            name=outside.name,
            service_area="深圳市宝安区、龙岗区",
            province=_province(outside.name),
            set_up_on=set_up + datetime.timedelta(days=45),
            services=["rights", "farm_help", "study"],
            contact="0755-27000000",
        )
    neighbour_secretary = context.users.get("jiangbei")
    if neighbour_secretary is not None:
        services.set_up_point(
            actor=neighbour_secretary,
            organisation=neighbour,
            role=PointRole.CENTRE,
            name=f"{neighbour.name.removesuffix('委')}流动党员管理服务中心",
            service_area=f"{neighbour.name.removesuffix('委')}全域",
            set_up_on=min(today, set_up + datetime.timedelta(days=20)),
        )
    return outside


def _demo_story(context: DemoContext, district_secretary, branch_secretary) -> None:
    outside = _network(context, district_secretary)
    branch, district = context.organisations["branch"], context.organisations["district"]
    today = timezone.localdate()
    own = getattr(context.users.get("member"), "member", None)
    people = [
        m
        for m in Member.objects.filter(
            organisation=branch, category=Category.ORDINARY, joined_on__lte=today - datetime.timedelta(days=600)
        ).order_by("pk")[:8]
        if m != own
    ]
    shenzhen = None
    if outside is not None:
        shenzhen = make_user("shenzhen", f"{outside.name}书记", Role.SECRETARY, outside)
        context.users["shenzhen"] = shenzhen
    if len(people) >= 4:
        received = services.register_away(
            actor=branch_secretary,
            member=people[0],
            destination="广东省深圳市宝安区福永镇",
            away_since=today - datetime.timedelta(days=420),
            contact="13712345678",
            work="电子厂质检员",
            inflow_organisation=outside,
        )
        if shenzhen is not None:
            services.receive(actor=shenzhen, record=received, on=today - datetime.timedelta(days=400))
        services.issue_card(
            actor=branch_secretary,
            record=received,
            number="YZ2005-0001",
            issued_on=today - datetime.timedelta(days=380),
            valid_until=today + datetime.timedelta(days=200),
        )
        _study_away(people[0], shenzhen, today)
        if outside is not None:
            services.register_away(
                actor=branch_secretary,
                member=people[1],
                destination="广东省深圳市龙岗区",
                away_since=today - datetime.timedelta(days=20),
                contact="13512345678",
                inflow_organisation=outside,
            )
        services.register_away(
            actor=branch_secretary,
            member=people[2],
            destination="浙江省宁波市",
            away_since=today - datetime.timedelta(days=240),
            contact="13612345678",
            work="建筑工地",
        )
        back = services.register_away(
            actor=branch_secretary,
            member=people[3],
            destination="上海市",
            away_since=today - datetime.timedelta(days=500),
            contact="13812345678",
        )
        services.return_home(actor=branch_secretary, record=back, on=today - datetime.timedelta(days=30))
    if shenzhen is not None:
        services.register_inflow(
            actor=shenzhen,
            inflow_organisation=outside,
            name="罗建国",
            home_name="四川省南充市某村党支部",
            destination="广东省深圳市宝安区",
            away_since=today - datetime.timedelta(days=700),
            contact="13998765432",
            work="物流公司",
            outside_card="SC2004-1187",
        )
    _lost(district, district_secretary, today)


def _study_away(member: Member, shenzhen, today: datetime.date) -> None:
    """The 深圳 branch records the member's study there: the home branch sees it on the record's page."""
    from vanguard.study import services as study_services

    campaign = Campaign.objects.filter(org_path__in=[*tree.ancestor_paths(member.org_path), member.org_path]).first()
    if shenzhen is None or campaign is None or campaign.starts_on > today:
        return
    study_services.record_study(
        member=Member.objects.get(pk=member.pk),
        actor=shenzhen,
        campaign=campaign,
        activity="remote",
        studied_on=today,
        hours=3,
        what="驻深圳流动党员党支部集中学习《党章》",
    )


def _lost(district: Organisation, district_secretary, today: datetime.date) -> None:
    lost = list(
        Member.objects.filter(tree.subtree_q("org_path", district.path), category=Category.LOST_CONTACT).order_by("pk")[
            :6
        ]
    )
    for i, member in enumerate(lost):
        case = services.open_lost_contact(
            actor=district_secretary,
            member=member,
            lost_since=today - datetime.timedelta(days=900 + 100 * i),
            last_known=["南岸区弹子石", "外出打工，去向不明", "原单位破产后失去联系"][i % 3],
        )
        services.record_search(
            actor=district_secretary,
            case=case,
            searched_on=today - datetime.timedelta(days=60),
            method="phone",
            result="原号码已停机",
        )
        if i == 0:
            services.record_search(
                actor=district_secretary,
                case=case,
                searched_on=today - datetime.timedelta(days=20),
                method="other_organisation",
                result="经深圳市某“两新”组织党支部核实，本人在该企业工作",
            )
            services.mark_found(
                actor=district_secretary,
                case=case,
                on=today - datetime.timedelta(days=15),
                where="深圳市宝安区某电子企业党支部",
            )
        elif i == 1:
            services.close_case(
                actor=district_secretary,
                case=case,
                on=today - datetime.timedelta(days=5),
                reason="经派出所核实已于2003年去世",
            )


# --- city scale ----------------------------------------------------------------------------------------------------


def seed_volume(*, rng: random.Random, today: datetime.date | None = None) -> str:
    """The seed-000/003 volume in bulk: the network, a record per mobile member, cards, lost-contact cases."""
    today = today or timezone.localdate()
    points = _city_network(rng)
    records, cards = _city_records(rng, today)
    found, searching = _city_lost(rng, today)
    return (
        f"mobility: {points} service bodies, {records} records, {cards} cards,"
        f" {found} lost-contact members found, {searching} still looked for"
    )


def _city_network(rng: random.Random) -> int:
    set_up = datetime.date(2004, 10, 1)
    districts = list(Organisation.objects.filter(kind=Kind.DISTRICT).values_list("pk", "path", "name"))
    committees = list(Organisation.objects.filter(kind=Kind.GRASSROOTS_COMMITTEE).values_list("pk", "path", "name"))
    outside = list(Organisation.objects.filter(kind=Kind.MOBILE_ORGANISATION).values_list("pk", "path", "name"))
    contact_points = CITY_SERVICE_BODIES - len(districts) - len(committees) - len(outside)
    branch_rows = list(
        Organisation.objects.filter(kind__in=BRANCH_KINDS)
        .exclude(kind=Kind.MOBILE_ORGANISATION)
        .order_by("path")
        .values_list("pk", "path", "name")
    )
    branches = rng.sample(branch_rows, min(max(contact_points, 0), len(branch_rows)))

    def rows():
        for role, chosen, suffix in (
            (PointRole.CENTRE, districts, "流动党员管理服务中心"),
            (PointRole.STATION, committees, "流动党员管理服务站"),
            (PointRole.CONTACT_POINT, branches, "流动党员联络点"),
        ):
            for pk, path, name in chosen:
                yield {
                    "organisation_id": pk, "org_path": path, "role": role, "name": f"{name}{suffix}",
                    "service_area": name, "province": "", "services": ["jobs"], "contact": "", "set_up_on": set_up,
                }  # fmt: skip
        for pk, path, name in outside:
            yield {
                "organisation_id": pk, "org_path": path, "role": PointRole.OUTSIDE, "name": name,
                "service_area": name, "province": _province(name), "services": ["rights", "study"], "contact": "",
                "set_up_on": set_up,
            }  # fmt: skip

    return bulk.insert_rows(ServicePoint, rows())


def _city_records(rng: random.Random, today: datetime.date) -> tuple[int, int]:
    """A record for every mobile member of the roll; a card for four in five of those away six months or more."""
    cutoff = services.card_cutoff(today)
    receivers = list(Organisation.objects.filter(kind=Kind.MOBILE_ORGANISATION).values_list("pk", "path"))
    mobile = Member.objects.filter(category=Category.MOBILE).values_list(
        "pk", "name", "organisation_id", "org_path", "mobile_since", "mobile_place", "joined_on"
    )
    card_rows = []

    def rows():
        # Read first: on PostgreSQL the rows stream out by COPY on the same connection, which cannot also hold a
        # server-side cursor open (the two waited on each other).
        for pk, name, organisation_id, path, since, place, joined in list(mobile):
            since = max(since or today - datetime.timedelta(days=rng.randrange(30, 1500)), joined)
            inflow = rng.choice(receivers) if receivers and rng.random() < 0.4 else None
            received = inflow is not None and rng.random() < 0.8
            yield {
                "member_id": pk, "name": name, "home_organisation_id": organisation_id, "home_path": path,
                "home_name": "", "inflow_organisation_id": inflow[0] if inflow else None,
                "inflow_path": inflow[1] if inflow else "", "destination": place or "广东省", "away_since": since,
                "contact": "13800000000", "work": "", "outside_card": "",
                "status": RecordStatus.RECEIVED if received else RecordStatus.AWAY,
                "received_on": min(today, since + datetime.timedelta(days=14)) if received else None,
                "ended_on": None, "category_before": "", "created_by_id": None,
            }  # fmt: skip
            if since <= cutoff and rng.random() < 0.8:
                issued = min(today, since + datetime.timedelta(days=rng.randrange(1, 90)))
                card_rows.append((pk, organisation_id, path, inflow[1] if received else "", issued))

    made = bulk.insert_rows(MobileRecord, rows(), every=50_000)
    record_of = dict(
        MobileRecord.objects.filter(status__in=OPEN_STATUSES, member__isnull=False).values_list("member_id", "pk")
    )
    cards = bulk.insert_rows(
        Card,
        (
            {
                "member_id": pk,
                "record_id": record_of.get(pk),
                "number": f"CQ{pk:09d}",
                "issued_by_id": org_id,
                "org_path": path,
                "inflow_path": inflow_path,
                "issued_on": issued,
                "valid_until": max(dates.add_years(issued, 2), today + datetime.timedelta(days=30)),
                "renewals": 1 if issued.year < today.year - 1 else 0,
                "returned_on": None,
            }  # fmt: skip
            for pk, org_id, path, inflow_path, issued in card_rows
        ),
        every=50_000,
    )
    return made, cards


def _city_lost(rng: random.Random, today: datetime.date) -> tuple[int, int]:
    """Every lost-contact member of the roll is looked for; seed 003's 12,000+ found, drawn from members who are
    ordinary on the roll now (found, they are back in contact), so no member's category changes here."""
    searching = list(
        Member.objects.filter(category=Category.LOST_CONTACT).values_list("pk", "organisation_id", "org_path")
    )
    ordinary = Member.objects.filter(category=Category.ORDINARY).values_list("pk", "organisation_id", "org_path")
    found = [row for row in ordinary.iterator(chunk_size=50_000) if rng.random() < 0.02][:CITY_FOUND]  # read first
    rows = (
        {
            "member_id": pk,
            "organisation_id": org_id,
            "org_path": path,
            "lost_since": today - datetime.timedelta(days=rng.randrange(400, 3000)),
            "last_known": "",
            "status": LostStatus.FOUND if is_found else LostStatus.SEARCHING,
            "found_on": today - datetime.timedelta(days=rng.randrange(1, 300)) if is_found else None,
            "found_where": "“两新”组织党支部" if is_found else "",
            "closed_on": None,
            "closing_reason": "",
            "category_before": Category.ORDINARY if is_found else "",
            "opened_by_id": None,
        }  # fmt: skip
        for rows_, is_found in ((found, True), (searching, False))
        for pk, org_id, path in rows_
    )
    bulk.insert_rows(LostContact, rows, every=50_000)
    return len(found), len(searching)
