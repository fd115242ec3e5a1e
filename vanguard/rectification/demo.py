"""The rectification share of seed_demo: the demo branch's plan and items in every state, rules, cases, remedies.

The branch draws up its plan and publishes it to the public; its items stand in every state a campaign
office meets (being rectified, reported done, closed on time and late, explained, cancelled, overdue and
escalated, listed 挂牌, circulated 通报, one coordinated with shares); three members write their own plans.
渝中 adopts two rules with their 四定 and repeals an old one; the branch writes its 先进性具体要求.  The
member left 不合格 by the peer appraisal already has a case (opened by the appraisal itself); it is taken
into education, and other members' cases stand at a hearing, awaiting approval above, transformed and
correcting.  The district's screening flags get remedies.  All through the services, with past days where
a story needs them, so the audit trail tells it.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from vanguard.appraisals.models import AppraisalResult, Audience, ScreeningEntry, SelfAnalysis
from vanguard.ballots.models import Grade
from vanguard.campaigns.models import Campaign
from vanguard.core.demo import DemoContext, Scale
from vanguard.members.models import Member
from vanguard.opinions.models import Category
from vanguard.rectification.models import Case, Cause, InstitutionKind, NoticeMethod, Outcome, RectificationPlan
from vanguard.rectification.services import cases, institutions, items, plans, register, remedies


def loaded() -> str:
    return "rectification plans" if RectificationPlan.objects.exists() else ""


def seed(context: DemoContext, scale: Scale) -> None:
    if scale != "demo":
        return
    campaign = Campaign.objects.order_by("pk").first()
    secretary, yuzhong, office = (context.users.get(name) for name in ("branch", "yuzhong", "office"))
    if campaign is None or secretary is None or yuzhong is None or office is None:
        return
    today = timezone.localdate()
    branch, district = context.organisations["branch"], context.organisations["district"]
    _plan_and_items(campaign, branch, secretary, yuzhong, office, today)
    _member_plans(campaign, branch, secretary, today)
    _institutions(campaign, district, branch, yuzhong, secretary, today)
    _cases(campaign, branch, secretary, yuzhong, today)
    _remedies(campaign, yuzhong, today)
    context.progress(
        f"rectification: {RectificationPlan.objects.count()} plans, "
        f"{items.RectificationItem.objects.count()} items, {Case.objects.count()} cases"
    )


def _evidence(name: str, text: str) -> SimpleUploadedFile:
    """A small text file as a note's evidence (a scan or photo in real use)."""
    return SimpleUploadedFile(f"{name}.txt", text.encode(), content_type="text/plain")


def _days(today: datetime.date, n: int) -> datetime.date:
    return today + datetime.timedelta(days=n)


