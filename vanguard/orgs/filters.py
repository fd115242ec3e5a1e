"""API filters about the organisation tree, shared by every app's filter sets."""

from __future__ import annotations

from collections.abc import Callable

from vanguard.core import tree
from vanguard.orgs.models import Organisation


def in_subtree(field: str = "org_path") -> Callable:
    """A django-filter `method`: rows whose `field` (a tree path copy) lies in the subtree of the organisation
    whose id is the filter's value; none for an unknown id (scoping has already cut the rows to the caller's)."""

    def method(queryset, name, value):
        path = Organisation.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(tree.subtree_q(field, path)) if path else queryset.none()

    return method
