"""Campaign evidence kinds from study (issue 21), computed from the records, never typed
(campaigns.evidence.register_computed):

    evidence:
      - kind: study_sessions   # sessions held and recorded in the unit's subtree, attendance rate (refused while none)
      - kind: study_credits    # members whose credits are complete in the unit's phase, of all (refused while no
                               # member's study is recorded in the phase)
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns.evidence import register_computed
from vanguard.study.selectors import rollup
from vanguard.study.services import current_phase


def sessions_facts(unit) -> dict:
    summary = rollup(unit.organisation, unit.campaign)
    rate = summary.attendance_rate
    return {"sessions": summary.sessions, "attendance_rate": None if rate is None else round(rate * 100, 1)}


def sessions_refusal(data: dict) -> str:
    return "" if data.get("sessions") else _("No study session is recorded in the unit yet.")


def sessions_describe(data: dict) -> str:
    rate = data.get("attendance_rate")
    return _("%(n)s sessions, attendance %(rate)s") % {
        "n": data.get("sessions", 0),
        "rate": "—" if rate is None else f"{rate}%",
    }


def credits_facts(unit) -> dict:
    phase = current_phase(unit.campaign, unit.organisation)
    line = next(line for line in rollup(unit.organisation, unit.campaign).by_phase if line["phase"].pk == phase.pk)
    return {
        "phase": phase.key,
        "members": line["members"],
        "complete": line["complete"],
        "recorded": line["recorded"],
    }


def credits_refusal(data: dict) -> str:
    return "" if data.get("recorded") else _("No member's study is recorded in the unit's phase yet.")


def credits_describe(data: dict) -> str:
    return _("%(complete)s of %(members)s members have their credits for the phase") % {
        "complete": data.get("complete", 0),
        "members": data.get("members", 0),
    }


register_computed(
    key="study_sessions",
    label=gettext_lazy("Study sessions"),
    facts=sessions_facts,
    refusal=sessions_refusal,
    describe=sessions_describe,
)
register_computed(
    key="study_credits",
    label=gettext_lazy("Study credits"),
    facts=credits_facts,
    refusal=credits_refusal,
    describe=credits_describe,
)
