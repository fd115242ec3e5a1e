"""Writes of target management: sheets as data, letters issued and signed, targets broken down, evidence, scores.

Who acts (DOMAIN §9: responsibility letters signed at the start of the year, assessment at its end by the level
above): the organisation that defines a sheet (CHANGE there); the issuing organisation issues letters to units
strictly below it and scores them; the unit (a role held at the unit itself) signs, breaks its targets down to
its departments and people, and adds evidence.  A unit never scores itself.  Refusals are ValidationErrors.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.accounts.selectors import acting_as
from vanguard.core import audit, refusals, tree
from vanguard.core.transitions import StateMachine, Transition
from vanguard.members.models import Member
from vanguard.orgs.models import Organisation
from vanguard.targets import events
from vanguard.targets.models import (
    Evidence,
    Letter,
    LetterStatus,
    ScoreSheet,
    SheetItem,
    SheetStatus,
    Target,
)

TENTH = Decimal("0.1")
MAX_POINTS = Decimal(1000)
ITEM_TEXT_FIELDS = ("criterion", "standard", "deadline", "responsible", "measures", "reward")


def _points(value: Any, field: str, *, low: Decimal = TENTH, high: Decimal = MAX_POINTS) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refusals.invalid(field, _("Give points as a number, e.g. 10 or 7.5."), "bad_points") from None
    if not points.is_finite() or points != points.quantize(TENTH) or not low <= points <= high:
        raise refusals.invalid(
            field,
            _("Points are between %(low)s and %(high)s, to one decimal.") % {"low": low, "high": high},
            "bad_points",
        )
    return points.quantize(TENTH)


# --- score sheets as data ------------------------------------------------------------------------------------------


@transaction.atomic
def define_sheet(
    *,
    actor,
    organisation: Organisation,
    name: str,
    meant_for: str,
    parts: Sequence[dict],
    items: Sequence[dict],
) -> ScoreSheet:
    """A draft sheet from data: `parts` [{"key", "name", "total"}], `items` [{"part", "title", "points", and
    optionally "criterion", "standard", "deadline", "responsible", "measures", "reward"}] in their order.
    Each problem names the item (its number, from 1) and the field."""
    refusals.require(actor, organisation.path, _("You may define score sheets only in your own subtree."))
    name = (name or "").strip()
    if not name:
        raise refusals.invalid("name", _("Give the sheet a name."), "no_name")
    if ScoreSheet.objects.filter(organisation=organisation, name=name).exists():
        raise refusals.invalid(
            "name",
            _("%(organisation)s already has a sheet of that name.") % {"organisation": organisation.name},
            "duplicate",
        )
    clean_parts = []
    for i, part in enumerate(parts, start=1):
        key, part_name = str(part.get("key", "")).strip(), str(part.get("name", "")).strip()
        if not key or not part_name:
            raise refusals.invalid("parts", _("Part %(n)s needs a key and a name.") % {"n": i}, "bad_part")
        if key in {p["key"] for p in clean_parts}:
            raise refusals.invalid("parts", _("Part %(n)s repeats the key %(key)s.") % {"n": i, "key": key}, "bad_part")
        clean_parts.append({"key": key, "name": part_name, "total": str(_points(part.get("total"), "parts"))})
    if not clean_parts:
        raise refusals.invalid("parts", _("A sheet has at least one part."), "no_parts")
    if not items:
        raise refusals.invalid("items", _("A sheet has at least one item."), "no_items")
    keys = {p["key"] for p in clean_parts}
    rows = []
    for order, item in enumerate(items, start=1):
        title = str(item.get("title", "")).strip()
        if not title:
            raise refusals.invalid("items", _("Item %(n)s has no title.") % {"n": order}, "bad_item")
        if item.get("part") not in keys:
            raise refusals.invalid(
                "items",
                _("Item %(n)s belongs to no part of the sheet (%(part)s).") % {"n": order, "part": item.get("part")},
                "bad_item",
            )
        try:
            points = _points(item.get("points"), "items")
        except ValidationError:
            raise refusals.invalid(
                "items", _("Item %(n)s: points are between 0.1 and 1000, to one decimal.") % {"n": order}, "bad_item"
            ) from None
        extra = {f: str(item.get(f, "") or "").strip()[:300] for f in ITEM_TEXT_FIELDS}
        rows.append(SheetItem(part=item["part"], order=order, title=title[:300], points=points, **extra))
    sheet = ScoreSheet.objects.create(
        organisation=organisation, org_path=organisation.path, name=name, meant_for=(meant_for or "").strip(),
        parts=clean_parts,
    )  # fmt: skip
    for row in rows:
        row.sheet = sheet
    SheetItem.objects.bulk_create(rows)
    audit.record(
        event=events.SHEET_DEFINED, **acting_as(actor, organisation.path), target=sheet, organisation=organisation,
        data={"items": len(rows), "parts": [p["key"] for p in clean_parts]},
    )  # fmt: skip
    return sheet


def part_totals(sheet: ScoreSheet) -> dict[str, Decimal]:
    totals = {p["key"]: Decimal(0) for p in sheet.parts}
    for part, points in sheet.items.values_list("part", "points"):
        totals[part] += points
    return totals


@transaction.atomic
def publish_sheet(*, actor, sheet: ScoreSheet) -> ScoreSheet:
    """A sheet is used once published, and only if each part's items add up to the part's total."""
    refusals.require(actor, sheet.org_path, _("Only the organisation that defined the sheet publishes it."))
    if sheet.status == SheetStatus.PUBLISHED:
        raise ValidationError(_("The sheet is already published."), code="published")
    totals = part_totals(sheet)
    for part in sheet.parts:
        if totals[part["key"]] != Decimal(part["total"]):
            raise ValidationError(
                _("The items of “%(part)s” add up to %(sum)s points, not %(total)s.")
                % {"part": part["name"], "sum": totals[part["key"]], "total": part["total"]},
                code="unbalanced",
            )
    sheet.status = SheetStatus.PUBLISHED
    sheet.save(update_fields=["status"])
    audit.record(event=events.SHEET_PUBLISHED, **acting_as(actor, sheet.org_path), target=sheet,
                 organisation=sheet.organisation_id)  # fmt: skip
    return sheet


# --- letters -------------------------------------------------------------------------------------------------------


@transaction.atomic
def issue_letters(
    *, actor, sheet: ScoreSheet, year: int, issued_by: Organisation, units: Iterable[Organisation]
) -> list[Letter]:
    """One letter per unit for the year, each with a target per item of the sheet (the item's own words until the
    unit breaks it down).  Units lie strictly below the issuing organisation; the sheet is published and defined
    at the issuer or above."""
    refusals.require(actor, issued_by.path, _("You may issue letters only from your own organisation."))
    if sheet.status != SheetStatus.PUBLISHED:
        raise refusals.invalid("sheet", _("Publish the sheet before issuing letters on it."), "draft")
    if not tree.is_within(issued_by.path, sheet.org_path):
        raise refusals.invalid("sheet", _("The sheet was defined outside your line."), "outside")
    today = timezone.localdate()
    if not today.year - 1 <= year <= today.year + 1:
        raise refusals.invalid("year", _("Issue letters for this year, last year or next year."), "bad_year")
    units = list(units)
    if not units:
        raise refusals.invalid("units", _("Choose the units."), "no_units")
    for unit in units:
        if unit.pk == issued_by.pk or not tree.is_within(unit.path, issued_by.path):
            raise refusals.invalid(
                "units",
                _("%(unit)s is not below %(issuer)s.") % {"unit": unit.name, "issuer": issued_by.name},
                "not_below",
            )
    items = list(sheet.items.all())
    letters = []
    try:
        with transaction.atomic():
            for unit in units:
                letter = Letter.objects.create(
                    sheet=sheet, year=year, organisation=unit, org_path=unit.path, issued_by=issued_by,
                    issued_by_path=issued_by.path,
                )  # fmt: skip
                Target.objects.bulk_create(
                    [Target(letter=letter, item=item, text=item.standard or item.title) for item in items]
                )
                letters.append(letter)
    except IntegrityError:
        raise refusals.invalid(
            "units", _("A unit already has a letter on this sheet for %(year)s.") % {"year": year}, "duplicate"
        ) from None
    acting = acting_as(actor, issued_by.path)
    audit.record_many(
        [
            LETTER_SEAL.draft(
                letter,
                event=events.LETTERS_ISSUED,
                organisation=letter.organisation_id,
                data={"year": year, "sheet": sheet.pk},
                **acting,
            )  # fmt: skip
            for letter in letters
        ]
    )
    return letters


def holds_role_at_unit(user, letter: Letter) -> bool:
    """The unit itself acts: a secretary's or office's role held at the unit (not above it, not below it)."""
    return RoleAssignment.objects.current().filter(
        user=user, organisation_id=letter.organisation_id, role__in=[Role.SECRETARY, Role.ADMIN]
    ).exists() or bool(getattr(user, "is_superuser", False))


def acts_within_unit(user, letter: Letter) -> bool:
    """The unit or one of its departments: a secretary's or office's role held at the unit or below it."""
    return RoleAssignment.objects.current().filter(
        tree.subtree_q("organisation__path", letter.org_path), user=user, role__in=[Role.SECRETARY, Role.ADMIN]
    ).exists() or bool(getattr(user, "is_superuser", False))


def assesses(user, letter: Letter) -> bool:
    """The issuing side: CHANGE at the issuer, through a role that is not the unit's own."""
    if getattr(user, "is_superuser", False):
        return True
    return (
        RoleAssignment.objects.current()
        .filter(
            user=user,
            role__in=[Role.SECRETARY, Role.ADMIN],
            organisation__path__in=[*tree.ancestor_paths(letter.issued_by_path), letter.issued_by_path],
        )
        .exists()
    )


