"""A campaign run from a template (DOMAIN §2, §7, §10): batches, phases, steps, units and their progress.

Nothing about a particular campaign lives in Python: a template (YAML, see
`blueprints`) is loaded into `CampaignTemplate.definition`, and launching a
campaign copies it into rows (`Phase`, `Step`, `Batch`, `Window`), so editing
a template never changes a campaign already running.  Every organisation of
the campaign's subtree is a `Unit` in exactly one batch; its progress is its
current phase and that phase's state.  `ProgressTally` and `StepTally` keep
the roll-ups every ancestor's dashboard reads (the `members.tallies` pattern).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree


class CampaignTemplate(models.Model):
    """A campaign's shape as data: the validated YAML, its source text and a digest that makes reloading a no-op."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    definition = models.JSONField(_("definition"))
    source = models.TextField(_("YAML source"))
    digest = models.CharField(_("digest"), max_length=64, editable=False)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies", verbose_name=_("copied from")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("campaign template")
        verbose_name_plural = _("campaign templates")
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class Campaign(models.Model):
    template = models.ForeignKey(
        CampaignTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("template")
    )
    name = models.CharField(_("name"), max_length=200)
    theme = models.CharField(_("theme"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    is_pilot = models.BooleanField(_("pilot campaign"), default=False)
    # The template's definition when the campaign was created: the campaign's own copy.
    definition = models.JSONField(_("definition"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_own_q(cls, user) -> models.Q | None:
        """A campaign is seen by everyone whose scope holds one of its units, not only by the office that runs it."""
        from vanguard.accounts.scoping import restrict

        return models.Q(pk__in=restrict(Unit.objects.all(), user).values("campaign_id"))


class Acceptance(models.TextChoices):
    NONE = "none", _("No acceptance")
    SUPERVISION = "supervision", _("By the supervision group")
    PARENT = "parent", _("By the organisation above")


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"))
    days = models.PositiveSmallIntegerField(_("usual length in days"))
    acceptance = models.CharField(_("acceptance"), max_length=16, choices=Acceptance.choices, default=Acceptance.NONE)

    scope_fields = ("campaign__organisation__path",)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["campaign", "order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="phase_key_once_per_campaign")]

    def __str__(self) -> str:
        return self.name


class Responsible(models.TextChoices):
    UNIT = "unit", _("The unit")
    BRANCHES = "branches", _("Each branch")
    MEMBERS = "members", _("Every member")
    LEADERS = "leaders", _("The leadership team")


class UnitClass(models.TextChoices):
    """Which steps a unit carries: branches hold members; committees above them hold leadership teams."""

    BRANCH = "branch", _("Branch")
    COMMITTEE = "committee", _("Committee")


class Step(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="steps", verbose_name=_("phase"))
    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    responsible = models.CharField(_("done by"), max_length=16, choices=Responsible.choices, default=Responsible.UNIT)
    required = models.BooleanField(_("required"), default=True)
    # Day of the phase by which the step is due (1 = its first day); empty: the phase's last day.
    due_day = models.PositiveSmallIntegerField(_("due on day"), null=True, blank=True)
    # [{"kind": "meeting", "meeting_kind": "mobilisation", "optional": false}, ...]: kinds of `evidence`' registry.
    evidence = models.JSONField(_("evidence"), default=list)
    order = models.PositiveSmallIntegerField(_("order"))

    scope_fields = ("phase__campaign__organisation__path",)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["phase", "order"]
        constraints = [models.UniqueConstraint(fields=["phase", "key"], name="step_key_once_per_phase")]

    def __str__(self) -> str:
        return self.name

    @property
    def unit_classes(self) -> tuple[str, ...]:
        """The units that carry this step: the members' and branches' steps are the branches'; leaders' above."""
        if self.responsible in (Responsible.BRANCHES, Responsible.MEMBERS):
            return (UnitClass.BRANCH,)
        if self.responsible == Responsible.LEADERS:
            return (UnitClass.COMMITTEE,)
        return (UnitClass.BRANCH, UnitClass.COMMITTEE)


class Batch(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches", verbose_name=_("campaign"))
    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"))
    starts_on = models.DateField(_("start date"))
    # [{"sectors": [...], "kinds": [...], "levels": [...]}, ...]: an organisation matching any rule lands here.
    rules = models.JSONField(_("rules"), default=list)
    is_default = models.BooleanField(_("takes the organisations no rule places"), default=False)

    scope_fields = ("campaign__organisation__path",)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["campaign", "order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="batch_key_once_per_campaign")]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """The dates of one phase in one batch: every unit of the batch shares them."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="windows", verbose_name=_("batch"))
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="windows", verbose_name=_("phase"))
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))

    scope_fields = ("batch__campaign__organisation__path",)

    class Meta:
        verbose_name = _("phase window")
        verbose_name_plural = _("phase windows")
        ordering = ["batch", "starts_on"]
        constraints = [models.UniqueConstraint(fields=["batch", "phase"], name="window_once_per_batch_phase")]

    def __str__(self) -> str:
        return f"{self.batch} · {self.phase}: {self.starts_on}–{self.ends_on}"


class UnitState(models.TextChoices):
    OPEN = "open", _("In progress")
    AWAITING = "awaiting", _("Awaiting acceptance")
    RETURNED = "returned", _("Returned")
    FINISHED = "finished", _("Finished")


class Unit(models.Model):
    """An organisation taking part in a campaign: its batch, whether it is a pilot, its current phase and state."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units", verbose_name=_("campaign"))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="campaign_units", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    unit_class = models.CharField(_("class"), max_length=16, choices=UnitClass.choices)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="units", verbose_name=_("batch"))
    batch_overridden = models.BooleanField(_("batch set by hand"), default=False)
    is_pilot = models.BooleanField(_("pilot unit"), default=False)
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="units", verbose_name=_("current phase"))
    state = models.CharField(_("state"), max_length=16, choices=UnitState.choices, default=UnitState.OPEN)
    # Required steps of the current phase recorded: the dashboards' numerator, kept by services.
    required_done = models.PositiveSmallIntegerField(_("required steps done"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("campaign unit")
        verbose_name_plural = _("campaign units")
        ordering = ["campaign", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation"], name="unit_once_per_campaign"),
        ]
        indexes = [
            models.Index(fields=["campaign", "org_path"], name="unit_campaign_path"),
            models.Index(fields=["org_path"], name="unit_path"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.campaign}"


class StepRecord(models.Model):
    """A unit has done a step: who recorded it, in which role, and the evidence that proves it.

    Rows reached through a relation scope by the organisation at its end (accounts.scoping looks the
    organisations up in the path index and matches their keys).
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="records", verbose_name=_("unit"))
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="records", verbose_name=_("step"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    actor_role = models.CharField(_("acting as"), max_length=16, blank=True)
    actor_organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("unit__organisation__path",)

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        ordering = ["unit", "step__phase__order", "step__order"]
        constraints = [models.UniqueConstraint(fields=["unit", "step"], name="step_recorded_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.step}"


class Evidence(models.Model):
    """One piece of proof of a step record, of a kind from the evidence registry (`campaigns.evidence`).

    `data` is the kind's own JSON (a number, the ticked items); a file is in
    `file`; a kind that proves with a row of its own (a meeting, later an
    opinion count or a ballot) names it in `object_id`.
    """

    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("record"))
    kind = models.CharField(_("kind"), max_length=32)
    data = models.JSONField(_("data"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    object_id = models.PositiveBigIntegerField(_("object"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    scope_fields = ("record__unit__organisation__path",)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["record", "pk"]

    def __str__(self) -> str:
        return f"{self.record} · {self.kind}"


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class AcceptanceRequest(models.Model):
    """A unit asked for a phase to be accepted (验收); the acceptor's decision and reasons."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("unit"))
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="+", verbose_name=_("phase"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("asked by")
    )
    requested_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("decided by")
    )
    decided_role = models.CharField(_("acting as"), max_length=16, blank=True)
    decided_organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    scope_fields = ("unit__organisation__path",)

    class Meta:
        verbose_name = _("acceptance request")
        verbose_name_plural = _("acceptance requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.phase}"


class ProgressTally(models.Model):
    """Units of one organisation's subtree by batch, current phase, state and class, with their required steps done.

    Each unit counts for its own organisation and every ancestor within the campaign.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=UnitState.choices)
    unit_class = models.CharField(max_length=16, choices=UnitClass.choices)
    pilot = models.BooleanField(default=False)
    units = models.IntegerField(default=0)
    required_done = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation", "batch", "phase", "state", "unit_class", "pilot"],
                name="progress_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.phase_id} {self.state}: {self.units}"


class StepTally(models.Model):
    """How many units of one organisation's subtree (in one batch) have recorded a step, ever."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    done = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organisation", "batch", "step"], name="step_tally_key")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.step_id}: {self.done}"


class GroupKind(models.TextChoices):
    SUPERVISION = "supervision", _("Supervision group")
    STATIONED = "stationed", _("Stationed group")


class SupervisionGroup(models.Model):
    """督导组 sent by an office to districts and departments, or 蹲点组 stationed with a pilot unit (DOMAIN §7)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="supervision_groups", verbose_name=_("campaign")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=GroupKind.choices, default=GroupKind.SUPERVISION)
    sent_by = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    units = models.ManyToManyField(Unit, blank=True, related_name="supervision_groups", verbose_name=_("units"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("supervision group")
        verbose_name_plural = _("supervision groups")
        ordering = ["campaign", "name"]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    group = models.ForeignKey(SupervisionGroup, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_groups")
    is_leader = models.BooleanField(_("group leader"), default=False)

    scope_fields = ("group__sent_by__path",)

    class Meta:
        verbose_name = _("supervision group member")
        verbose_name_plural = _("supervision group members")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_once")]

    def __str__(self) -> str:
        return f"{self.group} · {self.user}"


class Rating(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Visit(models.Model):
    """A supervision group's visit to a unit: talks held, findings, advice and a rating."""

    group = models.ForeignKey(
        SupervisionGroup, on_delete=models.CASCADE, related_name="visits", verbose_name=_("group")
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="visits", verbose_name=_("unit"))
    visited_on = models.DateField(_("date"))
    talks = models.PositiveIntegerField(_("people talked to"), default=0)
    findings = models.TextField(_("findings"))
    advice = models.TextField(_("advice"), blank=True)
    rating = models.CharField(_("rating"), max_length=8, choices=Rating.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_fields = ("unit__organisation__path",)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.group} → {self.unit} {self.visited_on}"


class Notice(models.Model):
    """通知 from an office to the organisations of its subtree (optionally some kinds only); each has a receipt."""

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices", verbose_name=_("campaign")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    kinds = models.JSONField(_("to kinds of organisation"), default=list, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("sent by")
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NoticeReceipt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts", verbose_name=_("notice"))
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=tree.PATH_MAX_LENGTH, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("notice receipt")
        verbose_name_plural = _("notice receipts")
        constraints = [models.UniqueConstraint(fields=["notice", "organisation"], name="receipt_once_per_notice")]
        indexes = [models.Index(fields=["notice", "org_path"], name="receipt_notice_path")]

    def __str__(self) -> str:
        return f"{self.notice} → {self.organisation}"


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (the subtree only)")
    PUBLIC = "public", _("Public")


class Briefing(models.Model):
    """简报: internal to the publishing organisation's subtree, or public (no sign-in needed)."""

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="briefings", verbose_name=_("campaign")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """An overdue step brought to a secretary's attention (in the app, and by e-mail when they have an address)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="reminders")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_reminders")
    sent_on = models.DateField(_("sent on"))
    emailed = models.BooleanField(_("e-mailed"), default=False)

    scope_fields = ("unit__organisation__path",)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "step", "user", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.step} → {self.user}"
