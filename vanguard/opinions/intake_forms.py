"""Forms of the staff intake pages: the list's filters, one opinion, many at once, a questionnaire file."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vanguard.campaigns.models import Campaign
from vanguard.core.forms import DateInput
from vanguard.opinions.models import Channel, Direction, SourceGroup
from vanguard.orgs.models import Organisation

# A city's secretary sees thousands of organisations: past this many the unit is typed (code or name), not chosen.
MAX_CHOICES = 200
OFFLINE_CHANNELS = [(value, label) for value, label in Channel.choices]
UPLOAD_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
MAX_UPLOAD = 20 * 1024 * 1024
# Typed or pasted into one box: a forum's minutes, not a year's archive (that is a file to import).
MAX_LINES = 1000


class OrganisationField(forms.Field):
    """An organisation of `queryset`, chosen from a list when the scope is small, else typed as its code or name."""

    def __init__(self, *, queryset: QuerySet[Organisation] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Organisation.objects.none()

    def set_queryset(self, queryset: QuerySet[Organisation]) -> None:
        self.queryset = queryset
        few = list(queryset.only("pk", "name")[: MAX_CHOICES + 1])
        if len(few) <= MAX_CHOICES:
            blank = [] if self.required else [("", "—")]
            self.widget = forms.Select(choices=[*blank, *((str(o.pk), o.name) for o in few)])
        else:
            self.widget = forms.TextInput(attrs={"placeholder": _("Code or name")})
            self.help_text = _("Write the unit's official code or its exact name.")
        self.widget.is_required = self.required

    def prepare_value(self, value):
        return value.pk if isinstance(value, Organisation) else value

    def to_python(self, value) -> Organisation | None:
        value = (str(value) if value is not None else "").strip()
        if not value:
            return None
        matches: list[Organisation] = []
        if value.isdigit():
            matches = list(self.queryset.filter(pk=int(value))[:1])
        matches = matches or list(self.queryset.filter(code=value)[:2]) or list(self.queryset.filter(name=value)[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise forms.ValidationError(_("Several units have this name; write its code."), code="ambiguous")
        raise forms.ValidationError(_("Choose a unit within your scope."), code="invalid_choice")


class CampaignChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def _blank(choices) -> list:
    return [("", "—"), *choices]


class FilterForm(forms.Form):
    organisation = OrganisationField(label=_("Unit"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(Channel.choices), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=_blank(Direction.choices), required=False)
    source_group = forms.ChoiceField(label=_("Source group"), choices=_blank(SourceGroup.choices), required=False)
    date_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())
    grouped = forms.ChoiceField(
        label=_("Grouped"),
        choices=[("", "—"), ("yes", _("In a problem")), ("no", _("Not grouped yet"))],
        required=False,
    )
    q = forms.CharField(label=_("Text contains"), max_length=100, required=False)

    def __init__(self, *args, organisations: QuerySet[Organisation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].set_queryset(organisations)

    def filters(self) -> dict:
        """The selector's keyword arguments (an invalid filter is left out, not an error page)."""
        data = self.cleaned_data if self.is_valid() else {}
        grouped = {"yes": True, "no": False}.get(data.get("grouped") or "")
        return {
            "organisation": data.get("organisation"),
            "channel": data.get("channel") or "",
            "direction": data.get("direction") or "",
            "source_group": data.get("source_group") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "grouped": grouped,
            "search": data.get("q") or "",
        }


class _Common(forms.Form):
    """What every opinion entered by staff carries: where, how, from whom, when."""

    organisation = OrganisationField(label=_("Unit"))
    channel = forms.ChoiceField(label=_("Channel"), choices=OFFLINE_CHANNELS, initial=Channel.FORUM)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.PUBLIC_OFFICIAL)
    source_group = forms.ChoiceField(label=_("Source group"), choices=SourceGroup.choices, initial=SourceGroup.PUBLIC)
    received_on = forms.DateField(label=_("Date received"), widget=DateInput())
    campaign = CampaignChoice(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)

    def __init__(self, *args, organisations: QuerySet[Organisation], campaigns: QuerySet[Campaign], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].set_queryset(organisations)
        self.fields["campaign"].queryset = campaigns


class OpinionForm(_Common):
    text = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 6}))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)

    field_order = ["organisation", "channel", "direction", "source_group", "received_on", "text", "name", "phone"]


class BulkForm(_Common):
    lines = forms.CharField(
        label=_("Opinions"),
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("One opinion per line; blank lines are skipped."),
    )

    def clean_lines(self) -> str:
        lines = self.cleaned_data["lines"]
        count = sum(1 for line in lines.splitlines() if line.strip())
        if count > MAX_LINES:
            raise forms.ValidationError(
                _("At most %(limit)d opinions at once; this has %(count)d. Import a questionnaire file instead.")
                % {"limit": MAX_LINES, "count": count},
                code="too_many",
            )
        return lines

    def opinion_lines(self) -> list[tuple[int, str]]:
        """(line number in the box, text) of every non-blank line."""
        return [
            (number, line.strip())
            for number, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1)
            if line.strip()
        ]


class ImportForm(_Common):
    file = forms.FileField(
        label=_("Questionnaire file"), help_text=_("An .xlsx, .xls, .ods or .csv file with a header row.")
    )
    received_on = forms.DateField(
        label=_("Date received"),
        required=False,
        widget=DateInput(),
        help_text=_("For rows whose date is blank."),
    )

    field_order = ["file", "organisation", "channel", "direction", "source_group", "received_on", "campaign"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].initial = Channel.QUESTIONNAIRE
        for name in ("organisation", "channel", "direction", "source_group"):
            self.fields[name].help_text = self.fields[name].help_text or _("For rows that do not say.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("Upload an .xlsx, .xls, .ods or .csv file."), code="suffix")
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 20 MB."), code="size")
        return upload
