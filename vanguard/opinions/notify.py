"""Telling whoever raised a problem what became of it: SMS or e-mail through a pluggable sender.

The sender is a setting (`VANGUARD_SMS_SENDER`, a dotted path to
`send(phone, text) -> None`, raising on failure); the default writes the
message to the log, as a demo has no SMS gateway.  E-mail goes through
Django's mail settings.  Every message is a `Notification` row first, so a
failed send is visible and can be sent again; the reply itself is always on
the receipt page whatever happens to the message.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vanguard.opinions.models import Notification, Opinion, Problem

log = logging.getLogger(__name__)


def log_sms(phone: str, text: str) -> None:
    """The default SMS sender: the message goes to the log (a demo has no gateway)."""
    log.info("SMS to %s: %s", phone, text)


def sms_sender():
    return import_string(getattr(settings, "VANGUARD_SMS_SENDER", "vanguard.opinions.notify.log_sms"))


def _queue(problem: Problem, text_for) -> list[Notification]:
    notes = []
    for opinion in (
        Opinion.objects.filter(problem=problem).exclude(phone="", email="").only("pk", "phone", "email", "receipt")
    ):
        text = text_for(opinion)
        if opinion.phone:
            notes.append(
                Notification(opinion=opinion, medium=Notification.Medium.SMS, address=opinion.phone, text=text)
            )
        if opinion.email:
            notes.append(
                Notification(opinion=opinion, medium=Notification.Medium.EMAIL, address=opinion.email, text=text)
            )
    created = Notification.objects.bulk_create(notes)
    ids = [n.pk for n in created]
    if ids:
        transaction.on_commit(lambda: send_pending(ids))
    return created


def queue_reply(problem: Problem) -> list[Notification]:
    return _queue(
        problem,
        lambda opinion: (
            _("Your opinion (receipt %(receipt)s) has a reply: %(reply)s")
            % {"receipt": opinion.receipt, "reply": problem.reply[:300]}
        ),
    )


def queue_rectified(problem: Problem) -> list[Notification]:
    return _queue(
        problem,
        lambda opinion: (
            _("The problem you raised (receipt %(receipt)s) is rectified; you may rate the effect.")
            % {"receipt": opinion.receipt}
        ),
    )


def send_pending(ids: list[int] | None = None) -> int:
    """Send waiting (or failed) messages; returns how many went.  A failure is recorded, never raised."""
    queryset = Notification.objects.filter(status__in=[Notification.Status.PENDING, Notification.Status.FAILED])
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    sent = 0
    sender = sms_sender()
    for note in queryset:
        try:
            if note.medium == Notification.Medium.SMS:
                sender(note.address, note.text)
            else:
                send_mail(_("Vanguard: your opinion"), note.text, None, [note.address])
        except Exception as exc:  # noqa: BLE001 — any gateway failure is kept on the row to retry
            Notification.objects.filter(pk=note.pk).update(status=Notification.Status.FAILED, error=str(exc)[:300])
            continue
        Notification.objects.filter(pk=note.pk).update(
            status=Notification.Status.SENT, sent_at=timezone.now(), error=""
        )
        sent += 1
    return sent
