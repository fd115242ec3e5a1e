"""Forms of the self-analysis pages (党性分析材料): writing, publishing, commenting, help, the rating ballot."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vanguard.appraisals import analysis
from vanguard.appraisals.models import Audience
from vanguard.ballots.models import Constituency
from vanguard.core.forms import DateInput
from vanguard.members.models import Member


class VersionForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=analysis.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    file = forms.FileField(
        label=_("Or upload the written one"),
        required=False,
        help_text=_("PDF, Word, a photo or a text file."),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Write the text or upload a file."), code="empty")
        return data


class CampaignVersionForm(VersionForm):
    """A version for a campaign chosen among the running ones of the member's branch (their first version)."""

    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, empty_label=None)

    field_order = ["campaign", "text", "file"]

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = analysis.branch_campaigns(organisation)


class PublishForm(forms.Form):
    audience = forms.ChoiceField(label=_("Published to"), choices=Audience.choices)
    published_from = forms.DateField(label=_("From"), widget=DateInput())
    published_until = forms.DateField(label=_("Until"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {"audience": Audience.BRANCH, "published_from": today, "published_until": today + datetime.timedelta(6)},
        )
        super().__init__(*args, **kwargs)


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), max_length=analysis.MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 4})
    )


class PublicCommentForm(CommentForm):
    name = forms.CharField(label=_("Your name (optional)"), max_length=100, required=False)


class HelperForm(forms.Form):
    helper = forms.ModelChoiceField(label=_("Helper"), queryset=None, required=False)

    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helper"].queryset = Member.objects.filter(organisation_id=analysis.organisation_id).exclude(
            pk=analysis.member_id
        )


class RatingBallotForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, empty_label=None)
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput())
    constituencies = forms.MultipleChoiceField(
        label=_("Who rates"),
        choices=Constituency.choices,
        initial=[Constituency.MEMBERS],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisation, **kwargs):
        today = timezone.localdate()
        kwargs["initial"] = {"opens_on": today, "closes_on": today + datetime.timedelta(6), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = analysis.branch_campaigns(organisation)
