"""The campaign's appraisal settings (`Rules`): read with their defaults, changed by the campaign office.

A campaign without a saved row follows the defaults of the model (threshold
70, 满意 + 基本满意 counted, more than half to be unqualified or remedial,
weights 0.4 / 0.3 / 0.3, bottom 5% flagged): `rules_for` returns such an
unsaved row, so every reader sees one set of settings either way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.accounts.selectors import acting_as
from vanguard.appraisals import events
from vanguard.appraisals.models import Rules
from vanguard.core import audit

SHARES = ("unqualified_share", "remedial_share", "bottom_share")
WEIGHTS = ("weight_members", "weight_public", "weight_upper")
BOOLEANS = ("count_basically", "rewrite_below_threshold")
FIELDS = ("threshold", *BOOLEANS, *SHARES, *WEIGHTS)


def rules_for(campaign) -> Rules:
    """The campaign's settings; the defaults (unsaved) when it has none, or when there is no campaign."""
    if campaign is None:
        return Rules()
    found = Rules.objects.filter(campaign=campaign).first()
    return found if found is not None else Rules(campaign=campaign)


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def check_rules(values: dict) -> dict[str, list[str]]:
    """{field: problems} for a full set of settings; empty when they can be saved.

    The threshold is a percentage (0–100); shares are fractions (0–1); the
    three screening weights are fractions that add up to exactly 1, so the
    composite score stays on the 0–100 scale of its parts.
    """
    problems: dict[str, list[str]] = {}
    threshold = _decimal(values.get("threshold"))
    if threshold is None or not Decimal(0) <= threshold <= Decimal(100):
        problems.setdefault("threshold", []).append(_("The threshold is a percentage from 0 to 100."))
    for name in (*SHARES, *WEIGHTS):
        value = _decimal(values.get(name))
        if value is None or not Decimal(0) <= value <= Decimal(1):
            problems.setdefault(name, []).append(_("Give a share from 0 to 1 (0.5 is half)."))
    weights = [_decimal(values.get(name)) for name in WEIGHTS]
    if all(w is not None for w in weights) and sum(weights) != Decimal(1):
        problems.setdefault("__all__", []).append(
            _("The three weights must add up to 1 (they add up to %(sum)s).") % {"sum": sum(weights)}
        )
    return problems


def _plain(value):
    return value if isinstance(value, bool) else str(value)


@transaction.atomic
def update_rules(*, campaign, actor, values: dict) -> Rules:
    """Save the campaign's settings; only its campaign office (Action.RUN_CAMPAIGNS at the campaign) may."""
    if actor is not None and not can_at_path(actor, Action.RUN_CAMPAIGNS, campaign.org_path):
        raise ValidationError(
            _("Only the campaign office may change the campaign's appraisal settings."), code="forbidden"
        )
    values = {name: values[name] for name in FIELDS if name in values}
    current = rules_for(campaign)
    merged = {name: values.get(name, getattr(current, name)) for name in FIELDS}
    problems = check_rules(merged)
    if problems:
        raise ValidationError(problems, code="invalid")
    rules, _created = Rules.objects.select_for_update().get_or_create(campaign=campaign)
    changes = {}
    for name in FIELDS:
        # A row just created holds the model's defaults as floats (0.4): compared as decimals, 0.4 is 0.4.
        old = getattr(rules, name) if name in BOOLEANS else _decimal(getattr(rules, name))
        new = bool(merged[name]) if name in BOOLEANS else _decimal(merged[name])
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(rules, name, new)
    if changes:
        rules.save()
        audit.record(
            event=events.RULES_CHANGED,
            **acting_as(actor, campaign.org_path),
            target=rules,
            organisation=campaign.organisation,
            changes=changes,
        )
    return rules