# A letter's state and total restated in the trail at every change: a total edited by SQL is found by verify_audit.
LETTER_SEAL = audit.Seal(Letter, lambda letter: {"status": letter.status, "total": letter.total})


def _signed(letter: Letter, context: dict) -> None:
    letter.signed_on = context["on"]
    letter.signed_by = context["signed_by"]


def _all_scored(letter: Letter, context: dict):
    missing = letter.targets.filter(parent__isnull=True, score__isnull=True).count()
    if missing:
        return gettext_lazy("%(n)s target(s) have no score yet.") % {"n": missing}
    return None


def _assessed(letter: Letter, context: dict) -> None:
    letter.assessed_on = context["on"]
    letter.total = total_of(letter)
    letter.outcome = context.get("outcome", "")


LETTER_FLOW = StateMachine(
    "targets.letter",
    Letter,
    transitions=[
        Transition(
            "sign",
            gettext_lazy("Sign"),
            source=[LetterStatus.ISSUED],
            target=LetterStatus.SIGNED,
            may=holds_role_at_unit,
            effect=_signed,
            saves=["signed_on", "signed_by"],
        ),  # fmt: skip
        Transition(
            "assess",
            gettext_lazy("Conclude the assessment"),
            source=[LetterStatus.SIGNED],
            target=LetterStatus.ASSESSED,
            may=assesses,
            guards=[_all_scored],
            effect=_assessed,
            saves=["assessed_on", "total", "outcome"],
        ),  # fmt: skip
    ],
    organisation_of=lambda letter: letter.organisation_id,
    seal=LETTER_SEAL,
)


