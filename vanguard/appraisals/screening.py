"""Weak-organisation screening (软弱涣散基层党组织, DOMAIN §6): three methods, a composite, the bottom share flagged.

The three methods of §6 are the components of a composite score, each 0–100:

- *members* and *public*: the satisfaction rate (per cent) of the organisation in the campaign's closed ballots,
  by the members' and the public's constituencies.  A ballot rates an organisation through a satisfaction question
  whose subject is "team" (subject_id: the organisation) or "unit" (subject_id: a campaigns.Unit of the campaign,
  standing for its organisation).  Several such questions and ballots are pooled by summing their satisfied ballots
  and valid ballots, so a ballot with more voters weighs more.
- *upper*: the assessment by the organisation above (`UpperAssessment`, 0–100), recorded one at a time or from a
  workbook of codes and scores.

The composite is the weighted mean of the components present, the campaign's weights (`Rules`) re-normalised over
them; an organisation with no component present is not ranked ("no data").  Ranks run from the lowest composite
(rank 1) up, equal composites sharing a rank.  The bottom share (`Rules.bottom_share`, "not fewer than" the share:
rounded up, at least one when any is ranked) is flagged for remedy, and every organisation tied with the last one
inside the cut is flagged too, so a tie never decides by database order.  Each flag keeps its criteria as codes and
values (worded when shown, in the reader's language): rank of N, the cut, each component with its weight and what it
rests on, components missing, components below the campaign's satisfaction threshold, a tie at the cut.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, scope_roots
from vanguard.accounts.selectors import acting_as
from vanguard.appraisals import events
from vanguard.appraisals.models import Rules, Screening, ScreeningEntry, UpperAssessment
from vanguard.ballots.models import Ballot, Constituency, QuestionKind, Status, Subject
from vanguard.ballots.results import compute
from vanguard.campaigns.models import Campaign, Unit
from vanguard.core import audit, tree
from vanguard.core.spreadsheets import (
    DEFAULT_LIMITS,
    Column,
    SpreadsheetError,
    column_letter,
    fill_merged,
    find_header,
    is_blank,
    open_sheets,
    text,
)
from vanguard.orgs.models import Kind, Organisation

MEMBERS, PUBLIC, UPPER = "members", "public", "upper"
COMPONENTS = (MEMBERS, PUBLIC, UPPER)
CONSTITUENCY = {MEMBERS: Constituency.MEMBERS, PUBLIC: Constituency.PUBLIC}
CENT = Decimal("0.01")
SCORE_MAX = Decimal(100)
NOTE_MAX = 2000
# An upload is checked and written within the request; a city's branches are some tens of thousands.
MAX_ROWS = 50_000


def component_label(name: str) -> str:
    return {
        MEMBERS: _("Members' appraisal"),
        PUBLIC: _("Public appraisal"),
        UPPER: _("Assessment from above"),
    }[name]


def rules_of(campaign: Campaign) -> Rules:
    """The campaign's rules, or the defaults when its office has not set any (an unsaved row)."""
    return Rules.objects.filter(campaign=campaign).first() or Rules(campaign=campaign)


def decimal(value) -> Decimal:
    """A setting as a Decimal: an unsaved Rules row holds its defaults as floats (0.05), which Decimal takes wrongly."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def percent(hits: int, valid: int) -> Decimal | None:
    if not valid:
        return None
    return (Decimal(hits) * 100 / Decimal(valid)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- the arithmetic ------------------------------------------------------------------------------------------------


def normalised_weights(values: Mapping[str, Decimal | None], weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The weights of the components present (a value, and a weight above 0), scaled to add up to 1."""
    present = {
        name: decimal(weights[name]) for name in COMPONENTS if values.get(name) is not None and weights[name] > 0
    }
    total = sum(present.values(), Decimal(0))
    if not total:
        return {}
    return {name: weight / total for name, weight in present.items()}


