"""Campaign template pages: the list, a template's phases, steps and batches, copying, and editing a copy's YAML.

Templates are shared definitions, not organisation data, so they are not
scoped by subtree.  They are read and changed by the people who start
campaigns: campaign offices (Action.RUN_CAMPAIGNS, i.e. the ADMIN role,
anywhere) and superusers.  Everyone else gets a 404, as for any object out
of reach: secretaries see a running campaign's phases and steps on the
campaign's own pages.  Only copies are edited here; the shipped templates
change through their files and `load_campaign_template`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vanguard.accounts.scoping import Action, scope_roots
from vanguard.campaigns import blueprints
from vanguard.campaigns.models import Acceptance, CampaignTemplate, Responsible
from vanguard.core.views import scoped_view


def may_manage_templates(user) -> bool:
    roots = scope_roots(user, Action.RUN_CAMPAIGNS)
    return roots is None or bool(roots)


def _template_or_404(request: HttpRequest, pk: int) -> CampaignTemplate:
    if not may_manage_templates(request.user):
        raise Http404
    return get_object_or_404(CampaignTemplate.objects.select_related("copied_from"), pk=pk)


class SourceForm(forms.Form):
    source = forms.CharField(
        label=gettext_lazy("Template (YAML)"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        strip=False,
    )


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    if not may_manage_templates(request.user):
        raise Http404
    templates = CampaignTemplate.objects.select_related("copied_from").order_by("name", "key")
    return render(request, "campaigns/templates/list.html", {"templates": templates})


def _readable(definition: dict) -> dict:
    """The definition with labels for its codes, and each batch's days as dates would count them (day 1 = start)."""
    by = dict(Responsible.choices)
    acceptance = dict(Acceptance.choices)
    names = {p["key"]: p["name"] for p in definition.get("phases", [])}
    phases = [
        {
            **phase,
            "acceptance_label": acceptance.get(phase.get("acceptance"), phase.get("acceptance")),
            "steps": [{**step, "by_label": by.get(step.get("by"), step.get("by"))} for step in phase.get("steps", [])],
        }
        for phase in definition.get("phases", [])
    ]
    batches = [
        {
            **batch,
            "schedule": [
                {
                    **entry,
                    "name": names.get(entry["phase"], entry["phase"]),
                    "first_day": batch["starts_after_days"] + entry["start_day"] + 1,
                    "last_day": batch["starts_after_days"] + entry["start_day"] + entry["days"],
                }
                for entry in batch.get("schedule", [])
            ],
        }
        for batch in definition.get("batches", [])
    ]
    return {"phases": phases, "batches": batches}


@scoped_view(CampaignTemplate)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_or_404(request, pk)
    return render(
        request,
        "campaigns/templates/detail.html",
        {
            "template": template,
            "readable": _readable(template.definition),
            "editable": blueprints.is_editable(template),
            "copies": template.copies.order_by("key"),
        },
    )


@scoped_view(CampaignTemplate)
@require_POST
def template_copy(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_or_404(request, pk)
    copy = blueprints.copy_template(template=template, actor=request.user)
    messages.success(request, _("Copied as “%(key)s”: edit the copy, then use it for campaigns.") % {"key": copy.key})
    return redirect("campaigns:template_edit", pk=copy.pk)


@scoped_view(CampaignTemplate)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = _template_or_404(request, pk)
    if not blueprints.is_editable(template):
        raise Http404
    form = SourceForm(request.POST or None, initial={"source": template.source})
    problems: list[blueprints.Problem] = []
    if request.method == "POST" and form.is_valid():
        try:
            changed = blueprints.edit_template(template=template, text=form.cleaned_data["source"], actor=request.user)
        except blueprints.TemplateInvalid as exc:
            problems = exc.problems
        else:
            if changed:
                messages.success(request, _("The template is saved."))
            else:
                messages.info(request, _("Nothing changed in the template's definition."))
            return redirect("campaigns:template", pk=template.pk)
    failed = bool(problems or form.errors)
    return render(
        request,
        "campaigns/templates/edit.html",
        {"template": template, "form": form, "problems": problems},
        status=400 if failed else 200,
    )


urlpatterns = [
    path("templates/", template_list, name="templates"),
    path("templates/<id:pk>/", template_detail, name="template"),
    path("templates/<id:pk>/copy/", template_copy, name="template_copy"),
    path("templates/<id:pk>/edit/", template_edit, name="template_edit"),
]
