"""Reads of the organisation tree: scoped roots, children, search, subtree roll-ups."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from vanguard.accounts.scoping import Action, restrict, scope_roots
from vanguard.core import tree
from vanguard.core.chinese import search_variants
from vanguard.orgs import hooks
from vanguard.orgs.models import Organisation, Reorganisation


def visible(user, action: Action = Action.VIEW) -> QuerySet[Organisation]:
    return restrict(Organisation.objects.all(), user, action)


def with_has_children(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return queryset.annotate(has_children=Exists(Organisation.objects.filter(parent=OuterRef("pk"))))


def top_level(user) -> QuerySet[Organisation]:
    """The organisations at the top of what the user may see: their roles' roots."""
    roots = scope_roots(user, Action.VIEW)
    if roots is None:
        queryset = Organisation.objects.filter(parent__isnull=True)
    elif roots:
        queryset = Organisation.objects.filter(path__in=roots)
    else:
        queryset = visible(user)  # a member: just their own branch
    return with_has_children(queryset).order_by("path")


def children(user, organisation: Organisation) -> QuerySet[Organisation]:
    return with_has_children(visible(user).filter(parent=organisation)).order_by("name", "pk")


def ancestors(user, organisation: Organisation) -> list[Organisation]:
    """Breadcrumbs: the ancestors the user may see, root first."""
    pks = tree.ancestor_pks(organisation.path)
    found = {org.pk: org for org in visible(user).filter(pk__in=pks)}
    return [found[pk] for pk in pks if pk in found]


def search(user, text: str, *, within: Organisation | None = None, limit: int = 50) -> QuerySet[Organisation]:
    """By name (either script) or by official code prefix, inside what the user may see."""
    query = Q()
    for variant in search_variants(text):
        query |= Q(name__icontains=variant)
    if text.strip():
        query |= Q(code__startswith=text.strip())
    queryset = visible(user).filter(query)
    if within is not None:
        queryset = queryset.filter(tree.subtree_q("path", within.path))
    return with_has_children(queryset).order_by("depth", "name")[:limit]


def directory(text: str, *, limit: int = 20) -> list[dict[str, str]]:
    """The whole city's organisations by name (either script) or code: name, code and parent's name only.

    Unscoped on purpose, and so bare: a transfer's receiving side or a host branch is usually in another
    district, which the sender cannot see.  Nothing inside an organisation is read (no members, no counts,
    no id to open its page), only what its letter of introduction would name anyway.
    """
    text = text.strip()
    if not text:
        return []
    query = Q(code__startswith=text)
    for variant in search_variants(text):
        query |= Q(name__icontains=variant)
    rows = Organisation.objects.filter(query).order_by("depth", "name", "pk").values("name", "code", "parent__name")
    return [{"name": r["name"], "code": r["code"], "parent": r["parent__name"] or ""} for r in rows[:limit]]


def organisation_counts_by_kind(organisation: Organisation) -> dict[str, int]:
    """Sub-organisations below `organisation` (not itself), by kind: one GROUP BY over the path index."""
    rows = (
        Organisation.objects.filter(tree.subtree_q("path", organisation.path))
        .exclude(pk=organisation.pk)
        .values("kind")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {row["kind"]: row["n"] for row in rows}


def subtree_figures(organisation: Organisation) -> dict[str, dict[str, int]]:
    """The counts other apps keep over the subtree (members by category and by status, ...), by name."""
    return hooks.subtree_figures(organisation)


def reorganisations(user, organisation: Organisation):
    """Moves of this organisation and of anything below it, newest first."""
    return (
        restrict(Reorganisation.objects.all(), user)
        .filter(tree.subtree_q("organisation__path", organisation.path))
        .select_related("organisation", "old_parent", "new_parent", "moved_by")
    )