def composite(values: Mapping[str, Decimal | None], weights: Mapping[str, Decimal]) -> Decimal | None:
    """The weighted mean of the components present, re-normalised over them; None when none is present."""
    share = normalised_weights(values, weights)
    if not share:
        return None
    total = sum((decimal(values[name]) * weight for name, weight in share.items()), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def ranks(scores: list[Decimal | None]) -> list[int | None]:
    """Rank from the lowest score (1) up; equal scores share the better rank (1, 2, 2, 4); None stays unranked."""
    known = sorted(score for score in scores if score is not None)
    below: dict[Decimal, int] = {}
    for index, score in enumerate(known):
        below.setdefault(score, index)
    return [None if score is None else below[score] + 1 for score in scores]


def cut_size(share: Decimal, ranked: int) -> int:
    """How many of `ranked` the bottom share takes: not fewer than the share (rounded up), at least one, at most all."""
    if ranked <= 0:
        return 0
    wanted = math.ceil(decimal(share) * ranked)
    return min(ranked, max(1, wanted))


def flagged(scores: list[Decimal | None], cut: int) -> tuple[list[bool], Decimal | None]:
    """Which scores fall in the bottom `cut`, ties with the last one inside it included; and that last score."""
    known = sorted(score for score in scores if score is not None)
    if not known or cut <= 0:
        return [False] * len(scores), None
    edge = known[cut - 1]
    return [score is not None and score <= edge for score in scores], edge


# --- members' and public appraisal from ballots --------------------------------------------------------------------


@dataclass
class Pool:
    """Satisfied and valid ballots pooled over every question that rates one organisation for one constituency."""

    hits: int = 0
    valid: int = 0
    ballots: set[int] = field(default_factory=set)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.hits, self.valid)


def _subject_id(question: dict) -> int | None:
    try:
        return int(question.get("subject_id"))
    except (TypeError, ValueError):
        return None


def _rating_questions(ballot: Ballot) -> list[tuple[dict, str, int]]:
    """(question, subject, subject id) of the ballot's satisfaction questions about a team or a unit."""
    found = []
    for question in ballot.questions or []:
        if question.get("kind") != QuestionKind.SATISFACTION:
            continue
        subject = question.get("subject")
        subject_id = _subject_id(question)
        if subject in (Subject.TEAM, Subject.UNIT) and subject_id is not None:
            found.append((question, subject, subject_id))
    return found


def appraisal_pools(campaign: Campaign, organisation_ids: Iterable[int]) -> dict[int, dict[str, Pool]]:
    """{organisation id: {"members": Pool, "public": Pool}} from the campaign's closed ballots, for these organisations.

    A unit's question counts for the unit's organisation only when the unit belongs to this campaign.  Ballots still
    open are left out: their results are not final (and may not be shown).
    """
    wanted = set(organisation_ids)
    ballots = [
        (ballot, questions)
        for ballot in Ballot.objects.filter(campaign=campaign, status=Status.CLOSED).order_by("pk")
        if (questions := _rating_questions(ballot))
    ]
    unit_ids = {
        subject_id for _ballot, questions in ballots for _q, subject, subject_id in questions if subject == "unit"
    }
    unit_organisation = dict(
        Unit.objects.filter(campaign=campaign, pk__in=unit_ids).values_list("pk", "organisation_id")
    )
    pools: dict[int, dict[str, Pool]] = defaultdict(lambda: {name: Pool() for name in CONSTITUENCY})
    for ballot, questions in ballots:
        targets = []
        for question, subject, subject_id in questions:
            organisation_id = subject_id if subject == Subject.TEAM else unit_organisation.get(subject_id)
            if organisation_id in wanted:
                targets.append((question["key"], organisation_id))
        if not targets:
            continue
        results = compute(ballot)
        if not results.visible:
            continue
        for key, organisation_id in targets:
            result = results.question(key)
            for name, constituency in CONSTITUENCY.items():
                rate = result.satisfaction(constituency)
                if rate is None or not rate.total:
                    continue
                pool = pools[organisation_id][name]
                pool.hits += rate.hits
                pool.valid += rate.total
                pool.ballots.add(ballot.pk)
    return dict(pools)


