"""Campaign evidence kinds from typical examples, lecture groups and training (issue 21), computed from the
records, never typed (campaigns.evidence.register_computed):

    evidence:
      - kind: key_staff_training  # key-staff classes held in the unit's subtree, places trained (none: refused)
      - kind: typical_examples    # typical examples selected in the unit's subtree, talks given there (none: refused)
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns.evidence import register_computed
from vanguard.exemplars import figures
from vanguard.exemplars.models import ClassKind


def training_facts(unit) -> dict:
    line = figures.compute(organisation=unit.organisation, user=None).training[ClassKind.KEY_STAFF]
    return {"classes": line.classes, "trained": line.trained, "completed": line.completed}


def training_refusal(data: dict) -> str:
    return "" if data.get("classes") else _("No key-staff training class is recorded in the unit yet.")


def training_describe(data: dict) -> str:
    return _("%(classes)s key-staff classes, %(trained)s trained, %(completed)s completed") % {
        "classes": data.get("classes", 0),
        "trained": data.get("trained", 0),
        "completed": data.get("completed", 0),
    }


def examples_facts(unit) -> dict:
    f = figures.compute(organisation=unit.organisation, user=None)
    return {
        "examples": f.example_total,
        "publicised": f.publicised,
        "talks": f.talk_total,
        "audience": f.audience_total,
    }


def examples_refusal(data: dict) -> str:
    return "" if data.get("examples") else _("No typical example is selected in the unit yet.")


def examples_describe(data: dict) -> str:
    return _("%(examples)s typical examples (%(publicised)s publicised), %(talks)s talks to %(audience)s people") % {
        "examples": data.get("examples", 0),
        "publicised": data.get("publicised", 0),
        "talks": data.get("talks", 0),
        "audience": data.get("audience", 0),
    }


register_computed(
    key="key_staff_training",
    label=gettext_lazy("Key-staff training"),
    facts=training_facts,
    refusal=training_refusal,
    describe=training_describe,
)
register_computed(
    key="typical_examples",
    label=gettext_lazy("Typical examples and talks"),
    facts=examples_facts,
    refusal=examples_refusal,
    describe=examples_describe,
)
