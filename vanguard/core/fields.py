"""Model fields many apps declare alike."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree


def path_field(verbose=None, *, index: bool = True) -> models.CharField:
    """A copy of an organisation's tree path, for scoping a row to subtrees with one range scan (core.tree)."""
    return models.CharField(verbose or _("tree path"), max_length=tree.PATH_MAX_LENGTH, editable=False, db_index=index)