# --- assessment from above -----------------------------------------------------------------------------------------


def parent_path(organisation: Organisation) -> str:
    return organisation.path[: -tree.SEGMENT_WIDTH]


def may_assess(user, organisation: Organisation) -> bool:
    """Only the organisation above assesses: CHANGE at the parent's path, not at the organisation's own."""
    above = parent_path(organisation)
    return bool(above) and can_at_path(user, Action.CHANGE, above)


def in_campaign(campaign: Campaign, organisation: Organisation) -> bool:
    return tree.is_within(organisation.path, campaign.org_path)


def clean_score(value) -> Decimal:
    """A score as stored (0–100, at most two decimals); ValidationError with the reason otherwise."""
    if isinstance(value, bool):
        value = str(value)
    try:
        score = Decimal(text(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text(value)}, code="not_number") from None
    if not score.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text(value)}, code="not_number")
    if not 0 <= score <= SCORE_MAX:
        raise ValidationError(_("A score is from 0 to 100."), code="out_of_range")
    if score != score.quantize(CENT):
        raise ValidationError(_("A score has at most two decimals."), code="too_precise")
    return score.quantize(CENT)


@transaction.atomic
def record_assessment(
    *, campaign: Campaign, organisation: Organisation, actor, score, note: str = "", today: datetime.date | None = None
) -> UpperAssessment:
    """Record (or change) the organisation above's score of `organisation` in the campaign (DOMAIN §6)."""
    if not in_campaign(campaign, organisation):
        raise ValidationError(_("This organisation is not in the campaign."), code="not_in_campaign")
    if not parent_path(organisation):
        raise ValidationError(_("This organisation has none above it to assess it."), code="no_parent")
    if actor is not None and not may_assess(actor, organisation):
        raise ValidationError(_("Only the organisation above may assess this organisation."), code="forbidden")
    score = clean_score(score)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("At most %(limit)d characters.") % {"limit": NOTE_MAX}, code="too_long")
    today = today or timezone.localdate()
    found = UpperAssessment.objects.select_for_update().filter(campaign=campaign, organisation=organisation).first()
    old = (found.score, found.note) if found else (None, "")
    if found is None:
        found = UpperAssessment(campaign=campaign, organisation=organisation)
    found.org_path = organisation.path
    found.score, found.note, found.assessed_by, found.assessed_on = score, note, actor, today
    found.save()
    audit.record(
        event=events.UPPER_ASSESSED,
        **acting_as(actor, parent_path(organisation)),
        target=found,
        organisation=organisation,
        changes=_changes(old, (score, note)),
        data={"campaign": campaign.pk},
    )
    return found


def _changes(old: tuple, new: tuple) -> dict:
    changes = {}
    if old[0] != new[0]:
        changes["score"] = [None if old[0] is None else str(old[0]), str(new[0])]
    if old[1] != new[1]:
        changes["note"] = [old[1], new[1]]
    return changes


UPLOAD_COLUMNS = [
    Column(
        "code", ["组织代码", "党组织代码", "代码", "组织编码", "编码", "code", "organisation code", "org code"], True
    ),
    Column("score", ["评分", "得分", "分数", "评价得分", "考核得分", "score"], True),
    Column("note", ["备注", "说明", "评语", "意见", "note", "notes", "remark", "remarks"]),
    Column("name", ["组织名称", "党组织名称", "名称", "name"]),  # for the reader of the sheet; matched by code only
]
REQUIRED_COLUMNS = [column.key for column in UPLOAD_COLUMNS if column.required]


@dataclass(frozen=True)
class RowProblem:
    row: int  # the sheet's own row number; 0 for the file as a whole
    column: str  # "B · 得分", or "" for the file or the row as a whole
    message: str


