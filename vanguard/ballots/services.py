"""Ballots: create and open, issue single-use tokens, cast (online or keyed in twice from paper), close.

Casting is the hot path and the one that must never lose or double a ballot:
the token is spent with one conditional UPDATE and the cast inserted in the
same transaction, and the voter is told "counted" only after the commit.
Casting writes no audit entry (an entry per cast would time-stamp the vote).
"""

from __future__ import annotations

import datetime
import functools
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.ballots import events
from vanguard.ballots.models import (
    Ballot,
    Cast,
    Constituency,
    Grade,
    Kind,
    Medium,
    PaperEntry,
    QuestionKind,
    Satisfaction,
    Source,
    Status,
    Token,
)
from vanguard.core import audit

# Sent once a ballot is closed and its casts shuffled: appraisals applies the campaign's rules to the results.
ballot_closed = Signal()

# Codes avoid 0/O, 1/I/L so that a code typed at a kiosk from a sheet is read right; 10 of 31 symbols ≈ 49 bits.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_OPTIONS = 30
MAX_QUESTIONS = 200
MAX_TEXT = 2000


def _require(actor, path: str) -> None:
    if actor is not None and not can_at_path(actor, Action.CHANGE, path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")


# --- codes ---------------------------------------------------------------------------------------------------------


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str | None:
    """The code as stored, from what was typed or scanned (any case, spaces and dashes); None if it cannot be one."""
    raw = "".join(ch for ch in (text or "").upper() if ch not in " -")
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def code_hash(code: str) -> str:
    # Keyed, so a copy of the token table without SECRET_KEY cannot be searched for valid codes.
    return salted_hmac("vanguard.ballots.token", code, algorithm="sha256").hexdigest()


def new_public_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(8))


# --- questions -----------------------------------------------------------------------------------------------------


# Fixed at import: Choices.values rebuilds its list (labels and all) on every access, and every vote asks.
_SATISFACTION_VALUES = tuple(Satisfaction.values)
_GRADE_VALUES = tuple(Grade.values)


def options_of(question: dict) -> list[str]:
    kind = question.get("kind")
    if kind == QuestionKind.SATISFACTION:
        return list(_SATISFACTION_VALUES)
    if kind == QuestionKind.GRADE:
        return list(_GRADE_VALUES)
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return [str(index) for index in range(len(question.get("options") or []))]
    return []


def option_label(question: dict, option: str) -> str:
    kind = question.get("kind")
    if kind == QuestionKind.SATISFACTION:
        return str(Satisfaction(option).label)
    if kind == QuestionKind.GRADE:
        return str(Grade(option).label)
    return str((question.get("options") or [])[int(option)])


def check_questions(questions: list[dict]) -> list[str]:
    """What is wrong with a list of questions, each message naming the question; empty when they can be asked."""
    problems: list[str] = []
    if not questions:
        return [_("A ballot needs at least one question.")]
    if len(questions) > MAX_QUESTIONS:
        problems.append(_("A ballot has at most %(limit)d questions.") % {"limit": MAX_QUESTIONS})
    keys = set()
    for number, question in enumerate(questions, start=1):
        where = _("Question %(number)d") % {"number": number}
        key = question.get("key")
        if not key or key in keys:
            problems.append(_("%(where)s: its key is missing or repeated.") % {"where": where})
        keys.add(key)
        if question.get("kind") not in QuestionKind.values:
            problems.append(_("%(where)s: unknown kind of question.") % {"where": where})
            continue
        if not str(question.get("label") or "").strip():
            problems.append(_("%(where)s: the question has no text.") % {"where": where})
        if question["kind"] in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            options = [str(option).strip() for option in question.get("options") or []]
            if len(options) < 2 or not all(options):
                problems.append(_("%(where)s: a choice needs at least two options, none blank.") % {"where": where})
            elif len(options) > MAX_OPTIONS or len(set(options)) != len(options):
                problems.append(
                    _("%(where)s: at most %(limit)d options, none repeated.") % {"where": where, "limit": MAX_OPTIONS}
                )
        if question["kind"] == QuestionKind.RATING:
            scale = question.get("scale", 5)
            if not isinstance(scale, int) or not 2 <= scale <= 10:
                problems.append(_("%(where)s: a rating's scale is 2 to 10.") % {"where": where})
    return problems