def sign(*, actor, letter: Letter, signed_by: str, on: datetime.date | None = None) -> Letter:
    """目标责任书 signed for the unit at the start of the year."""
    signed_by = (signed_by or "").strip()
    if not signed_by:
        raise refusals.invalid("signed_by", _("Name who signs for the unit."), "no_signer")
    on = on or timezone.localdate()
    return LETTER_FLOW.take(letter, "sign", **acting_as(actor, letter.org_path), on=on, signed_by=signed_by)


def total_of(letter: Letter) -> Decimal:
    return sum((t.score for t in letter.targets.filter(parent__isnull=True) if t.score is not None), Decimal(0))


def part_scores(letter: Letter) -> dict[str, Decimal]:
    """Each part's score: the sum of its items' scores (unscored items count nothing)."""
    return parts_scored([letter])[letter.pk]


def parts_scored(letters: Sequence[Letter]) -> dict[int, dict[str, Decimal]]:
    """Each letter's part scores, from one grouped query whatever the number of letters (a ranking's rows)."""
    scores = {letter.pk: {p["key"]: Decimal(0) for p in letter.sheet.parts} for letter in letters}
    for letter_id, part, total in (
        Target.objects.filter(letter__in=[letter.pk for letter in letters], parent__isnull=True)
        .values_list("letter_id", "item__part")
        .annotate(total=Sum("score"))
        .order_by()
    ):
        scores[letter_id][part] = total or Decimal(0)
    return scores