class AssessmentsRefused(Exception):
    """Nothing was stored; `problems` names every bad row, with its column and why."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(problems[0].message if problems else "")


@dataclass
class Imported:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def column_name(key: str) -> str:
    return {"code": _("Code"), "score": _("Score"), "note": _("Note"), "name": _("Name")}[key]


def _read_rows(path: Path, problems: list[RowProblem]) -> tuple[list[dict], dict[str, str]]:
    try:
        for sheet in open_sheets(path):
            rows = fill_merged(sheet.rows, sheet.merged)
            head = [row for _n, row in zip(range(DEFAULT_LIMITS.header_search_rows), rows, strict=False)]
            header = find_header(head, UPLOAD_COLUMNS)
            if header is None:
                continue
            missing = [column_name(key) for key in REQUIRED_COLUMNS if key not in header.positions]
            if missing:
                problems.append(
                    RowProblem(
                        header.row_number,
                        "",
                        _("The header row has no column for: %(columns)s.") % {"columns": ", ".join(missing)},
                    )
                )
                return [], {}
            labels = {key: f"{column_letter(i)} · {header.labels[key]}" for key, i in header.positions.items()}
            read = []
            for row in itertools.chain((r for r in head if r.number > header.row_number), rows):
                if is_blank(row.cells):
                    continue
                if len(read) >= MAX_ROWS:
                    problems.append(
                        RowProblem(row.number, "", _("More than %(count)d rows: split the file.") % {"count": MAX_ROWS})
                    )
                    break
                cells = row.cells
                values = {key: (cells[i] if i < len(cells) else "") for key, i in header.positions.items()}
                read.append({"number": row.number, **values})
            return read, labels
    except SpreadsheetError as exc:
        problems.append(RowProblem(0, "", str(exc)))
        return [], {}
    problems.append(
        RowProblem(0, "", _("No header row found: the first rows should name the columns 组织代码 and 得分."))
    )
    return [], {}


def check_assessments(*, campaign: Campaign, actor, path: Path | str) -> tuple[list[dict], list[RowProblem]]:
    """The file's rows as {"organisation", "score", "note", "number"} and every problem found (nothing stored).

    A code must name exactly one organisation of the campaign that the actor may assess; one the actor may not
    assess reads the same as one that does not exist, so an upload reveals nothing outside the actor's scope.
    """
    problems: list[RowProblem] = []
    rows, labels = _read_rows(Path(path), problems)
    if problems:
        return [], problems
    if not rows:
        return [], [RowProblem(0, "", _("The file has no rows below its header."))]
    codes = {text(row["code"]) for row in rows} - {""}
    candidates: dict[str, list[Organisation]] = defaultdict(list)
    for organisation in Organisation.objects.filter(tree.subtree_q("path", campaign.org_path), code__in=codes):
        if actor is None or may_assess(actor, organisation):
            candidates[organisation.code].append(organisation)
    seen: dict[str, int] = {}
    good: list[dict] = []
    for row in rows:
        number = row["number"]
        found = len(problems)
        code = text(row["code"])
        if not code:
            problems.append(RowProblem(number, labels["code"], _("This cell must not be empty.")))
        elif code in seen:
            problems.append(
                RowProblem(number, labels["code"], _("This code is also in row %(row)d.") % {"row": seen[code]})
            )
        else:
            seen[code] = number
            matches = candidates.get(code, [])
            if not matches:
                problems.append(
                    RowProblem(
                        number,
                        labels["code"],
                        _("No organisation of this campaign that you may assess has the code “%(code)s”.")
                        % {"code": code},
                    )
                )
            elif len(matches) > 1:
                problems.append(
                    RowProblem(
                        number, labels["code"], _("Several organisations have the code “%(code)s”.") % {"code": code}
                    )
                )
        score = None
        if text(row["score"]) == "":
            problems.append(RowProblem(number, labels["score"], _("This cell must not be empty.")))
        else:
            try:
                score = clean_score(row["score"])
            except ValidationError as exc:
                problems.append(RowProblem(number, labels["score"], exc.messages[0]))
        note = text(row.get("note", ""))
        if len(note) > NOTE_MAX:
            problems.append(
                RowProblem(number, labels["note"], _("At most %(limit)d characters.") % {"limit": NOTE_MAX})
            )
        if len(problems) == found:
            good.append({"number": number, "organisation": candidates[code][0], "score": score, "note": note})
    return good, problems


@transaction.atomic
def import_assessments(*, campaign: Campaign, actor, path: Path | str, today: datetime.date | None = None) -> Imported:
    """Record every row of a workbook (code, score, note) or none: AssessmentsRefused names every bad row."""
    rows, problems = check_assessments(campaign=campaign, actor=actor, path=path)
    if problems:
        raise AssessmentsRefused(problems)
    today = today or timezone.localdate()
    existing = {
        found.organisation_id: found
        for found in UpperAssessment.objects.select_for_update().filter(
            campaign=campaign, organisation__in=[row["organisation"].pk for row in rows]
        )
    }
    outcome = Imported()
    created, changed, drafts = [], [], []
    for row in rows:
        organisation = row["organisation"]
        found = existing.get(organisation.pk)
        old = (found.score, found.note) if found else (None, "")
        if found is not None and old == (row["score"], row["note"]):
            outcome.unchanged += 1
            continue
        if found is None:
            found = UpperAssessment(campaign=campaign, organisation=organisation)
            created.append(found)
        else:
            changed.append(found)
        found.org_path = organisation.path
        found.score, found.note, found.assessed_by, found.assessed_on = row["score"], row["note"], actor, today
        drafts.append((found, organisation, _changes(old, (row["score"], row["note"]))))
    UpperAssessment.objects.bulk_create(created, batch_size=2000)
    UpperAssessment.objects.bulk_update(
        changed, ["org_path", "score", "note", "assessed_by", "assessed_on"], batch_size=2000
    )
    if created and created[0].pk is None:  # a backend that returns no keys from a bulk insert
        keys = dict(
            UpperAssessment.objects.filter(
                campaign=campaign, organisation__in=[a.organisation_id for a in created]
            ).values_list("organisation_id", "pk")
        )
        for made in created:
            made.pk = keys[made.organisation_id]
    audit.record_many(
        audit.Draft(
            events.UPPER_ASSESSED,
            **acting_as(actor, parent_path(organisation)),
            target=found,
            organisation=organisation,
            changes=changes,
            data={"campaign": campaign.pk, "upload": True},
        )
        for found, organisation, changes in drafts
    )
    outcome.created, outcome.changed = len(created), len(changed)
    return outcome


# --- the screening run ---------------------------------------------------------------------------------------------


@dataclass
class Scored:
    organisation: Organisation
    values: dict[str, Decimal | None]
    pools: dict[str, Pool]
    composite: Decimal | None = None
    rank: int | None = None
    flagged: bool = False
    criteria: list[dict] = field(default_factory=list)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def score_organisations(
    *,
    organisations: list[Organisation],
    pools: Mapping[int, Mapping[str, Pool]],
    upper: Mapping[int, Decimal],
    rules: Rules,
) -> list[Scored]:
    """The whole screening of one level, without the database: components, composite, rank, flags and criteria."""
    weights = {
        MEMBERS: decimal(rules.weight_members),
        PUBLIC: decimal(rules.weight_public),
        UPPER: decimal(rules.weight_upper),
    }
    threshold = decimal(rules.threshold)
    scored = []
    for organisation in organisations:
        own = pools.get(organisation.pk, {})
        values = {name: (own[name].rate if name in own else None) for name in CONSTITUENCY}
        values[UPPER] = upper.get(organisation.pk)
        scored.append(Scored(organisation, values, dict(own), composite(values, weights)))
    composites = [s.composite for s in scored]
    ranked = sum(1 for c in composites if c is not None)
    cut = cut_size(rules.bottom_share, ranked)
    flags, edge = flagged(composites, cut)
    for entry, rank, flag in zip(scored, ranks(composites), flags, strict=True):
        entry.rank, entry.flagged = rank, flag
    flagged_count = sum(flags)
    for entry in scored:
        if entry.flagged:
            entry.criteria = _criteria(
                entry, weights, threshold, decimal(rules.bottom_share), ranked, cut, flagged_count, edge
            )
    return scored


def _criteria(entry, weights, threshold, share, ranked, cut, flagged_count, edge) -> list[dict]:
    share_of = normalised_weights(entry.values, weights)
    criteria: list[dict] = [
        {"criterion": "rank", "value": entry.rank, "of": ranked},
        {"criterion": "bottom_share", "value": float(share), "cut": cut, "of": ranked},
        {
            "criterion": "composite",
            "value": _number(entry.composite),
            "components": list(share_of),
            "missing": [name for name in COMPONENTS if entry.values[name] is None],
        },
    ]
    for name in share_of:
        item = {"criterion": name, "value": _number(entry.values[name]), "weight": round(float(share_of[name]), 4)}
        pool = entry.pools.get(name)
        if pool is not None:
            item.update(hits=pool.hits, valid=pool.valid, ballots=len(pool.ballots))
        criteria.append(item)
    for name in COMPONENTS:
        value = entry.values[name]
        if value is not None and value < threshold:
            criteria.append(
                {
                    "criterion": "below_threshold",
                    "component": name,
                    "value": float(value),
                    "threshold": float(threshold),
                }
            )
    if flagged_count > cut:
        criteria.append({"criterion": "tied_at_cut", "value": _number(edge), "cut": cut, "flagged": flagged_count})
    return criteria


def describe(criterion: Mapping) -> str:
    """One criterion in the reader's language."""
    kind = criterion.get("criterion")
    if kind == "rank":
        return _("Rank %(rank)s of %(of)s (from the lowest composite)") % {
            "rank": criterion["value"],
            "of": criterion["of"],
        }
    if kind == "bottom_share":
        return _("Bottom %(share)s%%: the lowest %(cut)s of %(of)s are flagged") % {
            "share": percent_text(criterion["value"] * 100),
            "cut": criterion["cut"],
            "of": criterion["of"],
        }
    if kind == "composite":
        missing = ", ".join(component_label(name) for name in criterion.get("missing", []))
        line = _("Composite score %(value)s from %(components)s") % {
            "value": percent_text(criterion["value"]),
            "components": ", ".join(component_label(name) for name in criterion.get("components", [])),
        }
        return f"{line}; {_('no data for %(missing)s') % {'missing': missing}}" if missing else line
    if kind in CONSTITUENCY:
        return _(
            "%(component)s %(value)s%% (%(hits)s satisfied of %(valid)s valid, %(ballots)s ballots), weight %(weight)s"
        ) % {
            "component": component_label(kind),
            "value": percent_text(criterion["value"]),
            "hits": criterion.get("hits", "—"),
            "valid": criterion.get("valid", "—"),
            "ballots": criterion.get("ballots", "—"),
            "weight": percent_text(criterion["weight"] * 100) + "%",
        }
    if kind == UPPER:
        return _("%(component)s %(value)s, weight %(weight)s") % {
            "component": component_label(kind),
            "value": percent_text(criterion["value"]),
            "weight": percent_text(criterion["weight"] * 100) + "%",
        }
    if kind == "below_threshold":
        return _("%(component)s %(value)s is below the threshold %(threshold)s") % {
            "component": component_label(criterion["component"]),
            "value": percent_text(criterion["value"]),
            "threshold": percent_text(criterion["threshold"]),
        }
    if kind == "tied_at_cut":
        return _(
            "Tied at the cut: %(flagged)s are flagged instead of %(cut)s, as all share the composite %(value)s"
        ) % {"flagged": criterion["flagged"], "cut": criterion["cut"], "value": percent_text(criterion["value"])}
    return str(criterion)