def check_answers(ballot: Ballot, data: dict) -> tuple[dict, dict[str, str]]:
    """(answers as stored, {question key: what is wrong}) from submitted values: `data[key]` is a string or a list."""
    answers: dict = {}
    errors: dict[str, str] = {}
    for question in ballot.questions:
        key = question["key"]
        kind = question["kind"]
        raw = data.get(key)
        values = [str(v).strip() for v in (raw if isinstance(raw, list) else [raw]) if v not in (None, "")]
        values = [v for v in values if v]
        if not values:
            if question.get("required"):
                errors[key] = _("Please answer this question.")
            continue
        if kind == QuestionKind.MULTIPLE:
            allowed = options_of(question)
            if any(v not in allowed for v in values) or len(set(values)) != len(values):
                errors[key] = _("Choose among the options given.")
            else:
                answers[key] = sorted(values, key=int)
        elif kind == QuestionKind.RATING:
            scale = question.get("scale", 5)
            if len(values) != 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= scale:
                errors[key] = _("Give a whole number from 1 to %(scale)d.") % {"scale": scale}
            else:
                answers[key] = int(values[0])
        elif kind == QuestionKind.TEXT:
            text = values[0] if len(values) == 1 else ""
            if len(text) > MAX_TEXT:
                errors[key] = _("At most %(limit)d characters.") % {"limit": MAX_TEXT}
            elif text:
                answers[key] = text
        else:
            if len(values) != 1 or values[0] not in options_of(question):
                errors[key] = _("Choose one of the options given.")
            else:
                answers[key] = values[0]
    return answers, errors


# --- ballots -------------------------------------------------------------------------------------------------------


@transaction.atomic
def create_ballot(
    *,
    organisation,
    actor,
    kind: str,
    title: str,
    questions: list[dict],
    constituencies: list[str],
    opens_on: datetime.date,
    closes_on: datetime.date,
    campaign=None,
    instructions: str = "",
    threshold=None,
    count_basically: bool | None = None,
    min_count: int = 0,
) -> Ballot:
    _require(actor, organisation.path)
    problems = check_questions(questions)
    if kind not in Kind.values:
        problems.append(_("Unknown kind of ballot."))
    if not constituencies or any(c not in Constituency.values for c in constituencies):
        problems.append(_("Choose at least one constituency."))
    if closes_on < opens_on:
        problems.append(_("A ballot cannot close before it opens."))
    if problems:
        raise ValidationError(problems, code="invalid")
    rules = _campaign_rules(campaign)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    organisation=organisation,
                    org_path=organisation.path,
                    campaign=campaign,
                    kind=kind,
                    title=title,
                    instructions=instructions,
                    questions=questions,
                    constituencies=list(dict.fromkeys(constituencies)),
                    opens_on=opens_on,
                    closes_on=closes_on,
                    threshold=threshold if threshold is not None else rules.get("threshold", 70),
                    count_basically=count_basically
                    if count_basically is not None
                    else rules.get("count_basically", True),
                    min_count=min_count,
                    public_id=new_public_id(),
                    created_by=actor,
                )
            break
        except IntegrityError:  # a public id taken: 31^8 makes this rare; try another
            continue
    else:
        raise AssertionError("no free public id")
    audit.record(
        event=events.BALLOT_CREATED,
        **acting_as(actor, organisation.path),
        target=ballot,
        organisation=organisation,
        data={"kind": kind, "title": title, "questions": len(questions)},
    )
    return ballot


# Filled by appraisals (a later app): campaign -> {"threshold": ..., "count_basically": ...}.
_rules_lookup = []


def register_rules_lookup(lookup) -> None:
    _rules_lookup.append(lookup)


def _campaign_rules(campaign) -> dict:
    if campaign is None:
        return {}
    for lookup in _rules_lookup:
        rules = lookup(campaign)
        if rules:
            return rules
    return {}


@transaction.atomic
def update_questions(*, ballot: Ballot, actor, questions: list[dict]) -> Ballot:
    """Questions change only while the ballot is a draft: once tokens can vote, what they vote on is fixed."""
    _require(actor, ballot.org_path)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Status.DRAFT:
        raise ValidationError(_("The questions of an open or closed ballot cannot change."), code="not_draft")
    problems = check_questions(questions)
    if problems:
        raise ValidationError(problems, code="invalid")
    old = len(ballot.questions)
    ballot.questions = questions
    ballot.save(update_fields=["questions"])
    audit.record(
        event=events.BALLOT_CHANGED,
        **acting_as(actor, ballot.org_path),
        target=ballot,
        organisation=ballot.organisation,
        changes={"questions": [old, len(questions)]},
    )
    return ballot


