"""民主评议党员 (DOMAIN §4): the branch meeting grades each member by secret ballot; results per member with counts.

A peer appraisal is one ballot of kind `peer_appraisal`, put to the branch's
members, with one grade question (优秀 / 合格 / 基本合格 / 不合格) per member of
the branch when it starts.  When the ballot closes its results are recorded as
one `AppraisalResult` per member, and each 不合格 result goes to the handlers
of `appraisals.hooks` (casework, DOMAIN §5.3).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.appraisals import events, hooks
from vanguard.appraisals.campaign_rules import rules_for
from vanguard.appraisals.models import AppraisalResult
from vanguard.ballots import results as ballot_results
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Ballot, Constituency, Grade, Kind, QuestionKind, Status, Subject
from vanguard.core import audit
from vanguard.members.models import Member

# Best to worst: a tie between grades goes to the later (lower) one.
GRADES = (Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASICALLY, Grade.UNQUALIFIED)
COUNT_FIELDS = {
    Grade.EXCELLENT: "excellent",
    Grade.QUALIFIED: "qualified",
    Grade.BASICALLY: "basically_qualified",
    Grade.UNQUALIFIED: "unqualified",
}


def grade_of(counts: dict[str, int], *, unqualified_share: Decimal) -> str:
    """The result grade from one member's votes; "" when no valid ballot graded the member.

    - 不合格 when the 不合格 votes are more than `unqualified_share` of the
      valid ballots for this member (the campaign's setting; exactly half of
      them is not more than half).
    - Otherwise the grade with most votes among 优秀, 合格 and 基本合格, where
      the 不合格 votes that did not carry count as 基本合格 (a voter who
      found the member unqualified did not find them better than basically
      qualified); a tie goes to the lower grade, so a grade is never better
      than the votes that support it.
    """
    votes = {grade: int(counts.get(grade, 0)) for grade in GRADES}
    valid = sum(votes.values())
    if valid == 0:
        return ""
    if Decimal(votes[Grade.UNQUALIFIED]) > Decimal(str(unqualified_share)) * valid:
        return Grade.UNQUALIFIED
    standing = {
        Grade.EXCELLENT: votes[Grade.EXCELLENT],
        Grade.QUALIFIED: votes[Grade.QUALIFIED],
        Grade.BASICALLY: votes[Grade.BASICALLY] + votes[Grade.UNQUALIFIED],
    }
    best = Grade.EXCELLENT
    for grade in (Grade.QUALIFIED, Grade.BASICALLY):
        if standing[grade] >= standing[best]:
            best = grade
    return best


def members_to_appraise(branch) -> list[Member]:
    """The members of the branch's roll (hosted members are appraised by their home branch)."""
    return list(Member.objects.filter(organisation=branch).order_by("name", "pk"))


def questions_for(members: list[Member]) -> list[dict]:
    return [
        {
            "key": f"m{member.pk}",
            "kind": QuestionKind.GRADE,
            "label": member.name,
            "subject": Subject.MEMBER,
            "subject_id": member.pk,
            # A voter may leave a member blank: a blank is no vote, and the member's valid ballots count only votes.
            "required": False,
        }
        for member in members
    ]


def start_peer_appraisal(
    *,
    branch,
    actor,
    opens_on: datetime.date,
    closes_on: datetime.date,
    campaign=None,
    title: str = "",
) -> Ballot:
    """A draft peer-appraisal ballot for the branch meeting: one grade question per member now on the branch's roll."""
    if actor is not None and not can_at_path(actor, Action.CHANGE, branch.path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if not branch.is_branch:
        raise ValidationError(_("Peer appraisal is held by a branch, in its meeting."), code="not_branch")
    members = members_to_appraise(branch)
    if not members:
        raise ValidationError(_("The branch has no members to appraise."), code="no_members")
    return ballot_services.create_ballot(
        organisation=branch,
        actor=actor,
        kind=Kind.PEER_APPRAISAL,
        title=title or _("Peer appraisal of the members of %(branch)s") % {"branch": branch.name},
        questions=questions_for(members),
        constituencies=[Constituency.MEMBERS],
        opens_on=opens_on,
        closes_on=closes_on,
        campaign=campaign,
    )


def member_questions(ballot: Ballot) -> list[dict]:
    return [q for q in ballot.questions if q.get("kind") == QuestionKind.GRADE and q.get("subject") == Subject.MEMBER]


@transaction.atomic
def record_results(*, ballot: Ballot, actor) -> list[AppraisalResult]:
    """Record a closed peer appraisal's result per member (once), then hand each 不合格 to the handlers.

    Run when the ballot closes (the `ballot_closed` receiver below); running it
    again finds the results recorded and changes nothing, so no handler is
    called twice for one result.
    """
    # Locked and read again: serialises two recorders of one ballot (the second finds the first's rows).
    ballot = Ballot.objects.select_for_update(of=("self",)).select_related("campaign", "organisation").get(pk=ballot.pk)
    if ballot.kind != Kind.PEER_APPRAISAL:
        raise ValidationError(_("This ballot is not a peer appraisal."), code="not_peer")
    if ballot.status != Status.CLOSED:
        raise ValidationError(_("Results are recorded once the ballot is closed."), code="not_closed")
    existing = list(AppraisalResult.objects.filter(ballot=ballot))
    if existing:
        return existing
    share = rules_for(ballot.campaign).unqualified_share
    computed = ballot_results.compute(ballot)
    questions = member_questions(ballot)
    alive = set(Member.objects.filter(pk__in=[q["subject_id"] for q in questions]).values_list("pk", flat=True))
    made = []
    for question in questions:
        if question["subject_id"] not in alive:  # deleted since the ballot started: nobody to record against
            continue
        tally = computed.question(question["key"]).tally()
        counts = {grade: tally.counts.get(grade, 0) for grade in GRADES}
        made.append(
            AppraisalResult(
                ballot=ballot,
                member_id=question["subject_id"],
                organisation_id=ballot.organisation_id,
                org_path=ballot.org_path,
                **{COUNT_FIELDS[grade]: counts[grade] for grade in GRADES},
                grade=grade_of(counts, unqualified_share=share),
            )
        )
    made = AppraisalResult.objects.bulk_create(made)
    audit.record(
        event=events.APPRAISAL_COUNTED,
        **acting_as(actor, ballot.org_path),
        target=ballot,
        organisation=ballot.organisation,
        data={
            "members": len(made),
            "unqualified_share": str(share),
            "grades": {grade: sum(1 for r in made if r.grade == grade) for grade in GRADES},
        },
    )
    for result in made:
        if result.grade == Grade.UNQUALIFIED:
            hooks.result_unqualified(result, actor)
    return made


def results_of(ballot: Ballot):
    return AppraisalResult.objects.filter(ballot=ballot).select_related("member").order_by("member__name", "pk")


def cases_to_open(ballot: Ballot):
    """不合格 results no handler has taken up yet: the results page lists them until casework exists (#20)."""
    return results_of(ballot).filter(grade=Grade.UNQUALIFIED, case_opened=False)


def on_close(*, ballot: Ballot, actor) -> None:
    """The rule run when any ballot closes (appraisals.rules.ON_CLOSE): only peer appraisals concern it."""
    if ballot.kind == Kind.PEER_APPRAISAL:
        record_results(ballot=ballot, actor=actor)
