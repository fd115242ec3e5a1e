"""Users and the roles they hold at organisations (DOMAIN §1: rights belong to a role held for a period)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in.  A member's own account links to their member record."""

    member = models.OneToOneField(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user_account",
        verbose_name=_("member record"),
    )
    # Set when someone else chose the password (a first password, a reset): it is changed at the next sign-in.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    ADMIN = "admin", _("Campaign office")
    SECRETARY = "secretary", _("Secretary")
    SUPERVISOR = "supervisor", _("Supervisor")
    MEMBER = "member", _("Member")


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> RoleAssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=on), Q(valid_until__isnull=True) | Q(valid_until__gte=on))


class RoleAssignment(models.Model):
    """A role held at an organisation for a period; it covers the organisation's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("organisation")
    )
    valid_from = models.DateField(_("valid from"), default=datetime.date.min)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"