@transaction.atomic
def open_ballot(*, ballot: Ballot, actor) -> Ballot:
    _require(actor, ballot.org_path)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Status.DRAFT:
        raise ValidationError(_("Only a draft ballot can be opened."), code="not_draft")
    ballot.status = Status.OPEN
    ballot.save(update_fields=["status"])
    audit.record(
        event=events.BALLOT_OPENED, **acting_as(actor, ballot.org_path), target=ballot, organisation=ballot.organisation
    )
    return ballot


def shuffle_casts(ballot: Ballot) -> int:
    """Rewrite the ballot's casts in the order of their random keys, so row order no longer follows arrival."""
    rows = list(
        Cast.objects.filter(ballot=ballot)
        .order_by("id")
        .values("id", "constituency", "stratum", "source", "day", "answers")
    )
    Cast.objects.filter(ballot=ballot).delete()
    Cast.objects.bulk_create([Cast(ballot=ballot, **row) for row in rows], batch_size=2000)
    return len(rows)


@transaction.atomic
def close_ballot(*, ballot: Ballot, actor) -> Ballot:
    """Close: no more casts; casts shuffled; pending paper entries refused; rules fire on the results."""
    _require(actor, ballot.org_path)
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Status.OPEN:
        raise ValidationError(_("Only an open ballot can be closed."), code="not_open")
    if connection.vendor == "postgresql":
        # Wait for the casts in flight and hold new ones until this commits (see ballot_lock_key).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ballot_lock_key(ballot.pk)])
    pending = PaperEntry.objects.filter(ballot=ballot).count()
    if pending:
        raise ValidationError(
            _("%(count)d paper entries are still waiting for a second keying or a third look; finish them first.")
            % {"count": pending},
            code="paper_pending",
        )
    ballot.status = Status.CLOSED
    ballot.closed_on = timezone.localdate()
    ballot.save(update_fields=["status", "closed_on"])
    count = shuffle_casts(ballot)
    audit.record(
        event=events.BALLOT_CLOSED,
        **acting_as(actor, ballot.org_path),
        target=ballot,
        organisation=ballot.organisation,
        data={"cast": count, "issued": ballot.issued},
    )
    ballot_closed.send(sender=Ballot, ballot=ballot, actor=actor)
    return ballot


def close_due(*, today: datetime.date | None = None) -> list[Ballot]:
    """Close the open ballots whose last day has passed and that wait on no paper entry (a daily command)."""
    today = today or timezone.localdate()
    closed = []
    for ballot in Ballot.objects.filter(status=Status.OPEN, closes_on__lt=today):
        if not PaperEntry.objects.filter(ballot=ballot).exists():
            closed.append(close_ballot(ballot=ballot, actor=None))
    return closed


# --- tokens --------------------------------------------------------------------------------------------------------


@transaction.atomic
def issue_tokens(*, ballot: Ballot, actor, count: int, medium: str, constituency: str, stratum: str = "") -> list[str]:
    """`count` new codes for the ballot; only their keyed hashes are kept, so the caller must hand them out now."""
    _require(actor, ballot.org_path)
    if ballot.status == Status.CLOSED:
        raise ValidationError(_("The ballot is closed."), code="closed")
    if constituency not in ballot.constituencies:
        raise ValidationError(_("This ballot is not put to that constituency."), code="constituency")
    if not 1 <= count <= 100_000:
        raise ValidationError(_("Issue between 1 and 100,000 tokens at a time."), code="count")
    if medium not in Medium.values:
        raise ValidationError(_("Unknown medium."), code="medium")
    today = timezone.localdate()
    codes = [new_code() for _ in range(count)]
    Token.objects.bulk_create(
        [
            Token(
                ballot=ballot,
                constituency=constituency,
                stratum=stratum,
                medium=medium,
                code_hash=code_hash(code),
                issued_on=today,
            )
            for code in codes
        ],
        batch_size=2000,
    )
    Ballot.objects.filter(pk=ballot.pk).update(issued=F("issued") + count)
    ballot.refresh_from_db(fields=["issued"])
    audit.record(
        event=events.TOKENS_ISSUED,
        **acting_as(actor, ballot.org_path),
        target=ballot,
        organisation=ballot.organisation,
        data={"count": count, "medium": medium, "constituency": constituency, "stratum": stratum},
    )
    return codes


