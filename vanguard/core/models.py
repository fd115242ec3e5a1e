"""Shared models: `Job`, one background job (an import, an export, a report build) and its progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A background job and everything its page shows; see core.jobs for how it runs.

    The row, not the runner, is the record: the page polls it, so progress and
    the result survive a reload and look the same under every runner.
    """

    kind = models.CharField(_("kind"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)  # 0 while the size is unknown
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # The starter's language: messages written by the worker are in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("started by")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="jobs", verbose_name=_("organisation")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # How many times a worker took the job: more than one means a worker died while running it.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # While running: renewed with every progress write; once past, the worker is taken for dead (core.jobs).
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)

    # Seen by whoever's scope covers the subtree it concerns.  Deliberately no
    # scope_own_q: a creator who has lost the role must not keep reading an
    # export of that subtree.
    scope_fields = ("organisation__path",)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="job_user_recent"),
            # What the workers' periodic look for lapsed leases reads: only the running few.
            models.Index(fields=["lease_expires_at"], condition=models.Q(status="running"), name="job_running_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def attempt(self) -> int:
        """The attempt running, or waiting to run after its worker stopped; 1 for a job that never lost its worker."""
        if self.status == JobStatus.QUEUED and self.attempts:
            return self.attempts + 1
        return max(1, self.attempts)

    @property
    def percent(self) -> int:
        """Progress as a whole percentage; 100 once succeeded even if the size was never known."""
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if self.total <= 0:
            return 0
        return min(100, self.done * 100 // self.total)


class AuditEntry(models.Model):
    """One entry of the audit trail: who did what to which object, in which role, with old and new values.

    Entries form a hash chain (see core.audit): `hash` covers the entry's
    canonical content and the previous entry's hash, and `seq` numbers them
    without gaps, so an edited, deleted, inserted or reordered entry is found
    by `manage.py verify_audit`.  Rows are written only through
    `core.audit.record` and never updated.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("at"))
    event = models.CharField(_("event"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # users are deactivated, never deleted: the trail keeps naming them
        related_name="+",
        verbose_name=_("by"),
    )
    actor_role = models.CharField(_("acting as"), max_length=32, blank=True)
    actor_organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acting at"),
    )
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    object_repr = models.CharField(_("object name"), max_length=200, blank=True)
    # Where the entry belongs in the tree, for scoping; none means superusers only.
    organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("organisation"),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # field → [old, new]
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    scope_fields = ("organisation__path",)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-seq"], name="audit_object"),
            models.Index(fields=["organisation", "-seq"], name="audit_organisation"),
            models.Index(fields=["event", "-seq"], name="audit_event"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event}"
