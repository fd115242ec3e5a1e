"""Four campaign evidence kinds from rectification (issue 20), computed from the records, never typed.

Registered with campaigns.evidence.register_computed: the form shows what the
records say for the unit's subtree in the unit's campaign and asks nothing;
`save` counts again when the step is recorded, so a forged figure never
reaches `evidence.data`.

    evidence:
      - kind: rectification_plan     # the unit's own plan of the campaign, published
      - kind: rectification_items    # its items: how many, closed, overdue, on time (refused while none)
      - kind: institutions           # rules in force in its subtree, by kind (refused while none)
      - kind: cases                  # cases of unqualified members: counts only, never names (0 is an answer)
        optional: true
"""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns.evidence import register_computed
from vanguard.core import tree
from vanguard.rectification import figures
from vanguard.rectification.models import OPEN_STAGES, Case, InstitutionKind, PlanStatus, RectificationPlan


def plan_of(unit) -> RectificationPlan | None:
    return RectificationPlan.objects.filter(
        campaign_id=unit.campaign_id, organisation_id=unit.organisation_id, member__isnull=True
    ).first()


def facts(key: str, unit) -> dict:
    """What the records say now, as stored in `evidence.data` (plain values only)."""
    organisation = unit.organisation
    today = timezone.localdate()
    if key == "rectification_plan":
        plan = plan_of(unit)
        if plan is None:
            return {"plan": None}
        return {
            "plan": plan.pk,
            "title": plan.title,
            "published": plan.status == PlanStatus.PUBLISHED,
            "items": plan.items.count(),
        }
    if key == "rectification_items":
        items = figures.compute(organisation=organisation, campaign=unit.campaign, user=None, today=today).items
        return {
            "items": items.total,
            "closed": items.closed,
            "overdue": items.overdue,
            "on_time_rate": items.on_time_rate,
        }
    if key == "institutions":
        return {"in_force": figures.in_force_by_kind(organisation, today)}
    stages = dict(
        Case.objects.filter(tree.subtree_q("org_path", organisation.path))
        .values_list("stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    open_stages = {s.value for s in OPEN_STAGES}
    return {
        "open": sum(n for stage, n in stages.items() if stage in open_stages),
        "closed": sum(n for stage, n in stages.items() if stage not in open_stages),
        "by_stage": stages,
    }


def refusal(key: str, data: dict) -> str:
    """Why the records do not yet make this piece of evidence; empty when they do."""
    if key == "rectification_plan":
        if data.get("plan") is None:
            return _("The unit has no rectification plan in this campaign yet.")
        if not data.get("published"):
            return _("The unit's rectification plan is not published yet.")
    if key == "rectification_items" and not data.get("items"):
        return _("No rectification items are recorded for the unit yet.")
    if key == "institutions" and not sum(data.get("in_force", {}).values()):
        return _("No rule is in force in the unit yet.")
    return ""


def describe_facts(key: str, data: dict) -> str:
    if key == "rectification_plan":
        if data.get("plan") is None:
            return _("No rectification plan")
        return _("Plan “%(title)s” with %(n)s items") % {"title": data.get("title", ""), "n": data.get("items", 0)}
    if key == "rectification_items":
        rate = data.get("on_time_rate")
        return _("%(items)s items, %(closed)s closed, %(overdue)s overdue, on time %(rate)s") % {
            "items": data.get("items", 0),
            "closed": data.get("closed", 0),
            "overdue": data.get("overdue", 0),
            "rate": "—" if rate is None else f"{rate:.1f}%",
        }
    if key == "institutions":
        labels = dict(InstitutionKind.choices)
        counts = data.get("in_force", {})
        return "；".join(f"{labels.get(kind, kind)} {n}" for kind, n in counts.items())
    return _("%(open)s cases open, %(closed)s closed") % {"open": data.get("open", 0), "closed": data.get("closed", 0)}


LABELS = {
    "rectification_plan": gettext_lazy("Rectification plan"),
    "rectification_items": gettext_lazy("Rectification items"),
    "institutions": gettext_lazy("Rules in force"),
    "cases": gettext_lazy("Cases of unqualified members"),
}

for _key, _label in LABELS.items():
    register_computed(
        key=_key,
        label=_label,
        facts=lambda unit, key=_key: facts(key, unit),
        refusal=lambda data, key=_key: refusal(key, data),
        describe=lambda data, key=_key: describe_facts(key, data),
    )
