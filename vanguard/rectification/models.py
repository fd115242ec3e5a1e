"""Rectification (DOMAIN §5, §6): plans and items (整改), institutions (建章立制), cases of unqualified members
(不合格党员处置) with the yearly register, and remedies for weak organisations (软弱涣散整顿).

Every state here changes through a declared transition (rectification.workflows); cases and register rows
are also sealed in the audit trail (core.audit.Seal), so a decision changed by direct SQL is found.
"""

from __future__ import annotations

from itertools import combinations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.appraisals.models import Audience
from vanguard.ballots.models import Grade
from vanguard.core import tree
from vanguard.core.fields import path_field
from vanguard.opinions.models import Category


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RectificationPlan(models.Model):
    """整改方案: a unit's plan, or one member's (then `member` is set and the organisation is their branch)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member")
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("plan"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    audience = models.CharField(_("published to"), max_length=8, choices=Audience.choices, default=Audience.UNIT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("rectification plan")
        verbose_name_plural = _("rectification plans")
        ordering = ["org_path", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation"],
                condition=Q(member__isnull=True),
                name="rectification_unit_plan_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "member"], condition=Q(member__isnull=False), name="rectification_member_plan_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    DONE = "done", _("Reported done")
    CLOSED = "closed", _("Closed")
    EXPLAINED = "explained", _("Explained")
    CANCELLED = "cancelled", _("Cancelled")


# States in which an item is still owed: overdue lists and escalation look only at these.
OPEN_ITEM_STATES = (ItemStatus.OPEN, ItemStatus.DONE)


class Timing(models.TextChoices):
    NONE = "", _("—")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


ITEM_SOURCES = ("problem", "self_analysis", "appraisal_result", "remedial_order", "visit")


class RectificationItem(models.Model):
    """整改事项: one thing to put right, with its source, owner, deadline, notes and status history."""

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan"))
    org_path = path_field()
    responsible = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible organisation")
    )
    responsible_path = models.CharField(
        _("responsible tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True
    )
    owner = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person responsible"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # 说明情况: what the public is told; part of the item, shown on the public page.
    explanation = models.TextField(_("explanation to the public"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    # Closed items only: whether they closed by their deadline (kept for the on-time rate).
    timing = models.CharField(_("timing"), max_length=8, choices=Timing.choices, blank=True, default="")
    done_text = models.TextField(_("what was done"), blank=True)
    done_at = models.DateTimeField(_("reported done at"), null=True, blank=True)
    # Who reported it done: they may not also verify it.
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    listed_at = models.DateTimeField(_("listed publicly at"), null=True, blank=True)
    circulated_at = models.DateTimeField(_("circulated at"), null=True, blank=True)
    circular = models.TextField(_("circular"), blank=True)
    # Where the item came from: at most one source, kept as a real link so both sides show it.
    problem = models.ForeignKey(
        "opinions.Problem", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("problem")
    )
    self_analysis = models.ForeignKey(
        "appraisals.SelfAnalysis",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("self-analysis"),
    )
    appraisal_result = models.ForeignKey(
        "appraisals.AppraisalResult",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appraisal result"),
    )
    remedial_order = models.ForeignKey(
        "appraisals.RemedialOrder",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("remedial work order"),
    )
    visit = models.ForeignKey(
        "campaigns.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supervision visit"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path", "responsible_path")
    SOURCES = ITEM_SOURCES

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "pk"]
        constraints = [
            # At most one source: no two of them set together.
            models.CheckConstraint(
                condition=~Q(
                    *[Q(**{f"{a}__isnull": False, f"{b}__isnull": False}) for a, b in combinations(ITEM_SOURCES, 2)],
                    _connector=Q.OR,
                ),
                name="rectification_item_one_source",
            ),
            models.UniqueConstraint(
                fields=["plan", "problem"], condition=Q(problem__isnull=False), name="rectification_item_problem_once"
            ),
        ]
        indexes = [
            models.Index(fields=["org_path", "status"], name="rect_item_org_status"),
            models.Index(fields=["responsible_path", "status"], name="rect_item_resp_status"),
            models.Index(
                fields=["deadline", "responsible_path"],
                condition=Q(status__in=["open", "done"]),
                name="rect_item_owed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def source(self) -> tuple[str, models.Model] | None:
        """(field name, object) of the item's source, or None for an item raised directly."""
        for name in self.SOURCES:
            if getattr(self, f"{name}_id"):
                return name, getattr(self, name)
        return None


