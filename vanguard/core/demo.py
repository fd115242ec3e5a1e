"""The demo city and the benchmark city (DOMAIN §1 scale), built from the apps' factories.

`demo`: a few districts, ~150 branches, ~5,000 members and a user for every role.
`city`: the seed-000 shape (40 districts/counties, 23 city departments, 3,247
grassroots committees, 2,744 general branches, 52,154 branches, ~1.5 million
members), bulk-inserted level by level.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import multiprocessing
import os
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max

from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.accounts.selectors import role_label_at
from vanguard.core import bulk, people, tree
from vanguard.members import services as member_services
from vanguard.members.factories import MemberFactory, member_fields
from vanguard.members.models import Member
from vanguard.members.services import protected_id_columns
from vanguard.orgs import services as org_services
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import Kind, Organisation, Sector

DEMO_PASSWORD = "vanguard2026"
DEMO_USERNAMES = ["office", "yuzhong", "jiangbei", "branch", "supervisor", "member"]

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


@dataclass
class DemoLogin:
    username: str
    role: str
    organisation: str


class CodeSequence:
    def __init__(self, start: int = 500100000001):
        self.next = start

    def __call__(self) -> str:
        value, self.next = self.next, self.next + 1
        return f"{value:012d}"


def _user(username: str, full_name: str, role: str, organisation: Organisation, member: Member | None = None) -> User:
    user = User.objects.create_user(username=username, password=DEMO_PASSWORD, first_name=full_name, member=member)
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation, valid_from=datetime.date(2005, 1, 1))
    return user


@transaction.atomic
def build_demo(*, seed: int = 2005, progress: Callable[[str], None] = print) -> list[DemoLogin]:
    """A small city: 4 districts and 2 departments, ~150 branches, ~5,000 members, users for each role."""
    rng = random.Random(seed)
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
    tops_first = tops[0]
    mobile_org = OrganisationFactory(
        name=f"{tops_first.name.removesuffix('委')}驻深圳流动党员党支部",
        kind=Kind.MOBILE_ORGANISATION,
        sector=Sector.SOCIAL_ORGANISATION,
        parent=tops_first,
        code=code(),
    )
    branches.append(mobile_org)
    progress(f"{Organisation.objects.count()} organisations, {len(branches)} branches")

    rows = (_member_row(rng, branch) for branch in branches for _ in range(rng.randint(22, 44)))
    made = bulk.insert_rows(Member, _unique_id_numbers(rows, rng))
    progress(f"{made} members")

    district = tops[0]
    branch = Organisation.objects.filter(kind=Kind.BRANCH, path__startswith=district.path).order_by("path").first()
    own = MemberFactory(organisation=branch, name="李明", gender="M")
    User.objects.create_superuser("root", password=DEMO_PASSWORD, first_name="系统管理员")
    office_user = _user("office", "市先教办", Role.ADMIN, city)
    yuzhong = _user("yuzhong", "渝中区委组织部", Role.SECRETARY, district)
    jiangbei = _user("jiangbei", "江北区委组织部", Role.SECRETARY, tops[1])
    _user("branch", "支部书记", Role.SECRETARY, branch)
    supervisor = _user("supervisor", "督导组", Role.SUPERVISOR, tops[2])
    RoleAssignment.objects.create(user=supervisor, role=Role.SUPERVISOR, organisation=tops[3])
    _user("member", own.name, Role.MEMBER, branch, member=own)
    _demo_workflows(district, tops[1], office_user, yuzhong, jiangbei)
    return demo_logins()


def _demo_workflows(district: Organisation, neighbour: Organisation, office: User, sender: User, receiver: User):
    """Hosting, transfers in every state and one reorganisation, so the demo's pages are not empty."""
    regional = Organisation.objects.get(kind=Kind.REGIONAL_BRANCH, parent=neighbour)
    for hosted in Member.objects.filter(tree.subtree_q("org_path", district.path), category="not_at_post")[:3]:
        member_services.set_host(
            member=hosted, host_organisation=regional, since=datetime.date(2005, 3, 1), actor=sender
        )
    movers = list(Member.objects.filter(tree.subtree_q("org_path", district.path), category="ordinary")[:3])
    target = Organisation.objects.filter(tree.subtree_q("path", neighbour.path), kind=Kind.BRANCH).first()
    sender_role = role_label_at(sender, district.path)
    receiver_role = role_label_at(receiver, neighbour.path)
    transfers = [
        member_services.start_transfer(
            member=m, to_organisation=target, note="工作调动", actor=sender, actor_role=sender_role
        )
        for m in movers
    ]
    member_services.return_transfer(
        transfer=transfers[1], reason="介绍信缺党费缴纳证明", actor=receiver, actor_role=receiver_role
    )
    member_services.accept_transfer(transfer=transfers[2], actor=receiver, actor_role=receiver_role)
    committees = list(Organisation.objects.filter(parent=district, kind=Kind.GRASSROOTS_COMMITTEE).order_by("path"))
    general = Organisation.objects.filter(parent=committees[1], kind=Kind.GENERAL_BRANCH).order_by("path").first()
    org_services.move_organisation(
        organisation=general,
        new_parent=committees[0],
        effective_on=datetime.date(2005, 3, 15),
        reason="街道区划调整",
        actor=office,
    )