def send_links(
    *, ballot: Ballot, actor, phones: Iterable[str], constituency: str, stratum: str = "", link_for
) -> tuple[int, int]:
    """Text each number its own link; which code went to which number is not kept.  (sent, failed)

    A link that could not be sent is voided at once, so it neither votes nor
    counts as issued; the number is not kept either, so it cannot be retried
    with the same code (send again to issue a new one).
    """
    from vanguard.opinions.notify import sms_sender

    phones = [p for p in (str(p).strip() for p in phones) if p]
    if not phones:
        return 0, 0
    codes = issue_tokens(
        ballot=ballot, actor=actor, count=len(phones), medium=Medium.LINK, constituency=constituency, stratum=stratum
    )
    send = sms_sender()
    failed = []
    for phone, code in zip(phones, codes, strict=True):
        try:
            send(phone, _("%(title)s: please vote at %(link)s") % {"title": ballot.title, "link": link_for(code)})
        except Exception:  # noqa: BLE001 - a gateway's error for one number must not stop the rest
            failed.append(code)
    if failed:
        void_codes(ballot=ballot, actor=actor, codes=failed)
    return len(phones) - len(failed), len(failed)


@transaction.atomic
def void_codes(*, ballot: Ballot, actor, codes: Iterable[str]) -> int:
    """Void unspent codes (lost sheets, failed messages): they can no longer vote and no longer count as issued."""
    _require(actor, ballot.org_path)
    hashes = [code_hash(c) for c in (normalise_code(c) for c in codes) if c]
    voided = Token.objects.filter(ballot=ballot, code_hash__in=hashes, spent=False, void=False).update(void=True)
    if voided:
        Ballot.objects.filter(pk=ballot.pk).update(issued=F("issued") - voided)
        audit.record(
            event=events.TOKENS_VOIDED,
            **acting_as(actor, ballot.org_path),
            target=ballot,
            organisation=ballot.organisation,
            data={"count": voided},
        )
    return voided


# --- casting -------------------------------------------------------------------------------------------------------


class Refused(ValidationError):
    """A cast refused; `code` says why (malformed, unknown, other_ballot, spent, void, not_open, closed, answers)."""


def accepts_votes(ballot: Ballot, today: datetime.date | None = None) -> str | None:
    """Why the ballot takes no votes now (a refusal code), or None when it does."""
    today = today or timezone.localdate()
    if ballot.status == Status.DRAFT or today < ballot.opens_on:
        return "not_open"
    if ballot.status == Status.CLOSED or today > ballot.closes_on:
        return "closed"
    return None


REFUSALS = {
    "malformed": lambda: _("This is not a ballot code: a code is ten letters and digits, like ABCDE-23456."),
    "unknown": lambda: _("No ballot has this code. Check it against your sheet or message."),
    "other_ballot": lambda: _("This code belongs to another ballot."),
    "spent": lambda: _("This code has already been used: each code votes once."),
    "void": lambda: _("This code was withdrawn and can no longer vote."),
    "not_open": lambda: _("This ballot is not open yet."),
    "closed": lambda: _("This ballot is closed."),
}


def refuse(reason: str) -> Refused:
    return Refused(REFUSALS[reason](), code=reason)


def token_state(ballot: Ballot, code_text: str) -> tuple[str | None, Token | None]:
    """(refusal code or None, the token) for a code offered to this ballot; reads only."""
    code = normalise_code(code_text)
    if code is None:
        return "malformed", None
    token = Token.objects.filter(code_hash=code_hash(code)).first()
    if token is None:
        return "unknown", None
    if token.ballot_id != ballot.pk:
        return "other_ballot", None
    if token.void:
        return "void", token
    if token.spent:
        return "spent", token
    return accepts_votes(ballot), token


