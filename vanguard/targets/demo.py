"""The share of seed_demo for target management.

Demo scale, through the services (audited): the 渝中 district's “双百分” sheet for its towns and streets (party
building and economic and social development, 100 points each), letters to its committees for this year, signed,
with targets broken down and evidence; two assessed and ranked, one still running.  The office's “六定任务”
sheet for city departments, with letters issued.  City scale: nothing (the benchmark city has no logins).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from vanguard.accounts.demo import make_user
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.core.demo import DemoContext, Scale
from vanguard.orgs.models import Kind, Organisation
from vanguard.targets import services
from vanguard.targets.models import Letter

DOUBLE_HUNDRED_PARTS = [
    {"key": "party", "name": "党建工作目标", "total": 100},
    {"key": "development", "name": "经济社会发展目标", "total": 100},
]
DOUBLE_HUNDRED_ITEMS = [
    {"part": "party", "title": "领导班子和干部队伍建设", "points": 25, "criterion": "班子团结、民主生活会质量"},
    {"part": "party", "title": "保持共产党员先进性教育活动", "points": 35, "criterion": "按阶段完成各环节，群众满意度"},
    {"part": "party", "title": "基层组织建设和党员管理", "points": 25, "criterion": "软弱涣散党组织整顿、流动党员管理"},
    {"part": "party", "title": "党风廉政建设", "points": 15},
    {"part": "development", "title": "经济发展和财政收入", "points": 40},
    {"part": "development", "title": "就业和社会保障", "points": 30, "criterion": "下岗失业人员再就业"},
    {"part": "development", "title": "社会稳定和安全生产", "points": 30},
]
SIX_TASKS_ITEMS = [
    {"part": "tasks", "title": "牵头整改群众反映的突出问题", "points": 40, "standard": "按期办结率100%",
     "deadline": "年底", "responsible": "部门主要负责人", "measures": "建立台账、挂牌督办", "reward": "未完成通报批评"},
    {"part": "tasks", "title": "建立健全长效机制", "points": 30, "standard": "出台制度不少于3项",
     "deadline": "第三季度", "responsible": "分管负责人", "measures": "征求基层意见", "reward": "纳入年度考核"},
    {"part": "tasks", "title": "服务基层和群众", "points": 30, "standard": "结对帮扶困难群众", "deadline": "全年",
     "responsible": "机关党委", "measures": "“1+1”结对", "reward": "评先评优挂钩"},
]  # fmt: skip


def loaded() -> str:
    return "responsibility letters" if Letter.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale == "city":
        return
    office, district_secretary = context.users.get("office"), context.users.get("yuzhong")
    if office is None or district_secretary is None:
        return
    district, city = context.organisations["district"], context.organisations["city"]
    today = timezone.localdate()
    sheet = services.define_sheet(
        actor=district_secretary, organisation=district, name=f"{today.year}年度乡镇街道“双百分”考核表",
        meant_for="乡镇、街道", parts=DOUBLE_HUNDRED_PARTS, items=DOUBLE_HUNDRED_ITEMS,
    )  # fmt: skip
    services.publish_sheet(actor=district_secretary, sheet=sheet)
    towns = list(Organisation.objects.filter(parent=district, kind=Kind.GRASSROOTS_COMMITTEE).order_by("path"))
    letters = services.issue_letters(actor=district_secretary, sheet=sheet, year=today.year, issued_by=district,
                                     units=towns)  # fmt: skip
    scores = [("24", "34", "22", "14", "36", "27", "28"), ("22", "35", "20", "15", "33", "25", "26")]
    for i, letter in enumerate(letters):
        town = letter.organisation
        secretary = make_user(f"town{i + 1}", f"{town.name}书记", Role.SECRETARY, town)
        services.sign(actor=secretary, letter=letter, signed_by=f"{town.name}书记", on=datetime.date(today.year, 1, 10))
        top = list(letter.targets.filter(parent__isnull=True).select_related("item").order_by("item__order"))
        first = top[1]
        department = Organisation.objects.filter(parent=town).order_by("path").first()
        if department is not None:
            services.break_down(actor=secretary, target=first, text="各支部按计划完成三个阶段", department=department)
        services.add_evidence(actor=secretary, target=first, on=min(today, datetime.date(today.year, 6, 30)),
                              text="第一批先进性教育活动群众满意度测评98%")  # fmt: skip
        if i < len(scores):
            given = {t.pk: (value, "") for t, value in zip(top, scores[i], strict=True)}
            services.give_scores(actor=district_secretary, letter=letter, scores=given)
            services.conclude(actor=district_secretary, letter=letter, outcome="通报表扬" if i == 0 else "")
        # The towns' secretaries are not demo logins: their role ends once the year's work is shown.
        RoleAssignment.objects.filter(user=secretary).update(valid_until=today - datetime.timedelta(days=1))
        secretary.is_active = False
        secretary.save(update_fields=["is_active"])
    six = services.define_sheet(
        actor=office, organisation=city, name=f"{today.year}年度市级部门“六定任务”", meant_for="市级部门",
        parts=[{"key": "tasks", "name": "六定任务", "total": 100}], items=SIX_TASKS_ITEMS,
    )  # fmt: skip
    services.publish_sheet(actor=office, sheet=six)
    departments = list(Organisation.objects.filter(parent=city, kind=Kind.CITY_DEPARTMENT).order_by("path"))
    if departments:
        services.issue_letters(actor=office, sheet=six, year=today.year, issued_by=city, units=departments)
    context.progress(f"targets: {Letter.objects.count()} responsibility letters on 2 score sheets")
