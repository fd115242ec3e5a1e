"""Orgs' share of seed_demo: the organisation tree, the campaign's staff, and one reorganisation.

`demo`: 重庆市委 with four districts and two city departments, ~150 branches,
and the users who hold roles at them (the office, two district secretaries, a
branch secretary, a supervisor).  `city`: the seed-000 tree (CITY_SHAPE),
bulk-inserted level by level.  The context gets the branches (where members go)
and the named organisations later steps use.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterator

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max

from vanguard.accounts.demo import make_user
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.core.demo import DemoContext, Scale
from vanguard.orgs import services
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind, Organisation, Sector

# Sizes of the seed-000 city below its 40 districts/counties and 23 city departments (DOMAIN §1).
CITY_SHAPE = {"committees": 3247, "general_branches": 2744, "branches": 52154, "mobile_organisations": 409}

# Where mobile-member organisations in other provinces are set up (one per district and place).
MOBILE_PLACES = ["深圳", "东莞", "广州", "上海", "北京", "宁波", "苏州", "厦门", "成都", "昆明", "乌鲁木齐"]

DISTRICTS = [
    "渝中区",
    "江北区",
    "沙坪坝区",
    "九龙坡区",
    "南岸区",
    "渝北区",
    "巴南区",
    "北碚区",
    "万州区",
    "涪陵区",
    "大渡口区",
    "长寿区",
    "江津区",
    "合川区",
    "永川区",
    "南川区",
    "綦江区",
    "大足区",
    "璧山区",
    "铜梁区",
    "潼南区",
    "荣昌区",
    "开州区",
    "梁平区",
    "武隆区",
    "城口县",
    "丰都县",
    "垫江县",
    "忠县",
    "云阳县",
    "奉节县",
    "巫山县",
    "巫溪县",
    "石柱土家族自治县",
    "秀山土家族苗族自治县",
    "酉阳土家族苗族自治县",
    "彭水苗族土家族自治县",
    "黔江区",
    "双桥区",
    "万盛区",
]
DEPARTMENTS = [
    "市教委",
    "市卫生局",
    "市交委",
    "市建委",
    "市商委",
    "市农委",
    "市国资委",
    "市科委",
    "市公安局",
    "市财政局",
    "市民政局",
    "市文广局",
    "市工商局",
    "市税务局",
    "市环保局",
    "市水利局",
    "市统计局",
    "市质监局",
    "市旅游局",
    "市体育局",
    "市司法局",
    "市人事局",
    "市外经贸委",
]
COMMITTEE_NAMES = [
    ("街道党工委", Sector.COMMUNITY),
    ("镇党委", Sector.TOWNSHIP),
    ("集团公司党委", Sector.STATE_ENTERPRISE),
    ("中学党委", Sector.SCHOOL),
    ("人民医院党委", Sector.HOSPITAL),
    ("商务楼宇党委", Sector.BUILDING),
    ("非公企业党委", Sector.NON_PUBLIC_ENTERPRISE),
    ("研究院党委", Sector.RESEARCH),
]
PLACE_WORDS = [
    "解放碑",
    "朝天门",
    "大坪",
    "石油路",
    "观音桥",
    "五里店",
    "磁器口",
    "杨家坪",
    "南坪",
    "龙头寺",
    "鱼洞",
    "天生",
    "双碑",
    "歇马",
    "人和",
    "回兴",
    "李家沱",
    "黄桷坪",
    "化龙桥",
    "两路口",
]
BRANCH_WORDS = [
    "第一",
    "第二",
    "第三",
    "第四",
    "第五",
    "第六",
    "机关",
    "离退休",
    "社区",
    "综合",
    "教工",
    "学生",
    "门诊",
    "生产",
    "技术",
    "营销",
]


class CodeSequence:
    """Official codes, 12 digits, handed out in order."""

    def __init__(self, start: int = 500100000001):
        self.next = start

    def __call__(self) -> str:
        value, self.next = self.next, self.next + 1
        return f"{value:012d}"


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "city":
        context.branches = build_city_tree(random.Random(context.seed))
        context.progress(f"{Organisation.objects.count()} organisations")
        return
    build_demo_tree(context)
    context.progress(f"{Organisation.objects.count()} organisations, {len(context.branches)} branches")
    _staff(context)
    context.later(lambda: _reorganisation(context))


def loaded() -> str:
    """What the database already holds of the tree ('' when nothing): seed_demo fills an empty tree only."""
    return "organisations" if Organisation.objects.exists() else ""


def build_demo_tree(context: DemoContext) -> None:
    """A small city: 4 districts and 2 departments, each with committees, general branches and branches."""
    code = CodeSequence()
    city = OrganisationFactory(name="重庆市委", kind=Kind.CITY_COMMITTEE, sector=Sector.GOVERNMENT, code=code())
    office = OrganisationFactory(
        name="市先进性教育活动办公室临时党支部",
        kind=Kind.TEMPORARY_BRANCH,
        sector=Sector.GOVERNMENT,
        parent=city,
        code=code(),
    )
    tops = [
        OrganisationFactory(name=f"{n}委", kind=Kind.DISTRICT, sector=Sector.GOVERNMENT, parent=city, code=code())
        for n in DISTRICTS[:4]
    ]
    tops += [
        OrganisationFactory(
            name=f"{n}党委", kind=Kind.CITY_DEPARTMENT, sector=Sector.GOVERNMENT, parent=city, code=code()
        )
        for n in DEPARTMENTS[:2]
    ]
    branches: list[Organisation] = [office]
    for top in tops:
        for i in range(3):
            suffix, sector = COMMITTEE_NAMES[(i + tops.index(top)) % len(COMMITTEE_NAMES)]
            place = PLACE_WORDS[(tops.index(top) * 3 + i) % len(PLACE_WORDS)]
            committee = OrganisationFactory(
                name=f"{place}{suffix}", kind=Kind.GRASSROOTS_COMMITTEE, sector=sector, parent=top, code=code()
            )
            for j in range(2):
                general = OrganisationFactory(
                    name=f"{place}第{'一二'[j]}党总支",
                    kind=Kind.GENERAL_BRANCH,
                    sector=sector,
                    parent=committee,
                    code=code(),
                )
                for k in range(4):
                    branches.append(
                        OrganisationFactory(
                            name=f"{place}{BRANCH_WORDS[(j * 4 + k) % len(BRANCH_WORDS)]}党支部",
                            kind=Kind.BRANCH,
                            sector=sector,
                            parent=general,
                            code=code(),
                        )
                    )
        branches.append(
            OrganisationFactory(
                name=f"{top.name.removesuffix('委')}区域党支部",
                kind=Kind.REGIONAL_BRANCH,
                sector=Sector.COMMUNITY,
                parent=top,
                code=code(),
            )
        )
    mobile_org = OrganisationFactory(
        name=f"{tops[0].name.removesuffix('委')}驻深圳流动党员党支部",
        kind=Kind.MOBILE_ORGANISATION,
        sector=Sector.SOCIAL_ORGANISATION,
        parent=tops[0],
        code=code(),
    )
    branches.append(mobile_org)
    district = tops[0]
    context.branches = branches
    context.organisations.update(
        city=city,
        tops=tops,
        district=district,  # 渝中区委: the yuzhong secretary's
        neighbour=tops[1],  # 江北区委: the jiangbei secretary's
        branch=Organisation.objects.filter(kind=Kind.BRANCH, path__startswith=district.path).order_by("path").first(),
    )


def _staff(context: DemoContext) -> None:
    """The users who run the campaign, each holding a role at an organisation of the demo tree."""
    places = context.organisations
    tops = places["tops"]
    context.users.update(
        office=make_user("office", "市先教办", Role.ADMIN, places["city"]),
        yuzhong=make_user("yuzhong", "渝中区委组织部", Role.SECRETARY, places["district"]),
        jiangbei=make_user("jiangbei", "江北区委组织部", Role.SECRETARY, places["neighbour"]),
        branch=make_user("branch", "支部书记", Role.SECRETARY, places["branch"]),
        supervisor=make_user("supervisor", "督导组", Role.SUPERVISOR, tops[2]),
    )
    RoleAssignment.objects.create(user=context.users["supervisor"], role=Role.SUPERVISOR, organisation=tops[3])


def _reorganisation(context: DemoContext) -> None:
    """One general branch moved to a neighbouring committee, after every app's data so that all of it moves."""
    district = context.organisations["district"]
    committees = list(Organisation.objects.filter(parent=district, kind=Kind.GRASSROOTS_COMMITTEE).order_by("path"))
    general = Organisation.objects.filter(parent=committees[1], kind=Kind.GENERAL_BRANCH).order_by("path").first()
    services.move_organisation(
        organisation=general,
        new_parent=committees[0],
        effective_on=datetime.date(2005, 3, 15),
        reason="街道区划调整",
        actor=context.users["office"],
    )