def cast(*, ballot: Ballot, code: str, answers: dict, source: str = Source.ONLINE) -> Cast:
    """Spend the code and store the ballot, both or neither; raises Refused with the reason otherwise.

    `answers` are checked answers (check_answers).  The UPDATE's condition is
    the guard: of two requests racing with one code, the second finds the
    token spent once the first commits, and stores nothing.
    """
    normal = normalise_code(code)
    if normal is None:
        raise refuse("malformed")
    today = timezone.localdate()
    reason = accepts_votes(ballot, today)
    if reason:
        raise refuse(reason)
    digest = code_hash(normal)
    made = Cast(id=uuid.uuid4(), ballot_id=ballot.pk, source=source, day=today, answers=answers)
    if connection.vendor == "postgresql":
        stored = _cast_in_one_statement(ballot, digest, made)
    else:
        stored = _cast_in_a_transaction(ballot, digest, made)
    if not stored:
        # Off the hot path: say why, from the ballot as it is now (the caller's copy may be older).
        reason, _token = token_state(Ballot.objects.get(pk=ballot.pk), normal)
        raise refuse(reason or "spent")
    return made


_CAST_COLUMNS = ("id", "ballot", "constituency", "stratum", "source", "day", "answers")


@functools.cache
def _cast_fields() -> dict:
    return {field.name: field for field in Cast._meta.concrete_fields}


def _prepared(made: Cast, names) -> list:
    fields = _cast_fields()
    return [fields[name].get_db_prep_save(getattr(made, fields[name].attname), connection) for name in names]


# Casting and closing a ballot meet on an advisory lock of PostgreSQL (no row is written for it): casts take it shared,
# so they never wait on one another; closing takes it exclusive, waiting for every cast in flight and holding new ones
# until the ballot is closed.  A row lock on the ballot (FOR KEY SHARE) would do the same but makes every cast write a
# new MultiXact on that one row, which serialises them under load.
_LOCK_SPACE = 0x56474E44 << 32


def ballot_lock_key(ballot_id: int) -> int:
    return _LOCK_SPACE | (ballot_id & 0xFFFFFFFF)


def _cast_in_one_statement(ballot: Ballot, digest: str, made: Cast) -> bool:
    """PostgreSQL: the whole cast in one call of ballots_cast_vote (migration 0002), in one round trip.

    The function takes the shared lock, then spends the token by a conditional
    UPDATE only while the ballot is open today and inserts the cast from what
    that UPDATE returns: both or neither.  Outside a transaction the call is its
    own, committed before the answer comes back.
    """
    params = [
        ballot_lock_key(ballot.pk), ballot.pk, digest, Status.OPEN.value, made.day,
        made.id, made.source, json.dumps(made.answers, ensure_ascii=False),
    ]  # fmt: skip
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy is a thread-local lookup
    db.ensure_connection()
    # A server-side-binding cursor of psycopg itself, prepared once per connection: Django's client-side binding
    # composes the query text in Python on every call, which was the largest cost of a vote.
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(_CAST_CALL, params, prepare=True)
        row = cursor.fetchone()
    if row is None:
        return False
    made.constituency, made.stratum = row
    return True


_CAST_CALL = "SELECT constituency, stratum FROM ballots_cast_vote(%s, %s, %s, %s, %s, %s, %s, %s)"


def _cast_in_a_transaction(ballot: Ballot, digest: str, made: Cast) -> bool:
    """SQLite (one writer at a time): the ballot's state read, the code spent and the cast stored in one transaction."""
    fields = _cast_fields()
    with transaction.atomic():
        _hold_open(ballot)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Token._meta.db_table} SET spent = %s WHERE code_hash = %s AND ballot_id = %s "
                f"AND NOT spent AND NOT void RETURNING constituency, stratum",
                [True, digest, ballot.pk],
            )
            row = cursor.fetchone()
            if row is None:
                return False
            made.constituency, made.stratum = row
            cursor.execute(
                f"INSERT INTO {Cast._meta.db_table} ({', '.join(fields[n].column for n in _CAST_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(_CAST_COLUMNS))})",
                _prepared(made, _CAST_COLUMNS),
            )
    return True


