"""Self-analyses (党性分析材料, DOMAIN §2 phase 2): versions, publication (公示), comments and rating.

A member writes (or the branch secretary enters from paper) one self-analysis
per campaign; every save is a new `Version`, none is overwritten.  The branch
publishes the current version for a window to an audience (its branch, the
unit above it, or the public), readers in that audience comment, and a
satisfaction ballot of the branch rates each published version.  When that
ballot closes (`rules.py`), a version rated below the campaign's threshold
returns for help and a rewrite (DOMAIN §2: "below 70 → focused help and a
rewrite"); the new version is published and rated again.

Who may read a self-analysis:
- whoever's role covers its branch (accounts.scoping), always;
- the member themself, always;
- while it is published and within its window: the members (with accounts) of
  its branch, or of the unit above the branch, or anyone, by its audience.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.accounts.selectors import acting_as
from vanguard.appraisals import events
from vanguard.appraisals.models import AnalysisStatus, Audience, Comment, Rules, SelfAnalysis, Version
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Ballot, Constituency, Kind, QuestionKind, Status, Subject
from vanguard.campaigns.models import Campaign, CampaignStatus, Unit
from vanguard.core import audit, tree
from vanguard.meetings.uploads import check_upload

MAX_TEXT = 50_000
MAX_COMMENT = 2_000
MAX_WINDOW_DAYS = 60
DEFAULT_THRESHOLD = Decimal(70)
CENT = Decimal("0.01")


# --- reading -------------------------------------------------------------------------------------------------------


def published_q(today: datetime.date | None = None) -> Q:
    """Self-analyses under publication today."""
    today = today or timezone.localdate()
    return Q(status=AnalysisStatus.PUBLISHED, published_from__lte=today, published_until__gte=today)


def audience_q(user, today: datetime.date | None = None) -> Q:
    """What the user may read as a reader in an audience (not by role): public ones, and their branch's or unit's."""
    query = published_q(today) & Q(audience=Audience.PUBLIC)
    member = getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None
    if member is not None:
        # The unit above a branch holds the reader when the unit's path is a prefix of the reader's own.
        prefixes = [*tree.ancestor_paths(member.org_path), member.org_path]
        query |= published_q(today) & (
            Q(audience=Audience.BRANCH, organisation_id=member.organisation_id)
            | Q(audience=Audience.UNIT, organisation__parent__path__in=prefixes)
        )
    return query


def own_q(user) -> Q | None:
    member_id = getattr(user, "member_id", None) if getattr(user, "is_authenticated", False) else None
    return Q(member_id=member_id) if member_id else None


def readable(user, today: datetime.date | None = None) -> QuerySet[SelfAnalysis]:
    """Every self-analysis the user may open: by role, their own, or as a reader in its audience now."""
    by_role = restrict(SelfAnalysis.objects.all(), user).values("pk")
    query = Q(pk__in=by_role) | audience_q(user, today)
    own = own_q(user)
    if own is not None:
        query |= own
    return SelfAnalysis.objects.filter(query).select_related("member", "organisation", "campaign", "helper")


def may_manage(user, analysis: SelfAnalysis) -> bool:
    """The branch's side (CHANGE over the branch): publishes, enters from paper, assigns help, sees comments."""
    return can_at_path(user, Action.CHANGE, analysis.org_path)


def sees_comments(user, analysis: SelfAnalysis) -> bool:
    """Comments are shown to the branch (whoever's role covers it) and to the member whose self-analysis it is."""
    return can_at_path(user, Action.VIEW, analysis.org_path) or getattr(user, "member_id", None) == analysis.member_id


def is_published(analysis: SelfAnalysis, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        analysis.status == AnalysisStatus.PUBLISHED
        and analysis.published_from is not None
        and analysis.published_from <= today <= analysis.published_until
    )


def may_comment(user, analysis: SelfAnalysis, today: datetime.date | None = None) -> bool:
    """Readers in the audience (or the branch's side) comment while it is published; not the member themself."""
    if not is_published(analysis, today) or getattr(user, "member_id", None) == analysis.member_id:
        return False
    if can_at_path(user, Action.CHANGE, analysis.org_path):
        return True
    # A read-only role (a supervisor) reads but does not take part; it comments only as a reader in the audience.
    return SelfAnalysis.objects.filter(audience_q(user, today), pk=analysis.pk).exists()


def may_write(user, analysis: SelfAnalysis) -> bool:
    return analysis.status in WRITABLE and (
        getattr(user, "member_id", None) == analysis.member_id or may_manage(user, analysis)
    )


def current_version(analysis: SelfAnalysis) -> Version | None:
    return analysis.versions.order_by("-number").first()


