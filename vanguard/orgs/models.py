"""Party organisations and their tree (DOMAIN §1), with the history of reorganisations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vanguard.core import tree
from vanguard.orgs import hooks


class Kind(models.TextChoices):
    CITY_COMMITTEE = "city_committee", _("City committee")
    DISTRICT = "district", _("District/county committee")
    CITY_DEPARTMENT = "city_department", _("City department")
    WORKING_COMMITTEE = "working_committee", _("Working committee")
    PARTY_GROUP = "party_group", _("Party leadership group")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Grassroots committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    TEMPORARY_BRANCH = "temporary_branch", _("Temporary branch")
    JOINT_BRANCH = "joint_branch", _("Joint branch")
    REGIONAL_BRANCH = "regional_branch", _("Regional branch")
    MOBILE_ORGANISATION = "mobile_organisation", _("Mobile-member organisation")
    GROUP = "group", _("Party group")


BRANCH_KINDS = (
    Kind.BRANCH,
    Kind.TEMPORARY_BRANCH,
    Kind.JOINT_BRANCH,
    Kind.REGIONAL_BRANCH,
    Kind.MOBILE_ORGANISATION,
)


class Sector(models.TextChoices):
    GOVERNMENT = "government", _("Party and government organs")
    PUBLIC_INSTITUTION = "public_institution", _("Public institutions")
    STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprises")
    COLLECTIVE_ENTERPRISE = "collective_enterprise", _("Collective enterprises")
    NON_PUBLIC_ENTERPRISE = "non_public_enterprise", _("Non-public enterprises")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisations")
    COMMUNITY = "community", _("Streets and communities")
    TOWNSHIP = "township", _("Towns and townships")
    RURAL = "rural", _("Rural villages")
    SCHOOL = "school", _("Schools and universities")
    RESEARCH = "research", _("Research institutes")
    HOSPITAL = "hospital", _("Hospitals")
    BUILDING = "building", _("Office buildings")
    MARKET = "market", _("Markets")


class Organisation(models.Model):
    """党组织: a node of the tree.  `path` is the indexed materialised path (see core.tree)."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    code = models.CharField(_("official code"), max_length=32, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("tree path"), max_length=tree.PATH_MAX_LENGTH, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_fields = ("path",)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_own_q(cls, user) -> Q | None:
        """Organisations holding a record of the user's own (a member sees their branch), as the apps declare."""
        return hooks.own_organisations_q(user)

    @property
    def ancestor_pks(self) -> list[int]:
        return tree.ancestor_pks(self.path)

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


class Reorganisation(models.Model):
    """One move of a subtree under a new parent; the dated history of the tree."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="reorganisations", verbose_name=_("organisation")
    )
    old_parent = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("old parent")
    )
    new_parent = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("new parent")
    )
    effective_on = models.DateField(_("effective date"))
    reason = models.TextField(_("reason"), blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("moved by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    organisations_moved = models.PositiveIntegerField(_("organisations moved"))
    members_moved = models.PositiveIntegerField(_("members moved"))

    scope_fields = ("organisation__path",)

    class Meta:
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")
        ordering = ["-effective_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.old_parent} → {self.new_parent}"