def percent_text(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(".")


def level_organisations(root: Organisation, level: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(tree.subtree_q("path", root.path), kind=level).order_by("path")


@transaction.atomic
def run_screening(*, campaign: Campaign, organisation: Organisation, level: str, actor) -> Screening:
    """Screen every organisation of kind `level` in `organisation`'s subtree, store the run and its entries."""
    if actor is not None and not can_at_path(actor, Action.CHANGE, organisation.path):
        raise ValidationError(_("You may not screen this organisation's subtree."), code="forbidden")
    if not in_campaign(campaign, organisation):
        raise ValidationError(_("This organisation is not in the campaign."), code="not_in_campaign")
    if level not in Kind.values:
        raise ValidationError(_("Unknown kind of organisation."), code="level")
    organisations = list(level_organisations(organisation, level))
    if not organisations:
        raise ValidationError(_("No organisation of this kind in the subtree."), code="empty")
    rules = rules_of(campaign)
    ids = [o.pk for o in organisations]
    upper = dict(
        UpperAssessment.objects.filter(
            campaign=campaign, organisation__in=level_organisations(organisation, level)
        ).values_list("organisation_id", "score")
    )
    scored = score_organisations(
        organisations=organisations, pools=appraisal_pools(campaign, ids), upper=upper, rules=rules
    )
    screening = Screening.objects.create(
        campaign=campaign,
        organisation=organisation,
        org_path=organisation.path,
        level=level,
        bottom_share=decimal(rules.bottom_share),
        run_by=actor,
    )
    ScreeningEntry.objects.bulk_create(
        [
            ScreeningEntry(
                screening=screening,
                organisation=s.organisation,
                members_rate=s.values[MEMBERS],
                public_rate=s.values[PUBLIC],
                upper_score=s.values[UPPER],
                composite=s.composite,
                rank=s.rank,
                flagged=s.flagged,
                criteria=s.criteria,
            )
            for s in scored
        ],
        batch_size=2000,
    )
    ranked = sum(1 for s in scored if s.rank is not None)
    audit.record(
        event=events.SCREENING_RUN,
        **acting_as(actor, organisation.path),
        target=screening,
        organisation=organisation,
        data={
            "campaign": campaign.pk,
            "level": level,
            "organisations": len(scored),
            "ranked": ranked,
            "flagged": sum(1 for s in scored if s.flagged),
            "bottom_share": str(rules.bottom_share),
            "weights": {
                MEMBERS: str(rules.weight_members),
                PUBLIC: str(rules.weight_public),
                UPPER: str(rules.weight_upper),
            },
            "threshold": str(rules.threshold),
        },
    )
    return screening


# --- who sees what -------------------------------------------------------------------------------------------------


def visible_screenings(user) -> QuerySet[Screening]:
    """Screenings of a subtree within the user's scope, and those over a wider subtree holding part of it.

    A district's secretary sees the city's screening, but only its own district's entries (`visible_entries`).
    """
    roots = scope_roots(user, Action.VIEW)
    if roots is None:
        return Screening.objects.all()
    if not roots:
        return Screening.objects.none()
    above = {path for root in roots for path in tree.ancestor_paths(root)}
    return Screening.objects.filter(tree.subtrees_q("org_path", roots) | Q(org_path__in=above))


def visible_entries(user, screening: Screening) -> QuerySet[ScreeningEntry]:
    entries = ScreeningEntry.objects.filter(screening=screening).select_related("organisation")
    roots = scope_roots(user, Action.VIEW)
    if roots is None:
        return entries
    return entries.filter(tree.subtrees_q("organisation__path", roots))
