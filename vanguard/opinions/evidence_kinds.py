"""Two campaign evidence kinds from opinions (issue 18): an opinion count and a snapshot of the five tables.

Both are computed, never typed: the form shows what the records say for the
unit's subtree and asks nothing; what is stored in `evidence.data` is
counted again when the step is recorded.  The period is the step's phase
window for the unit's batch (`within: phase`, the default) or the whole
campaign, its first day to its last (or today while it runs) (`within:
campaign`); opinions of any campaign or none count, by the day they were
received.

    evidence:
      - kind: opinion_count
        minimum: 10            # refuse the step below this many opinions
      - kind: five_tables
        figure: rectified      # refuse the step while this figure is 0
        within: campaign
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.campaigns.evidence import EvidenceKind, register
from vanguard.opinions import tables

WITHIN = ("phase", "campaign")


def period_of(unit, within: str) -> tuple[datetime.date, datetime.date]:
    """The dates the evidence counts: the unit's current phase window, or the campaign's whole span."""
    from vanguard.campaigns.models import Window

    today = timezone.localdate()
    campaign = unit.campaign
    if within == "phase":
        window = Window.objects.filter(batch_id=unit.batch_id, phase_id=unit.phase_id).first()
        if window is not None:
            return window.starts_on, window.ends_on
    return campaign.starts_on, campaign.ends_on or today


def _figures(unit, within: str) -> tuple[datetime.date, datetime.date, tables.FiveTables]:
    start, end = period_of(unit, within)
    return start, end, tables.compute(organisation=unit.organisation, start=start, end=end)


class _ComputedForm(forms.Form):
    """No figure to type: `clean` checks the template's condition on the counts and hands it to `save`."""

    def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
        super().__init__(data, files, prefix=prefix)
        self.unit = unit
        self.options = options
        self.within = options.get("within") or "phase"
        # Shown on the record-a-step page before anything is submitted.
        self.start, self.end, self.figures = _figures(unit, self.within)
        # Nothing to type: ticking attaches the count to an optional piece (a required one is attached anyway).
        self.fields["attach"] = forms.BooleanField(label=self.summary(), required=False, initial=False)

    def summary(self) -> str:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        cleaned["within"] = self.within
        cleaned.update(self.condition())
        problem = refusal(self.figures, cleaned)
        if problem:
            raise ValidationError(problem, code="too_few")
        return cleaned

    def condition(self) -> dict:
        return {}


def refusal(figures: tables.FiveTables, condition: dict) -> str:
    """Why the figures do not meet the template's condition; empty when they do."""
    minimum = condition.get("minimum")
    if minimum is not None and figures.collected.total < minimum:
        return _("%(n)s opinions collected; the step asks for at least %(minimum)s.") % {
            "n": figures.collected.total,
            "minimum": minimum,
        }
    figure = condition.get("figure")
    if figure and not figures.headline()[figure]:
        return _("“%(figure)s” of the five tables is still 0.") % {"figure": figure_label(figure)}
    return ""


def figure_label(key: str) -> str:
    return str(FIGURE_LABELS.get(key, key))


FIGURE_LABELS = {
    "opinions": gettext_lazy("Opinions"),
    "problems": gettext_lazy("Problems"),
    "forwarded": gettext_lazy("Forwarded"),
    "replied": gettext_lazy("Replied"),
    "rectified": gettext_lazy("Rectified"),
    "rated": gettext_lazy("Problems rated"),
    "rated_satisfied": gettext_lazy("Problems rated satisfied"),
}


def _recount(evidence, cleaned_data: dict, unit) -> tables.FiveTables:
    """Count again when saving (the form's figures may be minutes old) and hold the step to the condition."""
    within = cleaned_data.get("within") or "phase"
    start, end, figures = _figures(unit, within)
    problem = refusal(figures, cleaned_data)
    if problem:
        raise ValidationError(problem, code="too_few")
    evidence.data = {"within": within, "start": start.isoformat(), "end": end.isoformat()}
    return figures


# --- opinion_count ---------------------------------------------------------------------------------------------


class OpinionCountForm(_ComputedForm):
    def summary(self) -> str:
        return _("%(n)s opinions collected by %(unit)s from %(start)s to %(end)s.") % {
            "n": self.figures.collected.total,
            "unit": self.unit.organisation.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    def condition(self) -> dict:
        return {"minimum": self.options.get("minimum")}


def save_opinion_count(evidence, cleaned_data: dict, *, unit, actor) -> None:
    figures = _recount(evidence, cleaned_data, unit)
    evidence.data["opinions"] = figures.collected.total
    evidence.data["by_channel"] = {k: v for k, v in figures.collected.by_channel.items() if v}
    if cleaned_data.get("minimum") is not None:
        evidence.data["minimum"] = cleaned_data["minimum"]


def describe_opinion_count(evidence) -> str:
    data = evidence.data or {}
    return _("%(n)s opinions collected (%(start)s – %(end)s)") % {
        "n": data.get("opinions", 0),
        "start": data.get("start", ""),
        "end": data.get("end", ""),
    }


def _check_within(options: dict) -> list[str]:
    within = options.get("within")
    if within is not None and within not in WITHIN:
        return [_("“within” must be one of: %(known)s.") % {"known": ", ".join(WITHIN)}]
    return []


def check_opinion_count(options: dict) -> list[str]:
    problems = _check_within(options)
    minimum = options.get("minimum")
    if minimum is not None and not (isinstance(minimum, int) and not isinstance(minimum, bool) and minimum >= 0):
        problems.append(_("“minimum” must be a whole number of opinions, 0 or more."))
    return problems


# --- five_tables -----------------------------------------------------------------------------------------------


class FiveTablesForm(_ComputedForm):
    def summary(self) -> str:
        head = self.figures.headline()
        return "；".join(f"{figure_label(key)} {head[key]}" for key in tables.HEADLINE_FIGURES)

    def condition(self) -> dict:
        return {"figure": self.options.get("figure")}


def save_five_tables(evidence, cleaned_data: dict, *, unit, actor) -> None:
    figures = _recount(evidence, cleaned_data, unit)
    evidence.data["figures"] = figures.headline()
    if cleaned_data.get("figure"):
        evidence.data["figure"] = cleaned_data["figure"]


def describe_five_tables(evidence) -> str:
    data = evidence.data or {}
    head = data.get("figures", {})
    return " → ".join(f"{figure_label(key)} {head.get(key, 0)}" for key in tables.HEADLINE_FIGURES)


def check_five_tables(options: dict) -> list[str]:
    problems = _check_within(options)
    figure = options.get("figure")
    if figure is not None and figure not in tables.HEADLINE_FIGURES:
        problems.append(
            _("Unknown figure “%(figure)s”; known figures: %(known)s.")
            % {"figure": figure, "known": ", ".join(tables.HEADLINE_FIGURES)}
        )
    return problems


register(
    EvidenceKind(
        key="opinion_count",
        label=gettext_lazy("Opinions collected"),
        form_class=OpinionCountForm,
        save=save_opinion_count,
        describe=describe_opinion_count,
        options=frozenset({"minimum", "within"}),
        check_options=check_opinion_count,
    )
)
register(
    EvidenceKind(
        key="five_tables",
        label=gettext_lazy("The five tables"),
        form_class=FiveTablesForm,
        save=save_five_tables,
        describe=describe_five_tables,
        options=frozenset({"figure", "within"}),
        check_options=check_five_tables,
    )
)
