"""The one place that decides what a user may see or change.

Every selector, view, API viewset and export narrows its queryset with
`restrict()`.  A role held at an organisation covers that organisation's whole
subtree; a member sees their own record; superusers see everything.  Models
declare which path fields place a row in the tree (`scope_fields`, and
optionally `scope_change_fields` when fewer sides may change a row than may see it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models
from django.db.models import F, Func, IntegerField, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import In

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.core import tree
from vanguard.core.access import Action

# `Action` is defined in core.access (core's helpers name actions too); apps keep importing it from here.


ROLE_ACTIONS: dict[str, set[Action]] = {
    Role.ADMIN: {
        Action.VIEW,
        Action.CHANGE,
        Action.VIEW_IDENTITY,
        Action.REORGANISE,
        Action.UNLOCK_SIGN_IN,
        Action.RUN_CAMPAIGNS,
        Action.VIEW_CASES,
    },
    Role.SECRETARY: {Action.VIEW, Action.CHANGE, Action.VIEW_CASES},
    Role.SUPERVISOR: {Action.VIEW},
    Role.MEMBER: set(),
}

_CACHE_ATTR = "_vanguard_scope_roots"

Grants = Callable[[object], "models.QuerySet | Iterable[tuple[Action, str]]"]
_grants: list[Grants] = []


def register_grants(grants: Grants) -> Grants:
    """Add roots to users' scopes beyond their roles (a supervision group's assigned units).

    `grants(user)` returns (Action, path) pairs.  A queryset of such pairs
    (`values_list(action, path)`) is folded into the statement that reads the
    roles, so a registered source costs no query of its own; the pairs are
    cached with the rest of the scope.  Apps above accounts register theirs in
    `AppConfig.ready()`, so accounts never imports them.
    """
    if grants not in _grants:  # ready() may run twice in some test set-ups
        _grants.append(grants)
    return grants


def scope_roots(user, action: Action = Action.VIEW) -> list[str] | None:
    """Paths of the subtrees where `user` may do `action`; None means everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return _scope(user)[0].get(action, [])


def _scope(user) -> tuple[dict[Action, list[str]], int]:
    """The user's roots by action, and how many top-level organisations there are (one query, cached)."""
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        granted_paths: dict[Action, set[str]] = {}
        # Counted in the same statement, so knowing whether the roots cover the whole tree costs no query.
        tops = _organisation_model().objects.filter(parent__isnull=True).order_by()
        rows = (
            RoleAssignment.objects.current()
            .filter(user=user)
            .annotate(tops=Subquery(tops.annotate(n=Func(F("pk"), function="COUNT")).values("n")))
            .values_list("role", "organisation__path", "tops")
            .order_by()
        )
        pairs: list[tuple[Action, str]] = []
        for grants in _grants:
            granted = grants(user)
            if isinstance(granted, models.QuerySet):
                # Rows of a grant carry no count of top-level organisations: that NULL tells them from roles'.
                no_tops = granted.annotate(_no_tops=Value(None, output_field=IntegerField()))
                rows = rows.union(no_tops.values_list(*granted._fields, "_no_tops").order_by(), all=True)
            else:
                pairs.extend(granted)
        top_count = 0
        for role, path, tops_in_tree in rows:
            if tops_in_tree is None:
                pairs.append((Action(role), path))
                continue
            top_count = tops_in_tree
            for granted in ROLE_ACTIONS.get(role, ()):
                granted_paths.setdefault(granted, set()).add(path)
        for granted, path in pairs:
            granted_paths.setdefault(granted, set()).add(path)
        cache = ({action: tree.minimal_roots(paths) for action, paths in granted_paths.items()}, top_count)
        setattr(user, _CACHE_ATTR, cache)
    return cache


def _organisation_model() -> type[models.Model]:
    # Reached through the relation roles are held at: accounts never imports orgs.
    return RoleAssignment._meta.get_field("organisation").related_model


def _covers_whole_tree(user, action: Action) -> bool:
    """Whether the roots include every top-level organisation (the city's office): no filter is needed then.

    Filtering by a range that holds every row (ORed with the hosted side) only
    keeps PostgreSQL from counting through an index and reading a page in order.
    """
    roots, top_count = _scope(user)
    tops_held = sum(1 for root in roots.get(action, []) if tree.depth_of(root) == 1)
    return top_count > 0 and tops_held == top_count


