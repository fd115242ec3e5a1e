"""Notices (通知) with read receipts per organisation, and briefings (简报) internal or public (DOMAIN §2, §10).

A notice goes from an office to every organisation below it (optionally only
some kinds): one `NoticeReceipt` each, written by one INSERT … SELECT (a city
has ~58,000 organisations).  Opening a notice marks it read for the
organisations where the reader holds a role.  The sender's figures — read and
unread per child subtree, the unread organisations — are grouped queries over
the receipts' tree paths.

A briefing is internal (the users of the publishing organisation's subtree,
and those above it) or public (`/public/briefings/`, no sign-in).  内外有别
(§2): a pilot campaign's briefings, and briefings by or naming a pilot unit,
stay internal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts import scoping
from vanguard.accounts.models import Role, RoleAssignment
from vanguard.accounts.scoping import Action
from vanguard.accounts.selectors import acting_as
from vanguard.campaigns.models import (
    Briefing,
    Campaign,
    CampaignStatus,
    Notice,
    NoticeReceipt,
    Unit,
    Visibility,
)
from vanguard.campaigns.supervision import is_office_at
from vanguard.core import audit, tree
from vanguard.orgs.models import Kind, Organisation

NOTICE_SENT = audit.declare("campaigns.notice.sent", gettext_lazy("Notice sent"))
NOTICE_READ = audit.declare("campaigns.notice.read", gettext_lazy("Notice read"))
BRIEFING_PUBLISHED = audit.declare("campaigns.briefing.published", gettext_lazy("Briefing published"))


# --- services -----------------------------------------------------------------------------------------------


def _check_campaign(campaign: Campaign | None, organisation: Organisation) -> None:
    if campaign is None:
        return
    path, root = organisation.path, campaign.org_path
    if not (tree.is_within(path, root) or tree.is_within(root, path)):
        raise ValidationError({"campaign": _("The campaign does not concern this organisation.")})


@transaction.atomic
def send_notice(
    *,
    organisation: Organisation,
    title: str,
    body: str,
    kinds: Iterable[str] = (),
    campaign: Campaign | None = None,
    actor,
) -> Notice:
    """An office's notice to every organisation below it (only of `kinds` when given), one receipt each."""
    if not is_office_at(actor, organisation.path):
        raise ValidationError(_("Only an office sends notices to its subtree."))
    kinds = sorted(set(kinds))
    unknown = [kind for kind in kinds if kind not in Kind.values]
    if unknown:
        raise ValidationError({"kinds": _("Unknown kind of organisation: %(kinds)s") % {"kinds": ", ".join(unknown)}})
    _check_campaign(campaign, organisation)
    notice = Notice.objects.create(
        campaign=campaign,
        organisation=organisation,
        org_path=organisation.path,
        title=title.strip(),
        body=body,
        kinds=kinds,
        sent_by=actor,
    )
    notice.recipients = _write_receipts(notice, kinds)
    if not notice.recipients:
        raise ValidationError(_("No organisation below matches: the notice would reach nobody."))
    notice.save(update_fields=["recipients"])
    audit.record(
        event=NOTICE_SENT,
        **acting_as(actor, organisation.path),
        target=notice,
        organisation=organisation,
        data={"kinds": kinds, "recipients": notice.recipients, "campaign": campaign.pk if campaign else None},
    )
    return notice


def _write_receipts(notice: Notice, kinds: list[str]) -> int:
    """One receipt per recipient, inserted from a SELECT in the database: nothing crosses the wire per row."""
    path = notice.org_path
    recipients = Organisation.objects.filter(path__gt=path, path__lt=tree.subtree_upper_bound(path)).order_by()
    if kinds:
        recipients = recipients.filter(kind__in=kinds)
    rows = recipients.annotate(notice_key=Value(notice.pk, output_field=IntegerField())).values_list(
        "notice_key", "pk", "path"
    )
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    meta = NoticeReceipt._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("notice", "organisation", "org_path"))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {select}", params)
        return cursor.rowcount


