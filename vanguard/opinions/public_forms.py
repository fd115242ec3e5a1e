"""Forms of the public opinion pages: an opinion, a receipt look-up, a rating of the effect."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vanguard.opinions import services
from vanguard.opinions.models import Direction, SourceGroup, Verdict


class OpinionForm(forms.Form):
    # Not stripped: the opinion is kept exactly as given (the service refuses an empty one).
    text = forms.CharField(
        label=_("Your opinion"),
        max_length=services.MAX_TEXT,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    direction = forms.ChoiceField(label=_("Whom it is about"), choices=Direction.choices, widget=forms.RadioSelect)
    source_group = forms.ChoiceField(
        label=_("Who you are"), choices=SourceGroup.choices, initial=SourceGroup.PUBLIC, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name (optional)"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Leave a phone or e-mail to be told of the reply; staff of this unit alone see them."),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)

    def __init__(self, *args, direction: str = Direction.PUBLIC_OFFICIAL, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].initial = direction
        # Worded per request, in the reader's language (a lazy string with % would be worded once, at import).
        self.fields["text"].help_text = gettext("At most %(limit)d characters.") % {"limit": services.MAX_TEXT}

    def to_input(self) -> services.OpinionInput:
        data = self.cleaned_data
        return services.OpinionInput(
            text=data["text"],
            direction=data["direction"],
            source_group=data["source_group"],
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
        )


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class RatingForm(forms.Form):
    code = forms.CharField(max_length=32, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(
        label=_("How well was it put right?"), choices=Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=services.MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
