"""The registry of evidence kinds: what may prove a campaign step, and how each is entered, checked and shown.

Campaigns ships a document upload, a number, a checklist and a meeting
record; later apps (opinions, appraisal, study) register their own kinds in
their `AppConfig.ready()` with `register(EvidenceKind(...))`, and templates
name them by key.  A template's step lists its kinds with options::

    evidence:
      - kind: meeting
        meeting_kind: mobilisation
      - kind: document
        optional: true

`options` declares which keys a template may give (besides `kind` and
`optional`); `check_options` says what is wrong with their values, so a bad
template is refused when it is loaded, not when a secretary records the step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# Keys every kind accepts in a template.
COMMON_OPTIONS = frozenset({"kind", "optional", "label"})


@dataclass(frozen=True)
class EvidenceKind:
    key: str
    label: Any
    # form_class(data, files, *, unit, options, prefix): the fields for one piece of this kind.
    form_class: type[forms.Form]
    # save(evidence, cleaned_data, *, unit, actor): fill `evidence.data` / `.file` / `.object_id` (evidence unsaved).
    save: Callable[..., None]
    # describe(evidence) -> str: one line for lists and the audit trail.
    describe: Callable[[Any], str]
    # The template that shows one piece in full (context: `evidence`).
    template: str = "campaigns/evidence/_generic.html"
    # The template that lays out the form on the record-a-step page (context: `form`).
    form_template: str = "campaigns/evidence/_form.html"
    options: frozenset[str] = field(default_factory=frozenset)
    # check_options(options) -> [problem, ...]: translated messages about the values a template gave.
    check_options: Callable[[dict], list[str]] | None = None


_kinds: dict[str, EvidenceKind] = {}


def register(kind: EvidenceKind) -> None:
    _kinds[kind.key] = kind


def get(key: str) -> EvidenceKind:
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"no evidence kind {key!r}") from None


def keys() -> list[str]:
    return sorted(_kinds)


def option_problems(spec: dict) -> list[tuple[str, str]]:
    """(key, message) for each thing wrong with one evidence entry of a template; empty when it is fine."""
    from django.utils.translation import gettext as _

    key = spec.get("kind")
    if key not in _kinds:
        return [
            (
                "kind",
                _("Unknown evidence kind “%(kind)s”; known kinds: %(known)s.")
                % {"kind": key, "known": ", ".join(keys())},
            )
        ]
    kind = _kinds[key]
    problems = [
        (name, _("Unknown option “%(option)s” for evidence kind “%(kind)s”.") % {"option": name, "kind": key})
        for name in spec
        if name not in COMMON_OPTIONS and name not in kind.options
    ]
    if kind.check_options is not None:
        problems += [("", message) for message in kind.check_options(spec)]
    return problems


# --- kinds computed from the records -------------------------------------------------------------------------------
#
# Most kinds of later apps ask nothing: the form shows what the records say for the unit's subtree in the unit's
# campaign, and `save` counts again when the step is recorded, so a forged or minutes-old figure never reaches
# `evidence.data`. Such a kind is three functions of the app's own:
#
#     facts(unit) -> dict      what the records say now (plain values only: it is stored in evidence.data)
#     refusal(data) -> str     why that does not yet make the evidence; "" when it does
#     describe(data) -> str    one line for the form's tick, lists and the audit trail


def register_computed(
    *,
    key: str,
    label: Any,
    facts: Callable[[Any], dict],
    refusal: Callable[[dict], str],
    describe: Callable[[dict], str],
) -> EvidenceKind:
    class ComputedForm(forms.Form):
        """No figure to type: `clean` checks the records and hands nothing to `save` but the tick."""

        def __init__(self, data=None, files=None, *, unit, options: dict, prefix: str | None = None):
            super().__init__(data, files, prefix=prefix)
            self.unit = unit
            self.options = options
            self.facts = facts(unit)
            self.fields["attach"] = forms.BooleanField(label=describe(self.facts), required=False, initial=False)

        def clean(self):
            cleaned = super().clean()
            problem = refusal(self.facts)
            if problem:
                raise ValidationError(problem, code="not_yet")
            return cleaned

    ComputedForm.__name__ = f"{key.title().replace('_', '')}Form"

    def save(evidence, cleaned_data: dict, *, unit, actor) -> None:
        data = facts(unit)
        problem = refusal(data)
        if problem:
            raise ValidationError(problem, code="not_yet")
        evidence.data = data

    kind = EvidenceKind(
        key=key,
        label=label,
        form_class=ComputedForm,
        save=save,
        describe=lambda evidence: describe(evidence.data or {}),
    )
    register(kind)
    return kind