def _role_organisations(user) -> models.QuerySet:
    return RoleAssignment.objects.current().filter(user=user.pk).values("organisation_id")


@transaction.atomic
def mark_read(*, notice: Notice, user) -> int:
    """The notice is read for every organisation where `user` holds a role and which has not read it yet."""
    now = timezone.now()
    receipts = NoticeReceipt.objects.filter(
        notice=notice, organisation__in=_role_organisations(user), read_at__isnull=True
    )
    organisations = list(receipts.values_list("organisation_id", flat=True))
    if not organisations:
        return 0
    NoticeReceipt.objects.filter(notice=notice, organisation__in=organisations, read_at__isnull=True).update(
        read_at=now, read_by=user
    )
    audit.record(
        event=NOTICE_READ,
        **acting_as(user, notice.org_path),
        target=notice,
        organisation=organisations[0],
        data={"organisations": organisations},
    )
    return len(organisations)


def public_refusal(*, organisation: Organisation, campaign: Campaign | None, title: str, body: str) -> str | None:
    """Why a briefing may not be public (DOMAIN §2, 内外有别), or None.

    A pilot campaign's briefings stay internal; so do briefings published by a
    pilot unit (or from inside one) and briefings naming a pilot unit, of the
    campaign given or of any campaign not yet closed.
    """
    if campaign is not None and campaign.is_pilot:
        return _("A pilot campaign's briefings stay internal: reports to the outside go through the leading group.")
    pilots = Unit.objects.filter(is_pilot=True)
    if campaign is not None:
        pilots = pilots.filter(campaign=campaign)
    else:
        pilots = pilots.exclude(campaign__status=CampaignStatus.CLOSED)
    own = [*tree.ancestor_paths(organisation.path), organisation.path]
    if pilots.filter(org_path__in=own).exists():
        return _("Briefings of a pilot unit stay internal: reports to the outside go through the leading group.")
    text = f"{title}\n{body}"
    named = sorted({name for name in pilots.values_list("organisation__name", flat=True) if name and name in text})
    if named:
        return _("This briefing names pilot units (%(names)s), whose publicity stays internal.") % {
            "names": "、".join(named)
        }
    return None


@transaction.atomic
def publish_briefing(
    *,
    organisation: Organisation,
    title: str,
    body: str,
    visibility: str,
    campaign: Campaign | None = None,
    actor,
) -> Briefing:
    """An office publishes a briefing; a public one is refused with the reason when §2 keeps it internal."""
    if not is_office_at(actor, organisation.path):
        raise ValidationError(_("Only an office publishes briefings."))
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    _check_campaign(campaign, organisation)
    if visibility == Visibility.PUBLIC:
        reason = public_refusal(organisation=organisation, campaign=campaign, title=title, body=body)
        if reason:
            raise ValidationError({"visibility": ValidationError(reason, code="internal_only")})
    briefing = Briefing.objects.create(
        campaign=campaign,
        organisation=organisation,
        org_path=organisation.path,
        title=title.strip(),
        body=body,
        visibility=visibility,
        published_by=actor,
    )
    audit.record(
        event=BRIEFING_PUBLISHED,
        **acting_as(actor, organisation.path),
        target=briefing,
        organisation=organisation,
        data={"visibility": visibility, "campaign": campaign.pk if campaign else None},
    )
    return briefing


# --- selectors ----------------------------------------------------------------------------------------------


def sender_organisations(user) -> models.QuerySet:
    """Organisations `user` may send notices and publish briefings from: where they hold ADMIN."""
    if getattr(user, "is_superuser", False):
        return Organisation.objects.filter(parent__isnull=True)
    held = RoleAssignment.objects.current().filter(user=user.pk, role=Role.ADMIN).values("organisation_id")
    return Organisation.objects.filter(pk__in=held).order_by("path")