def demo_logins() -> list[DemoLogin]:
    """Who can sign in to the demo, read back from the database."""
    logins = [DemoLogin("root", "superuser", "—")] if User.objects.filter(username="root").exists() else []
    for assignment in (
        RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES)
        .select_related("user", "organisation")
        .order_by("pk")
    ):
        logins.append(DemoLogin(assignment.user.username, assignment.role, assignment.organisation.name))
    return logins


def _member_row(rng: random.Random, organisation: Organisation) -> dict[str, Any]:
    fields = member_fields(rng)
    fields.update(protected_id_columns(fields.pop("id_number")))
    return {**fields, "organisation_id": organisation.pk, "org_path": organisation.path, "work_unit": organisation.name}


@transaction.atomic
def build_city(*, seed: int = 2005, member_target: int = 1_500_000, progress: Callable[[str], None] = print) -> None:
    """The seed-000 city for benchmarks: the tree level by level, then the members streamed in.

    One transaction, so a run that fails leaves the database empty and `seed_demo --if-empty` can simply retry.
    """
    rng = random.Random(seed)
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
            for i in range(3247)
            for suffix, sector in [COMMITTEE_NAMES[i % len(COMMITTEE_NAMES)]]
        ],
        code,
        pks,
    )
    generals = _bulk_level(
        [
            (f"{c.name.removesuffix('党委').removesuffix('党工委')}党总支", Kind.GENERAL_BRANCH, c.sector, c)
            for c in rng.sample(committees, 2744)
        ],
        code,
        pks,
    )
    parents = committees + generals
    branches = _bulk_level(
        [
            (f"{BRANCH_WORDS[i % len(BRANCH_WORDS)]}党支部", Kind.BRANCH, parent.sector, parent)
            for i in range(52154)
            for parent in [parents[i % len(parents)]]
        ],
        code,
        pks,
    )
    # The keys above were chosen here, not drawn from the database's sequence: move it past them.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Organisation]):
            cursor.execute(statement)
    progress(f"{Organisation.objects.count()} organisations")
    rows = _city_members(seed, branches, member_target)
    made = bulk.insert_rows(Member, rows, progress=lambda n: progress(f"{n} members"), every=100_000)
    progress(f"{made} members in all")


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
    org_services.assign_paths(orgs)
    Organisation.objects.bulk_create(orgs, batch_size=5000)
    return orgs


# Branches per unit of work handed to a generating process: small enough to spread evenly, big enough to be cheap.
_BRANCHES_PER_CHUNK = 500


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
    with _parallel_map() as parallel_map:
        yield from _unique_id_numbers(
            (row for rows in parallel_map(_chunk_members, chunks) for row in rows), random.Random(seed)
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


@contextlib.contextmanager
def _parallel_map() -> Iterator[Callable]:
    """An ordered, lazy map over worker processes forked from this one; the built-in map where that is impossible.

    Forked workers inherit the configured settings (the encryption key above
    all) and never use the database connection they also inherit.
    """
    processes = os.cpu_count() or 1
    if processes < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield map
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool.imap