class ItemShare(models.Model):
    """综合治理: one of several organisations working on an item, one of them the lead, each with its share."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    share = models.TextField(_("its share of the work"))
    is_lead = models.BooleanField(_("lead"), default=False)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("share of an item")
        verbose_name_plural = _("shares of items")
        ordering = ["item", "-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "organisation"], name="rectification_share_once"),
            models.UniqueConstraint(fields=["item"], condition=Q(is_lead=True), name="rectification_one_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.organisation_id}"


class ItemNote(models.Model):
    """Progress on an item, with evidence (a file) where there is some."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("progress"))
    file = models.FileField(_("evidence"), upload_to="rectification/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("item__org_path", "item__responsible_path")

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["item", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.text[:30]}"


class ItemTally(models.Model):
    """How many items of a campaign an organisation's subtree holds, by category, status and timing.

    The figures read these, so a city's top level is a few hundred rows whatever the number of items;
    rectification.tallies keeps them by deltas and rebuilds them set-based.
    """

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=16, choices=Category.choices)
    status = models.CharField(max_length=10, choices=ItemStatus.choices)
    timing = models.CharField(max_length=8, choices=Timing.choices, blank=True, default="")
    items = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation", "category", "status", "timing"], name="rectification_tally_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.category}/{self.status}/{self.timing}: {self.items}"


class InstitutionKind(models.TextChoices):
    RULE = "rule", _("Rule or system (制度)")
    REQUIREMENT = "requirement", _("Specific requirements of advancement (先进性具体要求)")
    UNQUALIFIED_SIGNS = "unqualified_signs", _("Signs of an unqualified member (不合格表现)")


class InstitutionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    REPEALED = "repealed", _("Repealed")