def my_notices(user) -> models.QuerySet:
    """Notices to organisations where `user` holds a role, unread first, each with `unread` annotated."""
    mine = NoticeReceipt.objects.filter(notice=OuterRef("pk"), organisation__in=_role_organisations(user))
    return (
        Notice.objects.filter(Exists(mine))
        .annotate(unread=Exists(mine.filter(read_at__isnull=True)))
        .select_related("organisation")
        .order_by("-unread", "-sent_at", "-pk")
    )


def sent_notices(user) -> models.QuerySet:
    """Notices sent from inside the user's scope (the sending side's list)."""
    return scoping.restrict(Notice.objects.select_related("organisation"), user, Action.VIEW)


def visible_notices(user) -> models.QuerySet:
    """Notices the user may open: sent from inside their scope, or to an organisation where they hold a role."""
    notices = Notice.objects.select_related("organisation", "campaign")
    query = scoping.scope_q(Notice, user, Action.VIEW)
    if query is None:
        return notices
    mine = NoticeReceipt.objects.filter(notice=OuterRef("pk"), organisation__in=_role_organisations(user))
    return notices.filter(query | Q(Exists(mine)))


def may_follow(user, notice: Notice) -> bool:
    """Whether `user` sees who has read the notice: its sending side (the notice is in their scope)."""
    return scoping.can_at_path(user, Action.VIEW, notice.org_path)


@dataclass
class ReadCount:
    organisation: Organisation
    total: int
    read: int

    @property
    def unread(self) -> int:
        return self.total - self.read


def read_counts(notice: Notice, within: Organisation) -> list[ReadCount]:
    """Receipts read and unread in each child subtree of `within` (inside the notice's subtree): one grouped query."""
    path = within.path
    width = len(path) + tree.SEGMENT_WIDTH
    rows = (
        NoticeReceipt.objects.filter(notice=notice, org_path__gt=path, org_path__lt=tree.subtree_upper_bound(path))
        .annotate(child=Substr("org_path", 1, width))
        .values("child")
        .annotate(total=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False)))
        .order_by("child")
    )
    counts = {row["child"]: row for row in rows}
    children = Organisation.objects.filter(path__in=list(counts)).order_by("path")
    return [ReadCount(child, counts[child.path]["total"], counts[child.path]["read"]) for child in children]


def own_receipt(notice: Notice, organisation: Organisation) -> NoticeReceipt | None:
    return NoticeReceipt.objects.filter(notice=notice, organisation=organisation).first()


def unread_organisations(notice: Notice, within: Organisation, limit: int = 200) -> list[Organisation]:
    """The organisations of `within`'s subtree (itself included) that have not read the notice, in tree order."""
    receipts = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True).filter(
        tree.subtree_q("org_path", within.path)
    )
    return [r.organisation for r in receipts.select_related("organisation").order_by("org_path")[:limit]]


def _reader_paths(user) -> list[str]:
    """Paths of the organisations a user belongs to: where they hold a role, and the roots of their scope."""
    roots = scoping.scope_roots(user, Action.VIEW) or []
    held = RoleAssignment.objects.current().filter(user=user.pk).values_list("organisation__path", flat=True)
    return [*roots, *held]


def visible_briefings(user) -> models.QuerySet:
    """Public briefings, and internal ones of an organisation whose subtree the user belongs to or oversees."""
    briefings = Briefing.objects.select_related("organisation", "campaign")
    query = scoping.scope_q(Briefing, user, Action.VIEW)
    if query is None:
        return briefings
    above = {ancestor for path in _reader_paths(user) for ancestor in [*tree.ancestor_paths(path), path]}
    return briefings.filter(query | Q(org_path__in=sorted(above)) | Q(visibility=Visibility.PUBLIC))


def public_briefings() -> models.QuerySet:
    return Briefing.objects.filter(visibility=Visibility.PUBLIC).select_related("organisation")
