"""Evidence kind "commitments_published": the share of the unit's members with a published commitment, counted.

evidence:
  - kind: commitments_published   # refused while no member of the unit has published one
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns.evidence import register_computed
from vanguard.commitments import figures


def facts(unit) -> dict:
    return figures.published_share(unit.organisation, unit.campaign)


def refusal(data: dict) -> str:
    if not data.get("published"):
        return _("No member of the unit has a published commitment yet.")
    return ""


def describe(data: dict) -> str:
    share = data.get("share")
    return _("%(published)s of %(members)s members published a commitment (%(share)s)") % {
        "published": data.get("published", 0),
        "members": data.get("members", 0),
        "share": "—" if share is None else f"{share:.1f}%",
    }


register_computed(
    key="commitments_published",
    label=gettext_lazy("Commitments published"),
    facts=facts,
    refusal=refusal,
    describe=describe,
)