def forget(user) -> None:
    """Drop the cached roles (after roles change within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _fields(model: type[models.Model], action: Action) -> tuple[str, ...]:
    if action != Action.VIEW:
        return getattr(model, "scope_change_fields", model.scope_fields)
    return model.scope_fields


def scope_q(model: type[models.Model], user, action: Action = Action.VIEW) -> Q | None:
    """The filter for `model` rows the user may act on; None means no restriction."""
    roots = scope_roots(user, action)
    if roots is None or (roots and _covers_whole_tree(user, action)):
        return None
    fields = _fields(model, action)
    own_path = [field for field in fields if "__" not in field]
    query, elsewhere = Q(pk__in=[]), Q(pk__in=[])  # elsewhere: the rows the row's own path does not place
    for field in fields:
        query |= _field_q(field, roots)
        if "__" in field:
            elsewhere |= _field_q(field, roots)
    own = getattr(model, "scope_own_q", None)
    if own is not None and action == Action.VIEW and getattr(user, "is_authenticated", False):
        own_q = own(user)
        if own_q is not None:
            query |= own_q
            elsewhere |= own_q
    if len(own_path) == 1 and len(fields) > 1 and roots:
        query &= _bounds_q(model, own_path[0], roots, elsewhere)
    return query


def scope_beyond_roots(
    model: type[models.Model], user, action: Action = Action.VIEW
) -> tuple[list[str] | None, Q | None]:
    """The scope in two disjoint parts: the roots, and the rows in scope whose own path lies outside them.

    A row is in scope when its own path (the model's one path field) lies under a
    root, or when another side reaches it (a member hosted here, one's own
    record). Counting the first part needs no row (kept tallies per subtree);
    the second is the small set of rows returned here as a Q (None: no such rows
    can exist). Roots None: everywhere (a superuser, or roots holding every
    top-level organisation, as scope_q leaves unfiltered), nothing beyond.
    """
    fields = _fields(model, action)
    own_path = [field for field in fields if "__" not in field]
    if len(own_path) != 1:
        raise ValueError(f"{model.__name__} has no single path field of its own")
    roots = scope_roots(user, action)
    if roots is None or (roots and _covers_whole_tree(user, action)):
        return None, None
    elsewhere, any_other = Q(pk__in=[]), False
    for field in fields:
        if "__" in field:
            elsewhere |= _field_q(field, roots)
            any_other = True
    own = getattr(model, "scope_own_q", None)
    if own is not None and action == Action.VIEW and getattr(user, "is_authenticated", False):
        own_q = own(user)
        if own_q is not None:
            elsewhere |= own_q
            any_other = True
    if not any_other:
        return roots, None
    return roots, (elsewhere & ~tree.subtrees_q(own_path[0], roots) if roots else elsewhere)


def _bounds_q(model: type[models.Model], field: str, roots: list[str], elsewhere: Q) -> Q:
    """A range on the row's own path that holds every row in scope: redundant, but an index condition.

    The ORed scope is no index condition, so a page sorted by path (the member
    list's default) was read by walking the whole path index from one end and
    testing each row.  The rows of the scope lie between the roots' bounds,
    widened to the paths of the rows only the other sides reach (members hosted
    here, one's own record, found through their own indexes): a range the scan
    starts and stops at.
    """
    low, high = min(roots), max(tree.subtree_upper_bound(root) for root in roots)
    others = model._default_manager.filter(elsewhere).order_by()

    def edge(function: str, within: str) -> Coalesce:
        found = Subquery(others.annotate(edge=Func(F(field), function=function)).values("edge"))
        return Coalesce(found, Value(within), output_field=models.CharField())

    return Q(**{f"{field}__gte": Least(Value(low), edge("MIN", low))}) & Q(
        **{f"{field}__lte": Greatest(Value(high), edge("MAX", high))}
    )


class _InSubtreeKeys(In):
    """`key IN (subquery)`, written `key = ANY(ARRAY(subquery))` on PostgreSQL.

    PostgreSQL runs `ARRAY(subquery)` once, before the scan, and can then look
    the keys up in an index; `IN (subquery)` stays a filter tested row by row.
    ORed with the path range of the row's own field, the array lets both sides
    be bitmap index scans combined (BitmapOr) instead of a scan of every row.
    """

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)  # "(SELECT ...)"
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def _field_q(field: str, roots: list[str]) -> Q:
    """A path field on the row itself is a range; one across a relation is a subquery.

    The subquery (`host_organisation IN (organisations in the subtrees)`) adds
    no join, so rows are never repeated and each side can use its own index.
    """
    relation, _, last = field.rpartition("__")
    if not relation:
        return tree.subtrees_q(field, roots)
    organisation = _organisation_model()
    assert last == "path", f"scope field {field} must end in a tree path"
    keys = organisation.objects.filter(tree.subtrees_q("path", roots)).order_by().values("pk")
    return Q(_InSubtreeKeys(F(relation), keys))


def restrict(queryset: models.QuerySet, user, action: Action = Action.VIEW) -> models.QuerySet:
    """`queryset` narrowed to what `user` may do `action` on."""
    query = scope_q(queryset.model, user, action)
    if query is None:
        return queryset
    return queryset.filter(query)


def can(user, action: Action, obj: models.Model) -> bool:
    """Whether `user` may do `action` on this one object."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def can_at_path(user, action: Action, path: str) -> bool:
    """Whether `action` is granted at the organisation with this tree path."""
    roots = scope_roots(user, action)
    return roots is None or any(tree.is_within(path, root) for root in roots)


def has_any_role(user) -> bool:
    roots = scope_roots(user, Action.VIEW)
    return roots is None or bool(roots) or bool(getattr(user, "member_id", None))
