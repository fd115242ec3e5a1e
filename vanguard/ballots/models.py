"""Secret ballots (DOMAIN §4): satisfaction ballots, peer appraisal, questionnaires, look-back ratings.

Secrecy is a property of the schema, not of the pages:

- A `Token` says which ballot, constituency and stratum it votes in and whether
  it is spent, never to whom it was given: sheets are printed without names
  and links are sent without keeping which code went to which number.
- A `Cast` (one stored ballot) keeps its answers, constituency, stratum and the
  *day* it came in; no token, no user, no timestamp.  Its key is a random UUID
  and closing a ballot rewrites its casts in key order (random), so neither key
  order nor row order tells the order ballots came in.
- One token, one ballot: the token is spent by a conditional UPDATE in the
  same transaction that inserts the cast, so the database refuses a second
  spend and a crash leaves neither or both.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree


class Kind(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfaction ballot")
    PEER_APPRAISAL = "peer_appraisal", _("Peer appraisal")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire")
    LOOKBACK = "lookback", _("Look-back rating")


class Constituency(models.TextChoices):
    """Who rates (DOMAIN §4); each is reported separately."""

    MEMBERS = "members", _("Party members")
    PUBLIC = "public", _("Members of the public")
    SERVICE_USERS = "service_users", _("Service users")
    BUSINESSES = "businesses", _("Businesses")
    REPRESENTATIVES = "representatives", _("Representatives of all circles")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfied / basically satisfied / dissatisfied")
    GRADE = "grade", _("Excellent / qualified / basically qualified / unqualified")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RATING = "rating", _("Rating")
    TEXT = "text", _("Free text")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASICALLY = "basically_qualified", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class Subject(models.TextChoices):
    """What a satisfaction or grade question rates; `subject_id` in the question names the row."""

    SELF_ANALYSIS = "self_analysis", _("A member's self-analysis")
    MEMBER = "member", _("A member")
    LEADER = "leader", _("A leader")
    TEAM = "team", _("A leadership team")
    UNIT = "unit", _("A unit")
    CAMPAIGN = "campaign", _("The campaign's result")


class Ballot(models.Model):
    """One vote with its questions, constituencies, threshold and window; held by an organisation."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("campaign"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    # Shown above the questions on the voting page and the printed sheet.
    instructions = models.TextField(_("instructions"), blank=True)
    # [{"key", "kind", "label", "options": [...], "subject": kind, "subject_id": int, "scale": int, "required": bool}]
    questions = models.JSONField(_("questions"), default=list)
    constituencies = models.JSONField(_("constituencies"), default=list)
    # Satisfaction rate below this (per cent) is "below threshold"; the campaign's setting when created.
    threshold = models.DecimalField(_("threshold (%)"), max_digits=5, decimal_places=2, default=70)
    # The rate's numerator: 满意 + 基本满意 (the usual formula), or 满意 alone; the campaign's setting when created.
    count_basically = models.BooleanField(_("count “basically satisfied” as satisfied"), default=True)
    # Results show before closing once this many ballots are in (0: only after closing).
    min_count = models.PositiveIntegerField(_("results after this many ballots"), default=0)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Kept with every batch of tokens issued; casts are counted, not kept here, so casting never waits on this row.
    issued = models.PositiveIntegerField(_("tokens issued"), default=0)
    # The public identifier in links and QR codes: says nothing about the ballot's number or its holder.
    public_id = models.CharField(_("public identifier"), max_length=12, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gte=models.F("opens_on")), name="ballot_window"),
        ]

    def __str__(self) -> str:
        return self.title


class Medium(models.TextChoices):
    SHEET = "sheet", _("Printed sheet")
    LINK = "link", _("Link sent")
    KIOSK = "kiosk", _("Code at a kiosk")


class Token(models.Model):
    """A single-use right to cast one ballot: which ballot, constituency and stratum — never whose."""

    # No index of its own: token_ballot_group leads with the ballot, and every index is paid for by each issue.
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("ballot"), db_index=False
    )
    constituency = models.CharField(_("constituency"), max_length=16, choices=Constituency.choices)
    stratum = models.CharField(_("stratum"), max_length=100, blank=True)
    medium = models.CharField(_("medium"), max_length=8, choices=Medium.choices)
    # SHA-256 of the code: a leaked table does not let anyone vote.
    # Unique through Meta.constraints, which on PostgreSQL builds no second (pattern-matching) index beside it.
    code_hash = models.CharField(_("code hash"), max_length=64)
    spent = models.BooleanField(_("spent"), default=False)
    # A link that could not be sent, or a sheet reported lost: it can no longer vote and is not counted as issued.
    void = models.BooleanField(_("void"), default=False)
    issued_on = models.DateField(_("issued on"))

    class Meta:
        verbose_name = _("token")
        verbose_name_plural = _("tokens")
        indexes = [models.Index(fields=["ballot", "constituency", "stratum"], name="token_ballot_group")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(spent=True, void=True), name="token_not_spent_and_void"),
            # Byte-wise (PostgreSQL; other databases ignore opclasses): a vote looks its code up here, and comparing hex
            # digests under the database's collation costs every vote for nothing.
            models.UniqueConstraint(fields=["code_hash"], name="token_code_once", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.constituency}:{self.stratum}"