def _plan_and_items(campaign, branch, secretary, yuzhong, office, today) -> None:
    plan = plans.create_plan(
        actor=secretary,
        campaign=campaign,
        organisation=branch,
        title=f"{branch.name}整改方案",
        text="针对征求到的意见和党性分析中查摆的问题，逐条明确整改措施、责任人和完成时限，接受党员群众监督。",
        audience=Audience.PUBLIC,
    )

    def item(title: str, category: str = Category.DEADLINE, *, deadline=None, raised=None, **extra):
        return items.create_item(
            actor=secretary,
            plan=plan,
            title=title,
            category=category,
            deadline=deadline,
            today=raised or today,
            **extra,
        )

    # Being rectified, not yet due.
    item("党员活动室开放时间调整为晚间和周末", deadline=_days(today, 20))
    # Fixed at once (立说立改): the default deadline.
    item("支部公开栏内容及时更新", Category.AT_ONCE)
    # Reported done, waiting for the organisation above to check.
    done = item("建立困难党员帮扶台账", deadline=_days(today, 10))
    items.add_note(
        item=done,
        actor=secretary,
        text="台账已建立，共登记困难党员12名。",
        file=_evidence("整改材料", "台账已建立，共登记困难党员12名。"),
    )
    items.report_done(item=done, actor=secretary, text="帮扶台账已建立并落实到人。")
    # Closed on time, with evidence.
    on_time = item("三会一课制度落实不经常", deadline=_days(today, 5))
    items.add_note(
        item=on_time,
        actor=secretary,
        text="已制定年度计划，按月召开支部党员大会。",
        file=_evidence("整改材料", "已制定年度计划，按月召开支部党员大会。"),
    )
    items.report_done(item=on_time, actor=secretary, text="已按计划召开支部党员大会和党课。")
    items.verify(item=on_time, actor=yuzhong)
    # Closed late: due three weeks ago, done now.
    late = item("流动党员联系不经常", deadline=_days(today, -21), raised=_days(today, -40))
    items.add_note(
        item=late,
        actor=secretary,
        text="逐一电话联系流动党员，建立联系卡。",
        file=_evidence("整改材料", "逐一电话联系流动党员，建立联系卡。"),
    )
    items.report_done(item=late, actor=secretary, text="已与全部流动党员建立固定联系。")
    items.verify(item=late, actor=yuzhong)
    # Explained to the public (说明情况).
    explained = item(
        "群众要求在小区内新建停车场",
        Category.EXPLAIN,
        explanation="小区规划内无可用土地，已协调周边单位错时开放停车位120个。",
    )
    items.explain(item=explained, actor=secretary)
    # Cancelled: a duplicate.
    duplicate = item("公开栏内容更新", deadline=_days(today, 15))
    items.cancel(item=duplicate, actor=yuzhong, reason="与“支部公开栏内容及时更新”重复。")
    # Overdue: escalated to the organisation above, listed publicly with its deadline, circulated.
    overdue = item("老旧楼道照明长期不亮", deadline=_days(today, -5), raised=_days(today, -30))
    item("社区服务窗口午间无人值守", deadline=_days(today, -2), raised=_days(today, -20))
    items.escalate_overdue(today=today)
    items.list_publicly(item=overdue, actor=office, listed=True)
    items.circulate(item=overdue, actor=office, text="该问题群众反映强烈，逾期未整改，予以通报，限十日内整改到位。")
    # Coordinated (综合治理): the branch leads, the committee above shares the work.
    parent = branch.parent
    if parent is not None:
        item(
            "小区环境卫生综合整治",
            Category.COORDINATED,
            deadline=_days(today, 45),
            shares=[
                (branch, "组织党员志愿者每周清扫，牵头协调。", True),
                (parent, "协调环卫部门增加清运频次。", False),
            ],
        )
    plans.publish(plan=plan, actor=secretary)


def _member_plans(campaign, branch, secretary, today) -> None:
    analyses = SelfAnalysis.objects.filter(campaign=campaign, organisation=branch).select_related("member")
    for analysis in analyses.order_by("pk")[:3]:
        member = analysis.member
        plan = plans.create_plan(
            actor=secretary, campaign=campaign, member=member, title=f"{member.name}的个人整改措施"
        )
        items.create_item(
            actor=secretary,
            plan=plan,
            title="加强理论学习，每周学习不少于两小时",
            category=Category.DEADLINE,
            deadline=_days(today, 60),
            self_analysis=analysis,
            today=today,
        )
        plans.publish(plan=plan, actor=secretary)


def _institutions(campaign, district, branch, yuzhong, secretary, today) -> None:
    old = institutions.draft_institution(
        organisation=district,
        actor=yuzhong,
        campaign=campaign,
        title="机关干部考勤暂行办法",
        rule="机关干部按时上下班。",
        procedure="每日签到。",
        standard="迟到三次通报。",
        measures="每月公布考勤。",
    )
    institutions.adopt(institution=old, actor=yuzhong, effective_from=_days(today, -400), today=_days(today, -400))
    institutions.repeal(institution=old, actor=yuzhong, reason="并入行政效能过错责任制。", today=today)
    for title, rule in (
        ("首问负责制", "群众来办事，第一个接待的工作人员负责到底，不得推诿。"),
        ("行政效能过错责任制", "工作人员不作为、慢作为、乱作为的，按过错程度追究责任。"),
    ):
        rule_made = institutions.draft_institution(
            organisation=district,
            actor=yuzhong,
            campaign=campaign,
            title=title,
            rule=rule,
            procedure="登记、办理、答复、回访，全程留痕。",
            standard="能当场办结的当场办结，不能的三个工作日内答复。",
            measures="纪检组每月抽查，结果在政务公开栏公示并纳入年度考核。",
        )
        institutions.adopt(institution=rule_made, actor=yuzhong, effective_from=today, today=today)
    for trade, post, text in (
        ("社区", "社区党员", "带头参加志愿服务，每月联系群众不少于五户。"),
        ("机关", "机关党员干部", "服务群众零推诿，办事效率争一流。"),
    ):
        requirement = institutions.draft_institution(
            organisation=branch,
            actor=secretary,
            campaign=campaign,
            kind=InstitutionKind.REQUIREMENT,
            title=f"{post}先进性具体要求",
            trade=trade,
            post=post,
            rule=text,
        )
        institutions.adopt(institution=requirement, actor=secretary, effective_from=today, today=today)
    signs = institutions.draft_institution(
        organisation=branch,
        actor=secretary,
        campaign=campaign,
        kind=InstitutionKind.UNQUALIFIED_SIGNS,
        title="不合格党员的具体表现",
        rule="理想信念动摇；长期不参加组织生活；不按规定交纳党费；在群众中造成不良影响。",
    )
    institutions.adopt(institution=signs, actor=secretary, effective_from=today, today=today)


