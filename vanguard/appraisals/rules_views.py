"""The campaign's appraisal settings page (/appraisals/campaigns/<pk>/rules/): read by the campaign's people,
changed by its campaign office."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.appraisals import campaign_rules, events
from vanguard.appraisals.models import Rules
from vanguard.campaigns import selectors as campaign_selectors
from vanguard.campaigns.models import Campaign
from vanguard.core import audit
from vanguard.core.views import apply_service, get_scoped, scoped_view


class RulesForm(forms.ModelForm):
    """Types the fields; what values may be saved is the service's rule (campaign_rules.check_rules)."""

    class Meta:
        model = Rules
        fields = list(campaign_rules.FIELDS)
        widgets = {
            name: forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"})
            for name in (*campaign_rules.SHARES, *campaign_rules.WEIGHTS)
        } | {"threshold": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"})}

    def _post_clean(self):
        # The model's own validation is left to the service, which also checks the weights together.
        pass


GROUPS = (
    (
        gettext_lazy("Satisfaction ballots and self-analyses"),
        gettext_lazy(
            "The satisfaction rate is (satisfied + basically satisfied) ÷ valid ballots × 100, or satisfied alone when "
            "“basically satisfied” is not counted. The threshold is a percentage (0–100)."
        ),
        ("threshold", "count_basically", "rewrite_below_threshold"),
    ),
    (
        gettext_lazy("Peer appraisal and look-back"),
        gettext_lazy("Shares are fractions from 0 to 1: 0.5 means “more than half”."),
        ("unqualified_share", "remedial_share"),
    ),
    (
        gettext_lazy("Weak-organisation screening"),
        gettext_lazy("The three weights add up to 1; the bottom share is a fraction from 0 to 1."),
        ("weight_members", "weight_public", "weight_upper", "bottom_share"),
    ),
)


@scoped_view(Campaign)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_scoped(request, campaign_selectors.campaigns_for(request.user), pk)
    is_office = can_at_path(request.user, Action.RUN_CAMPAIGNS, campaign.org_path)
    rules = campaign_rules.rules_for(campaign)
    if request.method == "POST":
        if not is_office:
            raise Http404
        form = RulesForm(request.POST, instance=Rules(campaign=campaign))
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in campaign_rules.FIELDS}
            saved = apply_service(
                form, lambda: campaign_rules.update_rules(campaign=campaign, actor=request.user, values=values)
            )
            if saved is not None:
                messages.success(request, _("Appraisal settings saved."))
                return redirect("appraisals:rules", pk=campaign.pk)
    else:
        form = RulesForm(instance=rules)
    if not is_office:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "campaign": campaign,
        "groups": [(legend, help_text, [form[name] for name in names]) for legend, help_text, names in GROUPS],
        "form": form,
        "is_office": is_office,
        "saved": rules.pk is not None,
        "history": audit.history(rules).filter(event=events.RULES_CHANGED)[:20] if rules.pk else [],
    }
    return render(request, "appraisals/rules/edit.html", context)


urlpatterns = [
    path("campaigns/<id:pk>/rules/", edit, name="rules"),
]