def _hold_open(ballot: Ballot, *, dates: bool = True) -> None:
    """Refuse unless the ballot is open today, and keep it from closing until this transaction ends.

    On PostgreSQL a KEY SHARE lock on the ballot's row: casts do not wait on
    each other, but close_ballot's FOR UPDATE waits for every cast in flight
    (so its shuffle and results include them) and a cast arriving meanwhile
    waits for the close and then finds the ballot closed.  (The foreign key
    would take the same lock, but only at commit: Django's are deferred.)
    SQLite has one writer at a time, which orders casts and closing anyway.
    """
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, opens_on <= %s, closes_on >= %s FROM {Ballot._meta.db_table} WHERE id = %s{lock}",
            [today, today, ballot.pk],
        )
        status, opened, not_past = cursor.fetchone()
    if status == Status.DRAFT or (dates and status == Status.OPEN and not opened):
        raise refuse("not_open")
    if status != Status.OPEN or (dates and not not_past):
        raise refuse("closed")


# --- paper ballots, keyed in twice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyed:
    state: str  # "waiting" (first keying), "counted" (two agree), "mismatch" (held for a third look)


def key_in_paper(*, ballot: Ballot, actor, code: str, answers: dict) -> Keyed:
    """One clerk's keying of a paper sheet: the second clerk's agreeing entry counts it; a disagreeing one holds it."""
    _require(actor, ballot.org_path)
    if ballot.status != Status.OPEN:
        raise refuse("closed" if ballot.status == Status.CLOSED else "not_open")
    normal = normalise_code(code)
    if normal is None:
        raise refuse("malformed")
    digest = code_hash(normal)
    with transaction.atomic():
        # Paper is keyed after the voting days too, until the office closes the ballot.
        _hold_open(ballot, dates=False)
        token = Token.objects.select_for_update().filter(code_hash=digest).first()
        if token is None:
            raise refuse("unknown")
        if token.ballot_id != ballot.pk:
            raise refuse("other_ballot")
        if token.void or token.spent:
            raise refuse("void" if token.void else "spent")
        entries = list(PaperEntry.objects.filter(code_hash=digest))
        if any(entry.clerk_id == actor.pk for entry in entries):
            raise ValidationError(
                _("You have already keyed this sheet; a second clerk must key it."), code="same_clerk"
            )
        if any(entry.mismatch for entry in entries) or len(entries) >= 2:
            raise ValidationError(
                _("The two keyings of this sheet disagree; it waits for a third look."), code="mismatch_pending"
            )
        if not entries:
            PaperEntry.objects.create(ballot=ballot, code_hash=digest, clerk=actor, answers=answers, sheet_code=normal)
            return Keyed("waiting")
        first = entries[0]
        if first.answers == answers:
            _count_paper(ballot, token, answers)
            return Keyed("counted")
        PaperEntry.objects.create(
            ballot=ballot, code_hash=digest, clerk=actor, answers=answers, sheet_code=normal, mismatch=True
        )
        PaperEntry.objects.filter(pk=first.pk).update(mismatch=True)
        return Keyed("mismatch")


def _count_paper(ballot: Ballot, token: Token, answers: dict) -> None:
    """Spend the sheet's token, store its cast and delete the keyings: nothing keeps code and answers together."""
    Token.objects.filter(pk=token.pk).update(spent=True)
    Cast.objects.create(
        ballot=ballot,
        constituency=token.constituency,
        stratum=token.stratum,
        source=Source.PAPER,
        day=timezone.localdate(),
        answers=answers,
    )
    PaperEntry.objects.filter(code_hash=token.code_hash).delete()


@transaction.atomic
def resolve_paper(*, ballot: Ballot, actor, code: str, answers: dict) -> None:
    """The third look: someone other than the two clerks reads the sheet and keys what it says; that counts."""
    _require(actor, ballot.org_path)
    _hold_open(ballot, dates=False)
    normal = normalise_code(code)
    if normal is None:
        raise refuse("malformed")
    digest = code_hash(normal)
    token = Token.objects.select_for_update().filter(code_hash=digest, ballot=ballot).first()
    entries = list(PaperEntry.objects.filter(code_hash=digest, ballot=ballot, mismatch=True))
    if token is None or len(entries) != 2:
        raise ValidationError(_("This sheet is not waiting for a third look."), code="not_pending")
    if any(entry.clerk_id == actor.pk for entry in entries):
        raise ValidationError(
            _("The third look must be taken by someone other than the two clerks."), code="same_clerk"
        )
    _count_paper(ballot, token, answers)
    audit.record(
        event=events.PAPER_RESOLVED,
        **acting_as(actor, ballot.org_path),
        target=ballot,
        organisation=ballot.organisation,
        data={"clerks": sorted(entry.clerk_id for entry in entries)},
    )
