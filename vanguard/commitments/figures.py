"""Commitments counted for any subtree: made, published, rated, kept share, public verdicts, leaders' (DOMAIN §9)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Count, Q, Sum

from vanguard.commitments.models import Audience, Commitment, Status, Verdict
from vanguard.core import tree
from vanguard.members.models import Member


@dataclass
class Figures:
    made: int = 0
    published: int = 0
    to_public: int = 0
    rated: int = 0
    kept: int = 0
    partly: int = 0
    not_kept: int = 0
    public_kept: int = 0
    public_partly: int = 0
    public_not_kept: int = 0
    leaders_made: int = 0
    leaders_kept: int = 0
    members_committed: int = 0
    members_published: int = 0

    @property
    def kept_share(self) -> float | None:
        """Share (per cent) of branch-rated commitments found kept; None before any is rated."""
        return None if not self.rated else round(100 * self.kept / self.rated, 1)

    def as_dict(self) -> dict:
        return {**asdict(self), "kept_share": self.kept_share}


def compute(organisation, campaign=None) -> Figures:
    rows = Commitment.objects.filter(tree.subtree_q("org_path", organisation.path))
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    shown = Q(status__in=(Status.PUBLISHED, Status.RATED))
    totals = rows.aggregate(
        made=Count("pk"),
        published=Count("pk", filter=shown),
        to_public=Count("pk", filter=shown & Q(audience=Audience.PUBLIC)),
        rated=Count("pk", filter=Q(status=Status.RATED)),
        kept=Count("pk", filter=Q(verdict=Verdict.KEPT)),
        partly=Count("pk", filter=Q(verdict=Verdict.PARTLY)),
        not_kept=Count("pk", filter=Q(verdict=Verdict.NOT_KEPT)),
        public_kept=Sum("public_kept"),
        public_partly=Sum("public_partly"),
        public_not_kept=Sum("public_not_kept"),
        leaders_made=Count("pk", filter=Q(by_leader=True)),
        leaders_kept=Count("pk", filter=Q(by_leader=True, verdict=Verdict.KEPT)),
        members_committed=Count("member", distinct=True),
        members_published=Count("member", distinct=True, filter=shown),
    )
    return Figures(**{key: value or 0 for key, value in totals.items()})


def published_share(organisation, campaign=None) -> dict:
    """Members of the subtree on the roll, and how many have a published commitment (the evidence kind's facts)."""
    members = Member.objects.filter(tree.subtree_q("org_path", organisation.path)).count()
    with_published = compute(organisation, campaign).members_published
    share = None if not members else round(100 * with_published / members, 1)
    return {"members": members, "published": with_published, "share": share}


def subtree_counts(organisation) -> dict[str, int]:
    """For orgs.hooks.register_subtree_figures (every campaign)."""
    figures = compute(organisation)
    return {"made": figures.made, "published": figures.published, "rated": figures.rated, "kept": figures.kept}