def build_city_tree(rng: random.Random) -> list[Organisation]:
    """The seed-000 tree, level by level; returns the branches, which take the members."""
    code = CodeSequence()
    city = OrganisationFactory(name="重庆市委", kind=Kind.CITY_COMMITTEE, sector=Sector.GOVERNMENT, code=code())
    pks = itertools.count(Organisation.objects.aggregate(last=Max("pk"))["last"] + 1)
    tops = _bulk_level(
        [(f"{n}委", Kind.DISTRICT, Sector.GOVERNMENT, city) for n in DISTRICTS]
        + [(f"{n}党委", Kind.CITY_DEPARTMENT, Sector.GOVERNMENT, city) for n in DEPARTMENTS],
        code,
        pks,
    )
    committees = _bulk_level(
        [
            (f"{rng.choice(PLACE_WORDS)}{suffix}", Kind.GRASSROOTS_COMMITTEE, sector, tops[i % len(tops)])
            for i in range(CITY_SHAPE["committees"])
            for suffix, sector in [COMMITTEE_NAMES[i % len(COMMITTEE_NAMES)]]
        ],
        code,
        pks,
    )
    generals = _bulk_level(
        [
            (f"{c.name.removesuffix('党委').removesuffix('党工委')}党总支", Kind.GENERAL_BRANCH, c.sector, c)
            for c in rng.sample(committees, CITY_SHAPE["general_branches"])
        ],
        code,
        pks,
    )
    # Set up by the districts in the provinces their members go to (seed 000: 409); members stay on their home roll.
    districts = [top for top in tops if top.kind == Kind.DISTRICT]
    _bulk_level(
        [
            (
                f"{d.name.removesuffix('委')}驻{MOBILE_PLACES[i % len(MOBILE_PLACES)]}流动党员党支部",
                Kind.MOBILE_ORGANISATION,
                Sector.SOCIAL_ORGANISATION,
                d,
            )
            for i in range(CITY_SHAPE["mobile_organisations"])
            for d in [districts[i % len(districts)]]
        ],  # fmt: skip
        code,
        pks,
    )
    parents = committees + generals
    branches = _bulk_level(
        [
            (f"{BRANCH_WORDS[i % len(BRANCH_WORDS)]}党支部", Kind.BRANCH, parent.sector, parent)
            for i in range(CITY_SHAPE["branches"])
            for parent in [parents[i % len(parents)]]
        ],
        code,
        pks,
    )
    # The keys above were chosen here, not drawn from the database's sequence: move it past them.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Organisation]):
            cursor.execute(statement)
    return branches


def _bulk_level(
    rows: list[tuple[str, str, str, Organisation]], code: CodeSequence, pks: Iterator[int]
) -> list[Organisation]:
    """Insert one level of the tree with its paths already filled in.

    Choosing the primary keys here lets the path (built from them) go into the
    INSERT: inserting placeholders and fixing them with bulk_update costs a
    CASE WHEN per row that grows with the batch, minutes for the 52,154 branches.
    """
    orgs = [
        Organisation(pk=next(pks), name=name, kind=kind, sector=sector, parent=parent, code=code())
        for name, kind, sector, parent in rows
    ]
    services.assign_paths(orgs)
    Organisation.objects.bulk_create(orgs, batch_size=5000)
    return orgs
