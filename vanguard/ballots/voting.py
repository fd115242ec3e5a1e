"""The form of a ballot's questions, for the voting page and the clerks' paper keying: plain HTML, no JavaScript."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from vanguard.ballots import services
from vanguard.ballots.models import Ballot, QuestionKind


class AnswersForm(forms.Form):
    """One field per question, named by the question's key; `answers` holds what `services.check_answers` accepted."""

    def __init__(self, data=None, *, ballot: Ballot, require: bool = True, **kwargs):
        super().__init__(data, **kwargs)
        self.ballot = ballot
        for question in ballot.questions:
            self.fields[question["key"]] = _field(question)
        self.require = require
        self.answers: dict = {}

    def clean(self):
        cleaned = super().clean()
        data = {}
        for question in self.ballot.questions:
            key = question["key"]
            value = self.data.getlist(key) if hasattr(self.data, "getlist") else self.data.get(key)
            if self.add_prefix(key) != key and hasattr(self.data, "getlist"):
                value = self.data.getlist(self.add_prefix(key))
            data[key] = value
        answers, errors = services.check_answers(self.ballot, data)
        for key, message in errors.items():
            self.add_error(key, message)
        if not errors and not answers and self.require:
            raise forms.ValidationError(_("The ballot is blank: answer at least one question."), code="blank")
        self.answers = answers
        return cleaned


def _field(question: dict) -> forms.Field:
    kind = question["kind"]
    label = question.get("label") or ""
    choices = [(option, services.option_label(question, option)) for option in services.options_of(question)]
    # Checking happens in AnswersForm.clean through services.check_answers, so fields stay lenient (required=False).
    if kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
        )
    if kind == QuestionKind.RATING:
        scale = question.get("scale", 5)
        return forms.ChoiceField(
            label=label,
            choices=[(str(n), str(n)) for n in range(1, scale + 1)],
            required=False,
            widget=forms.RadioSelect,
        )
    if kind == QuestionKind.TEXT:
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": services.MAX_TEXT})
        )
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect)
