"""Pages of supervision (DOMAIN §7): the groups, a group's people, units and visits, and their forms."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import restrict
from vanguard.campaigns import supervision
from vanguard.campaigns.models import Campaign, CampaignStatus, GroupKind, Rating, SupervisionGroup, Unit
from vanguard.core.forms import DateInput
from vanguard.core.views import apply_service, get_scoped, scoped_view


class GroupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=GroupKind.choices, initial=GroupKind.SUPERVISION)


class PersonForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    is_leader = forms.BooleanField(label=gettext_lazy("Group leader"), required=False)

    def clean_username(self):
        user = supervision.find_user(self.cleaned_data["username"])
        if user is None:
            raise ValidationError(_("No account has this user name."))
        self.cleaned_data["user"] = user
        return user.username


class UnitLabel(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.organisation.name}{' · ' + _('pilot') if unit.is_pilot else ''}"


class AssignForm(forms.Form):
    units = UnitLabel(
        label=gettext_lazy("Units"), queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    codes = forms.CharField(
        label=gettext_lazy("Other units by official code"),
        help_text=gettext_lazy("One code a line, for units further down."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, group: SupervisionGroup, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["units"].queryset = supervision.assignable_units(group)

    def clean(self):
        data = super().clean()
        found, missing = supervision.units_by_codes(self.group, (data.get("codes") or "").splitlines())
        if missing:
            self.add_error("codes", _("No unit of this campaign under the office has the code %(codes)s.")
                           % {"codes": "、".join(missing)})  # fmt: skip
        data["all_units"] = [*(data.get("units") or []), *found]
        if not data["all_units"] and not self.errors:
            raise ValidationError(_("Pick at least one unit."))
        return data


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return unit.organisation.name


class VisitForm(forms.Form):
    unit = UnitChoice(label=gettext_lazy("Unit"), queryset=Unit.objects.none())
    visited_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    talks = forms.IntegerField(label=gettext_lazy("People talked to"), min_value=0, initial=0)
    findings = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 4}))
    advice = forms.CharField(label=gettext_lazy("Advice"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rating = forms.ChoiceField(label=gettext_lazy("Rating"), choices=[("", "—"), *Rating.choices], required=False)

    def __init__(self, *args, group: SupervisionGroup, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = group.units.select_related("organisation").order_by("org_path")
        self.fields["visited_on"].initial = timezone.localdate()


def _group(request: HttpRequest, pk: int) -> SupervisionGroup:
    return get_object_or_404(supervision.visible_groups(request.user), pk=pk)


def _form_page(request: HttpRequest, form, *, title: str, group=None, campaign=None) -> HttpResponse:
    return render(
        request, "campaigns/supervision/form.html", {"form": form, "title": title, "group": group, "campaign": campaign}
    )


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = supervision.visible_groups(request.user).order_by("-campaign__starts_on", "campaign", "name")[:200]
    campaigns = restrict(Campaign.objects.exclude(status=CampaignStatus.CLOSED), request.user).select_related(
        "organisation"
    )[:50]
    roots = supervision.admin_paths(request.user)
    sendable = [
        c
        for c in campaigns
        if request.user.is_superuser or any(c.org_path.startswith(r) or r.startswith(c.org_path) for r in roots)
    ]
    mine = set(supervision.groups_of(request.user).values_list("pk", flat=True))
    return render(request, "campaigns/supervision/list.html", {"groups": groups, "campaigns": sendable, "mine": mine})


@scoped_view(Campaign)
def group_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_scoped(request, Campaign, pk)
    if supervision.office_organisation(request.user, campaign) is None:
        raise Http404
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = apply_service(
            form, lambda: supervision.create_group(campaign=campaign, actor=request.user, **form.cleaned_data)
        )
        if group is not None:
            messages.success(request, _("Group created."))
            return redirect("campaigns:supervision_group", pk=group.pk)
    return _form_page(request, form, title=_("New supervision group"), campaign=campaign)


@scoped_view(SupervisionGroup)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    may_manage = supervision.is_office_at(request.user, group.org_path)
    is_member = group.people.filter(user=request.user).exists()
    context = {
        "group": group,
        "people": group.people.select_related("user").order_by("-is_leader", "user__username"),
        "units": group.units.select_related("organisation").order_by("org_path"),
        "visits": group.visits.select_related("unit__organisation", "recorded_by").order_by("-visited_on", "-pk")[:200],
        "may_manage": may_manage,
        "may_visit": is_member or request.user.is_superuser,
    }
    return render(request, "campaigns/supervision/detail.html", context)


def _managed(request: HttpRequest, pk: int) -> SupervisionGroup:
    group = _group(request, pk)
    if not supervision.is_office_at(request.user, group.org_path):
        raise Http404
    return group


@scoped_view(SupervisionGroup)
def group_person(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed(request, pk)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        added = apply_service(
            form,
            lambda: supervision.add_person(
                group=group, user=data["user"], is_leader=data["is_leader"], actor=request.user
            ),
        )
        if added is not None:
            messages.success(request, _("Person added."))
            return redirect("campaigns:supervision_group", pk=group.pk)
    return _form_page(request, form, title=_("Add a person"), group=group)


@scoped_view(SupervisionGroup)
def group_units(request: HttpRequest, pk: int) -> HttpResponse:
    group = _managed(request, pk)
    form = AssignForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        units = form.cleaned_data["all_units"]
        count = apply_service(form, lambda: supervision.assign_units(group=group, units=units, actor=request.user))
        if count is not None:
            messages.success(request, _("%(count)d units assigned.") % {"count": count})
            return redirect("campaigns:supervision_group", pk=group.pk)
    return _form_page(request, form, title=_("Assign units"), group=group)


@scoped_view(SupervisionGroup)
def group_visit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    if not (request.user.is_superuser or group.people.filter(user=request.user).exists()):
        raise Http404
    form = VisitForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        visit = apply_service(
            form, lambda: supervision.record_visit(group=group, actor=request.user, **form.cleaned_data)
        )
        if visit is not None:
            messages.success(request, _("Visit recorded."))
            return redirect("campaigns:supervision_group", pk=group.pk)
    return _form_page(request, form, title=_("Record a visit"), group=group)


urlpatterns = [
    path("supervision/", group_list, name="supervision_groups"),
    path("<id:pk>/supervision/new/", group_new, name="supervision_group_new"),
    path("supervision/<id:pk>/", group_detail, name="supervision_group"),
    path("supervision/<id:pk>/people/", group_person, name="supervision_person"),
    path("supervision/<id:pk>/units/", group_units, name="supervision_units"),
    path("supervision/<id:pk>/visits/new/", group_visit, name="supervision_visit"),
]
