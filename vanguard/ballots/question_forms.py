"""Forms of the question builder: one question at a time, and the ballot to copy questions from.

The forms only shape what was typed into a question dict; whether the list of
questions can be asked is services.check_questions' to say (through
update_questions), so the builder shows the same messages as every other caller.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from vanguard.ballots.models import Ballot, QuestionKind, Subject

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
SUBJECT_KINDS = (QuestionKind.SATISFACTION, QuestionKind.GRADE)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    label = forms.CharField(label=_("Question"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    options = forms.CharField(
        label=_("Options, one per line (single and multiple choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    scale = forms.IntegerField(label=_("Scale of a rating (2 to 10)"), required=False, initial=5)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    subject = forms.ChoiceField(
        label=_("What it rates (satisfaction and grade questions)"),
        choices=[("", "—"), *Subject.choices],
        required=False,
    )
    subject_id = forms.IntegerField(label=_("Number of the rated record"), required=False, min_value=1)

    @classmethod
    def initial_of(cls, question: dict) -> dict:
        return {
            "kind": question.get("kind"),
            "label": question.get("label", ""),
            "options": "\n".join(str(o) for o in question.get("options") or []),
            "scale": question.get("scale", 5),
            "required": bool(question.get("required")),
            "subject": question.get("subject", ""),
            "subject_id": question.get("subject_id"),
        }

    def question(self, key: str) -> dict:
        """The question as stored, under `key`; fields that do not belong to its kind are left out."""
        data = self.cleaned_data
        kind = data["kind"]
        question: dict = {"key": key, "kind": kind, "label": data["label"].strip(), "required": data["required"]}
        if kind in CHOICE_KINDS:
            question["options"] = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        if kind == QuestionKind.RATING:
            question["scale"] = data["scale"] if data.get("scale") is not None else 5
        if kind in SUBJECT_KINDS and data.get("subject"):
            question["subject"] = data["subject"]
            if data.get("subject_id"):
                question["subject_id"] = data["subject_id"]
        return question


class CopyForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Copy the questions of"), queryset=Ballot.objects.none())
    replace = forms.BooleanField(
        label=_("Replace the questions already here (otherwise they are added after them)"), required=False
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources
        self.fields["source"].label_from_instance = lambda ballot: " · ".join(
            [
                ballot.title,
                str(ballot.organisation),
                f"{ballot.opens_on:%Y-%m-%d}",
                *([str(ballot.campaign)] if ballot.campaign_id else []),
                ngettext("%(count)d question", "%(count)d questions", len(ballot.questions))
                % {"count": len(ballot.questions)},
            ]
        )
