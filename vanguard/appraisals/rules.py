"""What fires on ballot results (DOMAIN §2, §4; issue 19 point 7): the campaign's rules, applied when a ballot closes.

`ballots` sends `ballot_closed` inside the closing transaction; the receiver
runs every function of `ON_CLOSE` in order, each a small rule that looks at the
ballot and does nothing when it is not its kind (so a failing rule rolls the
close back rather than leaving results half applied).  Add a rule by
appending a function `rule(*, ballot, actor) -> None` to the list.

The ballot's threshold and counting rule come from the campaign's `Rules`
when it is created (`campaign_thresholds`, registered with ballots below).
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import receiver

from vanguard.appraisals.models import Rules
from vanguard.ballots import services as ballot_services
from vanguard.ballots.models import Ballot


def campaign_thresholds(campaign) -> dict:
    """{"threshold", "count_basically"} of the campaign's appraisal rules; the defaults (70, True) when it has none."""
    rules = Rules.objects.filter(campaign=campaign).first() or Rules()
    return {"threshold": rules.threshold, "count_basically": rules.count_basically}


ballot_services.register_rules_lookup(campaign_thresholds)


def self_analyses_rated(*, ballot: Ballot, actor) -> None:
    """Satisfaction with self-analyses: each version gets its rate; below the threshold → rewrite (analysis.py)."""
    from vanguard.appraisals import analysis

    analysis.apply_ratings(ballot=ballot, actor=actor)


def peer_appraisal_recorded(*, ballot: Ballot, actor) -> None:
    """民主评议: each member's counts and result; 不合格 results to the casework handlers (peer.py, hooks.py)."""
    from vanguard.appraisals import peer

    peer.on_close(ballot=ballot, actor=actor)


def lookback_remedial_ordered(*, ballot: Ballot, actor) -> None:
    """回头看: a unit most of whose raters are dissatisfied is ordered remedial work (lookback.py)."""
    from vanguard.appraisals import lookback

    lookback.on_close(ballot=ballot, actor=actor)


ON_CLOSE: list[Callable[..., None]] = [
    self_analyses_rated,
    peer_appraisal_recorded,
    lookback_remedial_ordered,
]


@receiver(ballot_services.ballot_closed, sender=Ballot, dispatch_uid="vanguard.appraisals.rules.on_ballot_closed")
def on_ballot_closed(sender, *, ballot: Ballot, actor, **kwargs) -> None:
    for rule in ON_CLOSE:
        rule(ballot=ballot, actor=actor)
