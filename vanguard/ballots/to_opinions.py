"""Free-text answers become opinions (DOMAIN §3, issue 19 point 6) when their ballot closes, unlinked from who wrote
them.

Each free-text answer is stored as an `Opinion` of the questionnaire channel,
held by the ballot's organisation and campaign, dated the day the ballot
closed, its source group the constituency the token voted in.  Nothing leads
back to the cast or its token: no key, no stratum, no day finer than the
close, no "entered by" (the closer did not write them).  The answers are
shuffled across the whole ballot before the rows are inserted, so neither the
opinions' keys nor their order keep one respondent's answers together or in
the order ballots came in.

Closing happens once (services.close_ballot refuses anything but an open
ballot); the audit entry this writes, targeted at the ballot, is the guard
should the signal ever be sent twice.
"""

from __future__ import annotations

import random

from django.db import transaction

from vanguard.accounts.selectors import acting_as
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Cast, Constituency, QuestionKind, Status
from vanguard.core import audit
from vanguard.core.models import AuditEntry
from vanguard.opinions import events as opinion_events
from vanguard.opinions import services as opinion_services
from vanguard.opinions.models import Channel, Direction, Opinion, SourceGroup

BATCH = 1000

# 下评上 for members rating their own organisation, 企业评机关 for businesses, 民评官 for everyone else outside it.
DIRECTIONS = {
    Constituency.MEMBERS: Direction.DOWN_UP,
    Constituency.BUSINESSES: Direction.BUSINESS_OFFICE,
    Constituency.PUBLIC: Direction.PUBLIC_OFFICIAL,
    Constituency.SERVICE_USERS: Direction.PUBLIC_OFFICIAL,
    Constituency.REPRESENTATIVES: Direction.PUBLIC_OFFICIAL,
}


def connect() -> None:
    """Called once from BallotsConfig.ready(): every closed ballot hands its free-text answers to opinions."""
    services.ballot_closed.connect(_on_closed, sender=Ballot, dispatch_uid="ballots.to_opinions")


def _on_closed(sender, *, ballot: Ballot, actor=None, **kwargs) -> None:
    texts_to_opinions(ballot=ballot, actor=actor)


def already_done(ballot: Ballot) -> bool:
    return AuditEntry.objects.filter(
        event=opinion_events.OPINIONS_ENTERED, object_type=Ballot._meta.label_lower, object_id=str(ballot.pk)
    ).exists()


def _answers(ballot: Ballot) -> list[tuple[str, str]]:
    """(text, constituency) of every non-blank free-text answer; the caller shuffles them."""
    keys = [q["key"] for q in ballot.questions if q.get("kind") == QuestionKind.TEXT]
    if not keys:
        return []
    found = []
    rows = Cast.objects.filter(ballot=ballot).order_by("id").values_list("constituency", "answers")
    for constituency, answers in rows.iterator(chunk_size=5000):
        for key in keys:
            value = answers.get(key)
            if isinstance(value, str):
                # A NUL cannot be stored in a PostgreSQL text column and says nothing anyway.
                value = value.replace("\x00", "").strip()
                if value:
                    found.append((value[: opinion_services.MAX_TEXT], constituency))
    return found


def _receipts(count: int) -> list[str]:
    """`count` receipt codes unused by any opinion, made as opinions.services makes them for entered opinions."""
    fresh: set[str] = set()
    while len(fresh) < count:
        wanted = list({opinion_services.new_receipt() for _ in range(count - len(fresh))} - fresh)
        taken: set[str] = set()
        # In slices: 52,000 answers would pass SQLite's limit on the variables of one statement.
        for start in range(0, len(wanted), 5000):
            chunk = wanted[start : start + 5000]
            taken.update(Opinion.objects.filter(receipt__in=chunk).values_list("receipt", flat=True))
        fresh.update(code for code in wanted if code not in taken)
    return list(fresh)


@transaction.atomic
def texts_to_opinions(*, ballot: Ballot, actor=None) -> list[Opinion]:
    """The closed ballot's free-text answers as new opinions (channel: questionnaire); [] if none or done before."""
    ballot = Ballot.objects.select_for_update().select_related("organisation").get(pk=ballot.pk)
    if ballot.status != Status.CLOSED or already_done(ballot):
        return []
    found = _answers(ballot)
    if not found:
        return []
    # The casts' key order is random already; shuffling the answers as well separates one respondent's answers.
    random.SystemRandom().shuffle(found)
    organisation = ballot.organisation
    received_on = ballot.closed_on
    opinions = Opinion.objects.bulk_create(
        [
            Opinion(
                organisation=organisation,
                org_path=organisation.path,
                campaign_id=ballot.campaign_id,
                channel=Channel.QUESTIONNAIRE,
                direction=DIRECTIONS.get(constituency, Direction.PUBLIC_OFFICIAL),
                source_group=constituency if constituency in SourceGroup.values else SourceGroup.PUBLIC,
                received_on=received_on,
                text=text,
                receipt=receipt,
                entered_by=None,
            )
            for (text, constituency), receipt in zip(found, _receipts(len(found)), strict=True)
        ],
        batch_size=BATCH,
    )
    audit.record(
        event=opinion_events.OPINIONS_ENTERED,
        **acting_as(actor, ballot.org_path),
        target=ballot,
        organisation=organisation,
        data={"count": len(opinions), "channels": [Channel.QUESTIONNAIRE], "from": "ballot"},
    )
    return opinions