def branch_campaigns(organisation) -> QuerySet[Campaign]:
    """Running campaigns in which this organisation is a unit: those a self-analysis can be written for."""
    units = Unit.objects.filter(organisation=organisation).values("campaign_id")
    return Campaign.objects.filter(pk__in=units, status=CampaignStatus.RUNNING).order_by("-starts_on", "-pk")


def campaign_rules(campaign) -> Rules:
    """The campaign's appraisal rules, or the defaults (threshold 70, 基本满意 counted, rewrite below) when unset."""
    found = Rules.objects.filter(campaign=campaign).first() if campaign is not None else None
    return found or Rules(campaign=campaign)


# --- the public page's address -------------------------------------------------------------------------------------


def _mac(campaign_id: int, organisation_id: int) -> str:
    digest = salted_hmac("vanguard.appraisals.public", f"{campaign_id}:{organisation_id}", algorithm="sha256")
    return digest.hexdigest()[:24]


def public_code(campaign, organisation) -> str:
    """The branch's public page in a campaign: keyed by the secret key, so no one can guess another branch's."""
    return f"{campaign.pk}-{organisation.pk}-{_mac(campaign.pk, organisation.pk)}"


def parse_public_code(code: str) -> tuple[int, int] | None:
    """(campaign pk, organisation pk) of a genuine code, else None."""
    parts = (code or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    campaign_id, organisation_id = int(parts[0]), int(parts[1])
    if not constant_time_compare(parts[2], _mac(campaign_id, organisation_id)):
        return None
    return campaign_id, organisation_id


def publicly_published(campaign_id: int, organisation_id: int, today: datetime.date | None = None):
    return (
        SelfAnalysis.objects.filter(published_q(today), campaign_id=campaign_id, organisation_id=organisation_id)
        .filter(audience=Audience.PUBLIC)
        .select_related("member", "organisation")
        .order_by("member__name", "pk")
    )


# --- writing -------------------------------------------------------------------------------------------------------

# A published version stays as readers and raters saw it; an accepted one is final.
WRITABLE = (AnalysisStatus.DRAFT, AnalysisStatus.REWRITE)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


@transaction.atomic
def write_version(*, campaign: Campaign, member, actor, text: str = "", file=None) -> Version:
    """A new version of the member's self-analysis (created with the first), by the member or, from paper, by the
    branch's side; earlier versions are kept as they were."""
    own = getattr(actor, "member_id", None) == member.pk
    if not own and not can_at_path(actor, Action.CHANGE, member.org_path):
        raise _refuse(_("You may not write this member's self-analysis."), "forbidden")
    if not branch_campaigns(member.organisation).filter(pk=campaign.pk).exists():
        raise _refuse(_("This member's branch takes no part in this running campaign."), "campaign")
    text = (text or "").strip()
    if not text and not file:
        raise _refuse(_("Write the text or upload a file."), "empty")
    if len(text) > MAX_TEXT:
        raise _refuse(_("At most %(limit)d characters.") % {"limit": MAX_TEXT}, "too_long")
    if file:
        check_upload(file)
    analysis, created = SelfAnalysis.objects.get_or_create(
        campaign=campaign,
        member=member,
        defaults={"organisation_id": member.organisation_id, "org_path": member.org_path},
    )
    analysis = SelfAnalysis.objects.select_for_update().get(pk=analysis.pk)
    if analysis.status not in WRITABLE:
        raise _refuse(
            _("A published or accepted self-analysis cannot change; a new version follows a return for rewrite."),
            "not_writable",
        )
    if analysis.organisation_id != member.organisation_id:  # the member moved branch since the first version
        analysis.organisation_id, analysis.org_path = member.organisation_id, member.org_path
    number = (analysis.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = Version.objects.create(analysis=analysis, number=number, text=text, file=file or "", written_by=actor)
    analysis.save(update_fields=["organisation", "org_path", "updated_at"])
    audit.record(
        event=events.ANALYSIS_WRITTEN,
        **acting_as(actor, analysis.org_path),
        target=analysis,
        organisation=analysis.organisation,
        data={"version": number, "by": "member" if own else "branch", "file": bool(file), "created": created},
    )
    return version


@transaction.atomic
def publish(
    *,
    analysis: SelfAnalysis,
    actor,
    audience: str,
    published_from: datetime.date,
    published_until: datetime.date,
) -> SelfAnalysis:
    """公示: the branch publishes the current version for a window to an audience (again, to change the window)."""
    if not can_at_path(actor, Action.CHANGE, analysis.org_path):
        raise _refuse(_("Only the branch publishes self-analyses."), "forbidden")
    analysis = SelfAnalysis.objects.select_for_update().get(pk=analysis.pk)
    version = current_version(analysis)
    if audience not in Audience.values:
        raise _refuse(_("Choose who may read it."), "audience")
    if published_until < published_from:
        raise _refuse(_("The publication cannot end before it begins."), "window")
    if (published_until - published_from).days >= MAX_WINDOW_DAYS:
        raise _refuse(_("Publish for at most %(days)d days.") % {"days": MAX_WINDOW_DAYS}, "window")
    if analysis.status == AnalysisStatus.ACCEPTED:
        raise _refuse(_("This self-analysis is already accepted."), "accepted")
    if version is None or version.rating is not None:
        raise _refuse(_("There is no new version to publish: the member writes one first."), "no_version")
    old = [analysis.status, analysis.audience, str(analysis.published_from), str(analysis.published_until)]
    analysis.status = AnalysisStatus.PUBLISHED
    analysis.audience = audience
    analysis.published_from, analysis.published_until = published_from, published_until
    analysis.save(update_fields=["status", "audience", "published_from", "published_until", "updated_at"])
    audit.record(
        event=events.ANALYSIS_PUBLISHED,
        **acting_as(actor, analysis.org_path),
        target=analysis,
        organisation=analysis.organisation,
        changes={
            "status": [old[0], analysis.status],
            "audience": [old[1], audience],
            "published_from": [old[2], str(published_from)],
            "published_until": [old[3], str(published_until)],
        },
        data={"version": version.number},
    )
    return analysis


@transaction.atomic
def add_comment(*, analysis: SelfAnalysis, text: str, actor=None, name: str = "") -> Comment:
    """A reader's comment on the published version; `actor` None for the public (who may give a name or not)."""
    if actor is not None and not may_comment(actor, analysis):
        raise _refuse(_("You may not comment on this self-analysis now."), "forbidden")
    if actor is None and not (is_published(analysis) and analysis.audience == Audience.PUBLIC):
        raise _refuse(_("This self-analysis is not published to the public now."), "not_public")
    text = (text or "").strip()
    if not text:
        raise _refuse(_("Write a comment."), "empty")
    if len(text) > MAX_COMMENT:
        raise _refuse(_("At most %(limit)d characters.") % {"limit": MAX_COMMENT}, "too_long")
    version = current_version(analysis)
    comment = Comment.objects.create(version=version, text=text, author=actor, name=(name or "").strip()[:100])
    audit.record(
        event=events.ANALYSIS_COMMENTED,
        **acting_as(actor, analysis.org_path),
        target=analysis,
        organisation=analysis.organisation,
        data={"version": version.number, "comment": comment.pk, "public": actor is None},
    )
    return comment


@transaction.atomic
def assign_helper(*, analysis: SelfAnalysis, actor, helper) -> SelfAnalysis:
    """重点帮助: the branch names a member who helps one whose self-analysis returned for rewrite."""
    if not can_at_path(actor, Action.CHANGE, analysis.org_path):
        raise _refuse(_("Only the branch assigns help."), "forbidden")
    analysis = SelfAnalysis.objects.select_for_update().get(pk=analysis.pk)
    if helper is not None and (helper.pk == analysis.member_id or helper.organisation_id != analysis.organisation_id):
        raise _refuse(_("The helper is another member of the same branch."), "helper")
    old = analysis.helper_id
    analysis.helper = helper
    analysis.save(update_fields=["helper", "updated_at"])
    audit.record(
        event=events.ANALYSIS_HELPER,
        **acting_as(actor, analysis.org_path),
        target=analysis,
        organisation=analysis.organisation,
        changes={"helper": [old, helper.pk if helper else None]},
    )
    return analysis


# --- rating --------------------------------------------------------------------------------------------------------


def rateable(campaign, organisation) -> QuerySet[SelfAnalysis]:
    """Published self-analyses of the branch whose current version has no rating and is on no ballot yet."""
    return SelfAnalysis.objects.filter(
        campaign=campaign, organisation=organisation, status=AnalysisStatus.PUBLISHED
    ).select_related("member")


def _unrated_versions(campaign, organisation) -> list[Version]:
    pending_keys = set()
    for questions in Ballot.objects.filter(
        campaign=campaign, organisation=organisation, kind=Kind.SATISFACTION, status__in=[Status.DRAFT, Status.OPEN]
    ).values_list("questions", flat=True):
        pending_keys |= {q.get("subject_id") for q in questions if q.get("subject") == Subject.SELF_ANALYSIS}
    versions = []
    for analysis in rateable(campaign, organisation).order_by("member__name", "pk"):
        version = current_version(analysis)
        if version is not None and version.rating is None and version.pk not in pending_keys:
            version.analysis = analysis
            versions.append(version)
    return versions


def question_key(version: Version) -> str:
    return f"self_analysis_{version.pk}"


@transaction.atomic
def create_rating_ballot(
    *,
    campaign: Campaign,
    organisation,
    actor,
    opens_on: datetime.date,
    closes_on: datetime.date,
    constituencies: list[str] | None = None,
    title: str = "",
) -> Ballot:
    """满意度测评 of the branch's published self-analyses: one satisfaction question per current version.

    The ballot takes the campaign's threshold and counting rule (register_rules_lookup in rules.py).
    """
    if not can_at_path(actor, Action.CHANGE, organisation.path):
        raise _refuse(_("Only the branch rates its members' self-analyses."), "forbidden")
    versions = _unrated_versions(campaign, organisation)
    if not versions:
        raise _refuse(_("No published self-analysis is waiting for a rating."), "nothing")
    questions = [
        {
            "key": question_key(version),
            "kind": QuestionKind.SATISFACTION,
            "label": _("%(name)s's self-analysis (version %(number)d)")
            % {"name": version.analysis.member.name, "number": version.number},
            "subject": Subject.SELF_ANALYSIS,
            "subject_id": version.pk,
            "required": False,
        }
        for version in versions
    ]
    return ballot_services.create_ballot(
        organisation=organisation,
        actor=actor,
        kind=Kind.SATISFACTION,
        title=title or _("Satisfaction with self-analyses: %(branch)s") % {"branch": organisation.name},
        questions=questions,
        constituencies=constituencies or [Constituency.MEMBERS],
        opens_on=opens_on,
        closes_on=closes_on,
        campaign=campaign,
    )


def is_below(hits: int, valid: int, threshold: Decimal) -> bool:
    """Whether hits/valid, as a percentage, lies below the threshold; exact, never on a rounded rate."""
    return Decimal(hits) * 100 < Decimal(threshold) * valid


def rate_of(hits: int, valid: int) -> Decimal:
    return (Decimal(hits) * 100 / Decimal(valid)).quantize(CENT, rounding=ROUND_HALF_UP)


def apply_ratings(*, ballot: Ballot, actor) -> list[SelfAnalysis]:
    """A closed ballot's satisfaction rate onto each self-analysis version it rated, then the campaign's rule:
    below the threshold and `rewrite_below_threshold` → returned for rewrite; otherwise accepted (DOMAIN §2).

    Only the analysis's current version moves its status (a version superseded meanwhile keeps its rate only);
    a question nobody answered leaves its version unrated, to be put to another ballot.
    """
    from vanguard.ballots.results import compute

    keys = {
        q["key"]: q["subject_id"]
        for q in ballot.questions
        if q.get("subject") == Subject.SELF_ANALYSIS and q.get("kind") == QuestionKind.SATISFACTION
    }
    if ballot.kind != Kind.SATISFACTION or not keys:
        return []
    results = compute(ballot)
    rules = campaign_rules(ballot.campaign)
    threshold = Decimal(ballot.threshold)
    changed = []
    versions = Version.objects.select_related("analysis__organisation").in_bulk(list(keys.values()))
    for key, version_id in keys.items():
        version = versions.get(version_id)
        proportion = results.question(key).satisfaction()
        if version is None or proportion is None or not proportion.total:
            continue
        rate = rate_of(proportion.hits, proportion.total)
        below = is_below(proportion.hits, proportion.total, threshold)
        Version.objects.filter(pk=version.pk).update(rating=rate, rated_by_ballot=ballot)
        analysis = SelfAnalysis.objects.select_for_update().get(pk=version.analysis_id)
        path = analysis.org_path
        audit.record(
            event=events.ANALYSIS_RATED,
            **acting_as(actor, path),
            target=analysis,
            organisation=analysis.organisation,
            data={
                "version": version.number,
                "ballot": ballot.pk,
                "rate": str(rate),
                "hits": proportion.hits,
                "valid": proportion.total,
                "threshold": str(threshold),
                "count_basically": ballot.count_basically,
            },
        )
        if current_version(analysis).pk != version.pk:
            continue
        old = analysis.status
        analysis.rating = rate
        analysis.status = AnalysisStatus.REWRITE if below and rules.rewrite_below_threshold else AnalysisStatus.ACCEPTED
        analysis.save(update_fields=["rating", "status", "updated_at"])
        audit.record(
            event=events.ANALYSIS_RETURNED if analysis.status == AnalysisStatus.REWRITE else events.ANALYSIS_ACCEPTED,
            **acting_as(actor, path),
            target=analysis,
            organisation=analysis.organisation,
            changes={"status": [old, analysis.status], "rating": [None, str(rate)]},
            data={"below_threshold": below, "rewrite_rule": rules.rewrite_below_threshold},
        )
        changed.append(analysis)
    return changed