def _cases(campaign, branch, secretary, yuzhong, today) -> None:
    # The peer appraisal's 不合格 member: their case was opened when the results were recorded.
    result = AppraisalResult.objects.filter(organisation=branch, grade=Grade.UNQUALIFIED).first()
    taken = set()
    members = list(Member.objects.filter(organisation=branch).order_by("pk")[:12])
    helper = members[0] if members else None
    if result is not None and helper is not None:
        case = Case.objects.filter(appraisal_result=result).first()
        if case is not None and case.member_id != helper.pk:
            taken.add(case.member_id)
            cases.take(
                case=case,
                name="start_education",
                actor=secretary,
                reason="民主评议为不合格，先进行教育帮助。",
                helper=helper,
                until=_days(today, 90),
            )
    others = [m for m in members[1:] if m.pk not in taken][:4]
    if len(others) < 4 or helper is None:
        return
    heard, proposed, transformed, correcting = others

    def opened(member, reason):
        return cases.open_case(member=member, actor=secretary, reason=reason, campaign=campaign)

    def to_hearing(case, outcome, how=NoticeMethod.IN_PERSON):
        case = cases.take(
            case=case, name="start_review", actor=secretary, reason="长期不参加组织生活，经教育仍无改变。"
        )
        return cases.take(
            case=case, name="notify", actor=secretary, reason="支部委员会研究拟作出处置。", outcome=outcome, how=how
        )

    to_hearing(opened(heard, "连续六个月不参加组织生活。"), Outcome.CORRECT_BY_DEADLINE)
    case = to_hearing(opened(proposed, "不按规定交纳党费。"), Outcome.CORRECT_BY_DEADLINE)
    case = cases.take(case=case, name="state_case", actor=secretary, statement="本人承认错误，愿意限期改正。")
    cases.take(
        case=case,
        name="propose",
        actor=secretary,
        reason="本人态度诚恳，建议限期改正。",
        outcome=Outcome.CORRECT_BY_DEADLINE,
    )
    case = opened(transformed, "党性分析测评满意率较低。")
    case = cases.take(
        case=case, name="start_education", actor=secretary, reason="先进行教育帮助。", helper=helper, until=today
    )
    case = cases.take(case=case, name="end_education", actor=secretary, reason="帮助期满，组织再评议。")
    cases.take(case=case, name="transform", actor=secretary, reason="再评议为合格，转化良好。", grade=Grade.QUALIFIED)
    case = to_hearing(opened(correcting, "群众反映服务态度差。"), Outcome.CORRECT_BY_DEADLINE, NoticeMethod.IN_WRITING)
    case = cases.take(case=case, name="waive_statement", actor=secretary, reason="本人书面表示不再陈述。")
    case = cases.take(
        case=case, name="propose", actor=secretary, reason="建议限期改正。", outcome=Outcome.CORRECT_BY_DEADLINE
    )
    cases.take(
        case=case,
        name="approve_correcting",
        actor=yuzhong,
        reason="同意支部意见，限期三个月改正。",
        until=_days(today, 90),
    )
    register.open_year(organisation=branch, year=today.year, actor=secretary)


def _remedies(campaign, yuzhong, today) -> None:
    flagged = list(ScreeningEntry.objects.filter(flagged=True, screening__campaign=campaign).order_by("rank", "pk")[:3])
    causes = [Cause.WEAK_LEADERSHIP, Cause.PROBLEMS_DISCONTENT, Cause.ENTERPRISE_CLOSED]
    for entry, cause in zip(flagged, causes, strict=False):
        remedy = remedies.open_remedy(
            actor=yuzhong,
            entry=entry,
            cause=cause,
            cause_text="班子不团结，组织生活不正常。" if cause == Cause.WEAK_LEADERSHIP else "",
            station_team=True,
            team="区委组织部派驻工作组三人。",
            deadline=_days(today, 90),
        )
        remedies.add_note(remedy=remedy, actor=yuzhong, text="工作组已进驻，逐户走访党员群众。")
        if cause == Cause.ENTERPRISE_CLOSED:
            remedies.close(remedy=remedy, actor=yuzhong, assessment="党员组织关系已全部理顺，组织生活恢复正常。")