class Source(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper, keyed in twice")


class Cast(models.Model):
    """One stored ballot: its answers and where it counts, and nothing that leads to who cast it or when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by the ballot alone: every index is paid for by each vote, and an integer one is the cheapest to keep.
    # Results read a ballot's answers anyway, so an index carrying constituency and stratum would save no reading.
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="casts", verbose_name=_("ballot"))
    constituency = models.CharField(_("constituency"), max_length=16, choices=Constituency.choices)
    stratum = models.CharField(_("stratum"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    day = models.DateField(_("day"))
    # {question key: option key | [option keys] | number | text}; unanswered questions are absent.
    answers = models.JSONField(_("answers"), default=dict)

    class Meta:
        verbose_name = _("cast ballot")
        verbose_name_plural = _("cast ballots")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.pk}"


class PaperEntry(models.Model):
    """One clerk's keying of one paper sheet; two that agree count it, and then both are deleted."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="paper_entries", verbose_name=_("ballot"))
    code_hash = models.CharField(_("code hash"), max_length=64)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("answers"), default=dict)
    # Set on both entries of a sheet when they disagree: shown for a third look, counted by nobody until then.
    mismatch = models.BooleanField(_("entries disagree"), default=False)
    # The sheet's code as printed (the clerks read it from the sheet; needed to show the pair for the third look).
    sheet_code = models.CharField(_("sheet code"), max_length=16)

    class Meta:
        verbose_name = _("paper ballot entry")
        verbose_name_plural = _("paper ballot entries")
        constraints = [models.UniqueConstraint(fields=["code_hash", "clerk"], name="paper_entry_once_per_clerk")]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.sheet_code}"


class FrameKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    BUSINESSES = "businesses", _("Businesses")
    MEMBERS = "members", _("Party members")
    SERVICE_USERS = "service_users", _("Service users")
    REPRESENTATIVES = "representatives", _("Representatives")


# Which constituency a frame's sample votes in.
FRAME_CONSTITUENCY = {
    FrameKind.RESIDENTS: Constituency.PUBLIC,
    FrameKind.BUSINESSES: Constituency.BUSINESSES,
    FrameKind.MEMBERS: Constituency.MEMBERS,
    FrameKind.SERVICE_USERS: Constituency.SERVICE_USERS,
    FrameKind.REPRESENTATIVES: Constituency.REPRESENTATIVES,
}


class Frame(models.Model):
    """A sampling frame uploaded by an office: the list a random sample is drawn from, with each row's stratum."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    org_path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=FrameKind.choices)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_fields = ("org_path",)

    class Meta:
        verbose_name = _("sampling frame")
        verbose_name_plural = _("sampling frames")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class FrameRow(models.Model):
    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="entries", verbose_name=_("frame"))
    number = models.PositiveIntegerField(_("row"))
    name = models.CharField(_("name"), max_length=200)
    stratum = models.CharField(_("stratum"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("frame row")
        verbose_name_plural = _("frame rows")
        ordering = ["frame", "number"]
        constraints = [models.UniqueConstraint(fields=["frame", "number"], name="frame_row_once")]
        indexes = [models.Index(fields=["frame", "stratum", "number"], name="frame_row_stratum")]

    def __str__(self) -> str:
        return f"{self.frame_id}:{self.number}"


class Sample(models.Model):
    """A reproducible random draw from a frame: the seed and the sizes per stratum are kept and shown."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="samples", verbose_name=_("ballot"))
    frame = models.ForeignKey(Frame, on_delete=models.PROTECT, related_name="samples", verbose_name=_("frame"))
    seed = models.BigIntegerField(_("seed"))
    # {stratum: size}
    sizes = models.JSONField(_("sizes by stratum"), default=dict)
    size = models.PositiveIntegerField(_("sample size"), default=0)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("drawn by")
    )
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    # Tokens are issued once per sample, as sheets or as links; which code went to which row is never kept.
    issued_as = models.CharField(_("issued as"), max_length=8, choices=Medium.choices, blank=True)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.frame_id}:{self.seed}"


class SampleRow(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="rows", verbose_name=_("sample"))
    row = models.ForeignKey(FrameRow, on_delete=models.CASCADE, related_name="+", verbose_name=_("frame row"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sample", "row"], name="sample_row_once")]

    def __str__(self) -> str:
        return f"{self.sample_id}:{self.row_id}"
