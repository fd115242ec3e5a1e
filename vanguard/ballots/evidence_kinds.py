"""The `ballot` evidence kind: a closed ballot's result proves a step (满意度测评, 民主评议, 问卷调查, 回头看).

The unit picks one of the closed ballots held within its subtree in the
campaign (of the kind the template names); what is stored is counted from
the ballot when the step is recorded — ballots cast, the overall
satisfaction rate with its interval where there is one — never typed.

    evidence:
      - kind: ballot
        ballot_kind: satisfaction   # satisfaction | peer_appraisal | questionnaire | lookback
        minimum_cast: 10            # refuse the step with fewer ballots cast
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.ballots import results as ballot_results
from vanguard.ballots.models import Ballot, Kind, QuestionKind, Status
from vanguard.campaigns.evidence import EvidenceKind, register
from vanguard.core import tree


class BallotChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Ballot) -> str:
        return f"{obj.title} · {obj.get_kind_display()} · {obj.closed_on}"


class BallotEvidenceForm(forms.Form):
    def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
        super().__init__(data, files, prefix=prefix)
        self.unit = unit
        self.options = options
        closed = Ballot.objects.filter(
            tree.subtree_q("org_path", unit.organisation.path), campaign_id=unit.campaign_id, status=Status.CLOSED
        )
        if options.get("ballot_kind"):
            closed = closed.filter(kind=options["ballot_kind"])
        self.fields["ballot"] = BallotChoice(
            label=gettext_lazy("A closed ballot of this unit"),
            queryset=closed.order_by("-closed_on", "-pk"),
            required=not options.get("optional"),
            help_text=gettext_lazy("Only closed ballots held within the unit in this campaign are listed."),
        )

    def clean(self):
        cleaned = super().clean()
        ballot = cleaned.get("ballot")
        minimum = self.options.get("minimum_cast")
        if ballot is not None and minimum is not None:
            cast = ballot_results.cast_count(ballot)
            if cast < minimum:
                raise ValidationError(
                    _("%(cast)s ballots were cast; the step asks for at least %(minimum)s.")
                    % {"cast": cast, "minimum": minimum},
                    code="too_few",
                )
        return cleaned


def figures_of(ballot: Ballot) -> dict:
    """What the evidence keeps of a closed ballot: turnout and, for satisfaction questions, the overall rate."""
    found = ballot_results.compute(ballot)
    total = found.turnout[(ballot_results.ALL, ballot_results.ALL)]
    data = {"ballot": ballot.pk, "title": ballot.title, "kind": ballot.kind, "cast": total.cast, "issued": total.issued}
    hits = valid = 0
    for question in found.questions:
        if question.question["kind"] == QuestionKind.SATISFACTION:
            rate = question.satisfaction()
            hits, valid = hits + rate.hits, valid + rate.total
    if valid:
        data.update({"satisfied": hits, "valid": valid, "rate": round(100 * hits / valid, 2)})
    return data


def save_ballot(evidence, cleaned_data: dict, *, unit, actor) -> None:
    ballot = cleaned_data.get("ballot")
    if ballot is None:
        return
    if ballot.status != Status.CLOSED or not tree.is_within(ballot.org_path, unit.organisation.path):
        raise ValidationError(_("That ballot is not a closed ballot of this unit."), code="ballot_elsewhere")
    evidence.object_id = ballot.pk
    evidence.data = figures_of(ballot)


def describe_ballot(evidence) -> str:
    data = evidence.data or {}
    text = _("%(title)s: %(cast)s ballots cast") % {"title": data.get("title", ""), "cast": data.get("cast", 0)}
    if "rate" in data:
        text += _(", satisfaction rate %(rate)s%%") % {"rate": data["rate"]}
    return text


def check_ballot(options: dict) -> list[str]:
    problems = []
    kind = options.get("ballot_kind")
    if kind is not None and kind not in Kind.values:
        problems.append(_("“ballot_kind” must be one of: %(known)s.") % {"known": ", ".join(Kind.values)})
    minimum = options.get("minimum_cast")
    if minimum is not None and not (isinstance(minimum, int) and not isinstance(minimum, bool) and minimum >= 0):
        problems.append(_("“minimum_cast” must be a whole number of ballots, 0 or more."))
    return problems


register(
    EvidenceKind(
        key="ballot",
        label=gettext_lazy("Ballot result"),
        form_class=BallotEvidenceForm,
        save=save_ballot,
        describe=describe_ballot,
        options=frozenset({"ballot_kind", "minimum_cast"}),
        check_options=check_ballot,
    )
)