@transaction.atomic
def break_down(
    *, actor, target: Target, text: str, department: Organisation | None = None, person: Member | None = None
) -> Target:
    """A share of a target given to a department of the unit or to a person in it (targets broken down)."""
    letter = Letter.objects.get(pk=target.letter_id)
    if not holds_role_at_unit(actor, letter):
        raise ValidationError(_("Only the unit breaks its targets down."), code="forbidden")
    if letter.status == LetterStatus.ASSESSED:
        raise ValidationError(_("The letter is assessed: its targets are closed."), code="closed")
    if (department is None) == (person is None):
        raise refusals.invalid("department", _("Give the share to a department or to a person."), "who")
    path = department.path if department else person.org_path
    if not tree.is_within(path, letter.org_path):
        raise refusals.invalid("department", _("The share goes to a department or person of the unit."), "outside")
    text = (text or "").strip()
    if not text:
        raise refusals.invalid("text", _("Say what the share is."), "no_text")
    top = target if target.parent_id is None else target.parent
    share = Target.objects.create(
        letter=letter, item=top.item, parent=top, text=text, assignee_organisation=department, assignee_member=person
    )
    audit.record(event=events.TARGET_BROKEN_DOWN, **acting_as(actor, letter.org_path), target=letter,
                 organisation=letter.organisation_id, data={"target": top.pk, "share": share.pk})  # fmt: skip
    return share


@transaction.atomic
def add_evidence(*, actor, target: Target, on: datetime.date, text: str, link: str = "") -> Evidence:
    letter = Letter.objects.get(pk=target.letter_id)
    if not acts_within_unit(actor, letter):
        raise ValidationError(_("Only the unit adds evidence to its targets."), code="forbidden")
    if letter.status != LetterStatus.SIGNED:
        raise ValidationError(_("Evidence is added while the signed letter runs."), code="not_running")
    if on > timezone.localdate() or on.year != letter.year:
        raise refusals.invalid(
            "on", _("Evidence is dated within %(year)s and not in the future.") % {"year": letter.year}, "bad_date"
        )
    text = (text or "").strip()
    if not text:
        raise refusals.invalid("text", _("Say what was done."), "no_text")
    evidence = Evidence.objects.create(target=target, on=on, text=text[:500], link=link, recorded_by=actor)
    audit.record(event=events.EVIDENCE_ADDED, **acting_as(actor, letter.org_path), target=letter,
                 organisation=letter.organisation_id, data={"target": target.pk})  # fmt: skip
    return evidence


@transaction.atomic
def give_scores(*, actor, letter: Letter, scores: dict[int, tuple[Any, str]]) -> Letter:
    """The issuing side scores the letter's targets: each between 0 and its item's points, to one decimal."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if not assesses(actor, letter):
        raise ValidationError(_("Only the issuing organisation scores the letter."), code="forbidden")
    if letter.status != LetterStatus.SIGNED:
        raise ValidationError(_("Scores are given to a signed letter not yet concluded."), code="not_signed")
    targets = {t.pk: t for t in letter.targets.filter(parent__isnull=True).select_related("item")}
    changed = []
    for target_id, (value, note) in scores.items():
        target = targets.get(int(target_id))
        if target is None:
            raise refusals.invalid("scores", _("Target %(id)s is not on this letter.") % {"id": target_id}, "unknown")
        if value in (None, ""):
            continue
        try:
            target.score = _points(value, "scores", low=Decimal(0), high=target.item.points)
        except ValidationError:
            raise refusals.invalid(
                "scores",
                _("“%(item)s”: a score between 0 and %(points)s, to one decimal.")
                % {"item": target.item.title, "points": target.item.points},
                "bad_score",
            ) from None
        target.score_note = (note or "").strip()[:300]
        changed.append(target)
    Target.objects.bulk_update(changed, ["score", "score_note"])
    audit.record(event=events.SCORES_GIVEN, **acting_as(actor, letter.issued_by_path), target=letter,
                 organisation=letter.organisation_id,
                 data={"scores": {str(t.pk): str(t.score) for t in changed}})  # fmt: skip
    return letter


def conclude(*, actor, letter: Letter, outcome: str = "", on: datetime.date | None = None) -> Letter:
    """The year's assessment concluded: the total is fixed (sealed in the trail) and the letter ranks."""
    on = on or timezone.localdate()
    return LETTER_FLOW.take(letter, "assess", **acting_as(actor, letter.issued_by_path), on=on, outcome=outcome)


def ranking(*, issued_by: Organisation, sheet: ScoreSheet, year: int) -> list[tuple[int, Letter]]:
    """The assessed units of one issuer, sheet and year, best first; equal totals share a rank (1, 2, 2, 4)."""
    letters = list(
        Letter.objects.filter(issued_by=issued_by, sheet=sheet, year=year, status=LetterStatus.ASSESSED)
        .select_related("organisation", "sheet")
        .order_by("-total", "organisation__name", "pk")
    )
    ranked, previous, rank = [], None, 0
    for position, letter in enumerate(letters, start=1):
        if letter.total != previous:
            rank, previous = position, letter.total
        ranked.append((rank, letter))
    return ranked
