"""The relation transfer's declared workflow (组织关系接转, DOMAIN §1).

The sending side issues the letter and may cancel or resubmit it; the
receiving side accepts, refuses with a reason, or returns it for correction
(打回).  An expired letter cannot be accepted.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core.transitions import StateMachine, Transition
from vanguard.members.models import Transfer, TransferStatus


def sending_side(user, transfer: Transfer) -> bool:
    return can_at_path(user, Action.CHANGE, transfer.from_organisation.path)


def receiving_side(user, transfer: Transfer) -> bool:
    return can_at_path(user, Action.CHANGE, transfer.to_organisation.path)


def letter_still_valid(transfer: Transfer, context: dict) -> str | None:
    if transfer.letter_valid_until < timezone.localdate():
        return _("The introduction letter has expired; the sending side must issue a new one.")
    return None


def reason_given(message: str):
    def guard(transfer: Transfer, context: dict) -> str | None:
        return None if str(context.get("reason", "")).strip() else message

    return guard


def close(transfer: Transfer, context: dict) -> None:
    transfer.closed_at = timezone.now()


def renew_letter(transfer: Transfer, context: dict) -> None:
    transfer.letter_valid_until = timezone.localdate() + datetime.timedelta(days=context.get("valid_days", 30))


S = TransferStatus
TRANSFER = StateMachine(
    "members.transfer",
    Transfer,
    organisation_of=lambda transfer: transfer.from_organisation_id,
    transitions=[
        Transition(
            "accept",
            gettext_lazy("Accept"),
            source=[S.PENDING],
            target=S.ACCEPTED,
            may=receiving_side,
            guards=[letter_still_valid],
            effect=close,
            saves=["closed_at"],
        ),
        Transition(
            "refuse",
            gettext_lazy("Refuse"),
            source=[S.PENDING],
            target=S.REFUSED,
            may=receiving_side,
            guards=[reason_given(gettext_lazy("Give the reason for refusing."))],
            effect=close,
            saves=["closed_at"],
        ),
        Transition(
            "return",
            gettext_lazy("Return for correction"),
            source=[S.PENDING],
            target=S.RETURNED,
            may=receiving_side,
            guards=[reason_given(gettext_lazy("Say what needs correcting."))],
        ),
        Transition(
            "resubmit",
            gettext_lazy("Resubmit"),
            source=[S.RETURNED],
            target=S.PENDING,
            may=sending_side,
            effect=renew_letter,
            saves=["letter_valid_until"],
        ),
        Transition(
            "cancel",
            gettext_lazy("Withdraw the transfer"),
            source=[S.PENDING, S.RETURNED],
            target=S.CANCELLED,
            may=sending_side,
            effect=close,
            saves=["closed_at"],
        ),
    ],
)
