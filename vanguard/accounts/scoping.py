"""The one place that decides what a user may see or change.

Every selector, view, API viewset and export narrows its queryset with
`restrict()`.  A role held at an organisation covers that organisation's whole
subtree; a member sees their own record; superusers see everything.  Models
declare which path fields place a row in the tree (`scope_fields`, and
optionally `scope_change_fields` when fewer sides may change a row than may see it).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from vanguard.accounts.models import Role, RoleAssignment
from vanguard.core import tree
from vanguard.core.access import Action

# `Action` is defined in core.access (core's helpers name actions too); apps keep importing it from here.


ROLE_ACTIONS: dict[str, set[Action]] = {
    Role.ADMIN: {Action.VIEW, Action.CHANGE, Action.VIEW_IDENTITY, Action.REORGANISE, Action.UNLOCK_SIGN_IN},
    Role.SECRETARY: {Action.VIEW, Action.CHANGE},
    Role.SUPERVISOR: {Action.VIEW},
    Role.MEMBER: set(),
}

_CACHE_ATTR = "_vanguard_scope_roots"


def scope_roots(user, action: Action = Action.VIEW) -> list[str] | None:
    """Paths of the subtrees where `user` may do `action`; None means everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        rows = RoleAssignment.objects.current().filter(user=user).values_list("role", "organisation__path")
        for role, path in rows:
            for granted in ROLE_ACTIONS.get(role, ()):
                cache.setdefault(granted, set()).add(path)
        cache = {action: tree.minimal_roots(paths) for action, paths in cache.items()}
        setattr(user, _CACHE_ATTR, cache)
    return cache.get(action, [])


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
    if roots is None:
        return None
    query = Q(pk__in=[])
    for field in _fields(model, action):
        query |= _field_q(field, roots)
    own = getattr(model, "scope_own_q", None)
    if own is not None and action == Action.VIEW and getattr(user, "is_authenticated", False):
        own_q = own(user)
        if own_q is not None:
            query |= own_q
    return query


def _field_q(field: str, roots: list[str]) -> Q:
    """A path field on the row itself is a range; one across a relation is a subquery.

    The subquery (`host_organisation IN (organisations in the subtrees)`) adds
    no join, so rows are never repeated and each side can use its own index.
    """
    relation, _, last = field.rpartition("__")
    if not relation:
        return tree.subtrees_q(field, roots)
    # The organisation model, reached through the relation roles are held at: accounts never imports orgs.
    organisation = RoleAssignment._meta.get_field("organisation").related_model
    assert last == "path", f"scope field {field} must end in a tree path"
    return Q(**{f"{relation}__in": organisation.objects.filter(tree.subtrees_q("path", roots)).values("pk")})


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
