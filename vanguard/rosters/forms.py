"""Upload and export forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vanguard.rosters.files import ACCEPTED_SUFFIXES

WHAT = [("members", _("Members")), ("organisations", _("Organisations"))]


class UploadForm(forms.Form):
    what = forms.ChoiceField(label=_("The file lists"), choices=WHAT, initial="members", widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_(".xlsx, .xls, .ods or .csv (UTF-8 or GB18030). Title rows above the header are fine."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ACCEPTED_SUFFIXES))}),
    )


class ExportForm(forms.Form):
    what = forms.ChoiceField(choices=WHAT)