class Institution(models.Model):
    """建章立制: a rule built in the campaign, with its 四定 (rule, procedure, standard, measures)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices, default=InstitutionKind.RULE)
    title = models.CharField(_("title"), max_length=200)
    rule = models.TextField(_("rule (定制度)"), blank=True)
    procedure = models.TextField(_("procedure (定程序)"), blank=True)
    standard = models.TextField(_("standard (定标准)"), blank=True)
    measures = models.TextField(_("measures (定措施)"), blank=True)
    # For 先进性具体要求: which trade and post they are for.
    trade = models.CharField(_("trade"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InstitutionStatus.choices, default=InstitutionStatus.DRAFT
    )
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("replaces")
    )
    file = models.FileField(_("document"), upload_to="institutions/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    # What led to the rule.
    problems = models.ManyToManyField("opinions.Problem", blank=True, related_name="+", verbose_name=_("problems"))
    items = models.ManyToManyField(
        RectificationItem, blank=True, related_name="institutions", verbose_name=_("rectification items")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["org_path", "-effective_from", "pk"]
        indexes = [models.Index(fields=["org_path", "status"], name="rect_institution_status")]

    def __str__(self) -> str:
        return self.title


class Stage(models.TextChoices):
    OPENED = "opened", _("Opened")
    EDUCATION = "education", _("Education and help")
    REAPPRAISAL = "reappraisal", _("Awaiting re-appraisal")
    APPLICATION = "application", _("Awaiting the registration application")
    REVIEW = "review", _("Under review by the branch")
    HEARING = "hearing", _("Member told; may state their case")
    PROPOSED = "proposed", _("Decision proposed; awaiting approval above")
    CORRECTING = "correcting", _("Correcting by a deadline")
    TRANSFORMED = "transformed", _("Closed: transformed")
    REGISTERED = "registered", _("Closed: registered")
    PERSUADED = "persuaded", _("Closed: persuaded to leave")
    REMOVED = "removed", _("Closed: removed")
    REFERRED = "referred", _("Closed: referred to discipline")
    WITHDRAWN = "withdrawn", _("Closed: withdrawn")


OPEN_STAGES = (
    Stage.OPENED,
    Stage.EDUCATION,
    Stage.REAPPRAISAL,
    Stage.APPLICATION,
    Stage.REVIEW,
    Stage.HEARING,
    Stage.PROPOSED,
    Stage.CORRECTING,
)


class Outcome(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CORRECT_BY_DEADLINE = "correct_by_deadline", _("Correct by a deadline")
    PERSUADE_TO_LEAVE = "persuade_to_leave", _("Persuaded to leave")
    REMOVAL = "removal", _("Removal")
    REFERRAL = "referral", _("Referred to discipline")


class NoticeMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    IN_WRITING = "in_writing", _("In writing")
    PHONE = "phone", _("By phone")


class Case(models.Model):
    """不合格党员处置: one member's case, from a 不合格 appraisal or opened by the branch (DOMAIN §5.3).

    Read only by those who hold VIEW_CASES over the branch (the branch, the organisations above it and the
    office) and by the member concerned on their own pages; sealed in the audit trail.
    """

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    org_path = path_field()
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    appraisal_result = models.OneToOneField(
        "appraisals.AppraisalResult",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case",
        verbose_name=_("appraisal result"),
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.OPENED)
    opened_reason = models.TextField(_("why the case was opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("opened by")
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    # Education and help (教育帮助).
    helper = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("helper"),
    )
    education_until = models.DateField(_("education until"), null=True, blank=True)
    reappraisal_grade = models.CharField(_("re-appraisal result"), max_length=20, choices=Grade.choices, blank=True)
    # The member's written registration application (登记申请).
    application_text = models.TextField(_("registration application"), blank=True)
    application_file = models.FileField(_("application (scan)"), upload_to="cases/%Y/%m/", blank=True)
    application_on = models.DateField(_("application made on"), null=True, blank=True)
    # The hearing: what the member was told, and what they said.
    intended_outcome = models.CharField(_("intended decision"), max_length=20, choices=Outcome.choices, blank=True)
    intended_reasons = models.TextField(_("reasons given to the member"), blank=True)
    notified_at = models.DateTimeField(_("member told at"), null=True, blank=True)
    notified_how = models.CharField(_("told how"), max_length=12, choices=NoticeMethod.choices, blank=True)
    statement_due = models.DateField(_("statement due by"), null=True, blank=True)
    statement = models.TextField(_("the member's statement"), blank=True)
    statement_at = models.DateTimeField(_("statement made at"), null=True, blank=True)
    statement_waived = models.BooleanField(_("the member waived a statement in writing"), default=False)
    # The branch's proposal and the decision above.
    proposed_outcome = models.CharField(_("proposed decision"), max_length=20, choices=Outcome.choices, blank=True)
    proposed_reasons = models.TextField(_("reasons for the proposal"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    correct_until = models.DateField(_("correct by"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["org_path", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(stage__in=[s.value for s in OPEN_STAGES]),
                name="rectification_one_open_case",
            )
        ]
        indexes = [models.Index(fields=["org_path", "stage"], name="rect_case_stage")]

    def __str__(self) -> str:
        return f"{self.member} · {self.year}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Not yet decided")
    REGISTERED = "registered", _("Registered")
    DEFERRED = "deferred", _("Registration deferred (暂缓登记)")
    NOT_REGISTERED = "not_registered", _("Not registered")
    REFERRED = "referred", _("Referred to discipline")


class Registration(models.Model):
    """一年一评议一登记: one member's line in the yearly appraisal-and-registration register."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    org_path = path_field()
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("appraisal result"), max_length=20, choices=Grade.choices, blank=True)
    status = models.CharField(
        _("registration"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations", verbose_name=_("case")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("register of members")
        ordering = ["org_path", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="rectification_register_once")]
        indexes = [models.Index(fields=["year", "org_path"], name="rect_register_year")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}: {self.status}"


class Cause(models.TextChoices):
    WEAK_LEADERSHIP = "weak_leadership", _("Weak or divided leadership")
    PROBLEMS_DISCONTENT = "problems_discontent", _("Serious problems, public discontent")
    ENTERPRISE_CLOSED = "enterprise_closed", _("Enterprise closed or restructured; members scattered")
    OTHER = "other", _("Other")


class RemedyStatus(models.TextChoices):
    OPEN = "open", _("Being remedied")
    CLOSED = "closed", _("Closed")


class Remedy(models.Model):
    """软弱涣散整顿: what is done about one flagged organisation, and whether it worked."""

    screening_entry = models.OneToOneField(
        "appraisals.ScreeningEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remedy",
        verbose_name=_("screening"),
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = path_field()
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    cause_text = models.TextField(_("the cause in detail"), blank=True)
    replace_head = models.BooleanField(_("replace the head"), default=False)
    station_team = models.BooleanField(_("station a work team"), default=False)
    sort_out = models.BooleanField(_("sort out where it belongs"), default=False)
    team_from = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("work team from"),
    )
    team = models.TextField(_("work team"), blank=True)
    reorganisation = models.ForeignKey(
        "orgs.Reorganisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reorganisation"),
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=8, choices=RemedyStatus.choices, default=RemedyStatus.OPEN)
    closing_assessment = models.TextField(_("assessment at closing"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("weak-organisation remedy")
        verbose_name_plural = _("weak-organisation remedies")
        ordering = ["org_path", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_cause_display()}"


class RemedyNote(models.Model):
    remedy = models.ForeignKey(Remedy, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("progress"))
    file = models.FileField(_("evidence"), upload_to="remedies/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("remedy__org_path",)

    class Meta:
        verbose_name = _("remedy progress note")
        verbose_name_plural = _("remedy progress notes")
        ordering = ["remedy", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.remedy_id}: {self.text[:30]}"


class HeadChange(models.Model):
    """A replaced head: one role assignment ended and another begun (accounts.services.hand_over)."""

    remedy = models.ForeignKey(Remedy, on_delete=models.CASCADE, related_name="head_changes")
    ended_assignment = models.ForeignKey(
        "accounts.RoleAssignment", on_delete=models.PROTECT, related_name="+", verbose_name=_("ended")
    )
    new_assignment = models.ForeignKey(
        "accounts.RoleAssignment", on_delete=models.PROTECT, related_name="+", verbose_name=_("begun")
    )
    changed_on = models.DateField(_("changed on"))
    reason = models.TextField(_("reason"))

    scope_fields = ("remedy__org_path",)

    class Meta:
        verbose_name = _("change of head")
        verbose_name_plural = _("changes of head")
        ordering = ["remedy", "changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.remedy_id} {self.changed_on}"
