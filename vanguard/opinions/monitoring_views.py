"""三级两评 pages: the monitoring network (office → stations → points), a body's roll-ups, a point's appraisals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from vanguard.accounts.scoping import Action, can_at_path, restrict
from vanguard.core import tree
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.opinions import monitoring, services
from vanguard.opinions import monitoring_forms as forms
from vanguard.opinions.models import MonitoringBody, MonitoringLevel
from vanguard.orgs.models import Organisation


def _changeable(user):
    return restrict(Organisation.objects.all(), user, Action.CHANGE).order_by("path")


@login_required
def network(request: HttpRequest) -> HttpResponse:
    """The bodies the user may see, and (for staff who may change an organisation) designating a new one."""
    bodies = monitoring.bodies_for(request.user)
    organisations = _changeable(request.user)
    form = None
    if organisations.exists():
        form = forms.DesignateForm(request.POST or None, organisations=organisations, bodies=bodies)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            body = apply_service(
                form,
                lambda: services.designate_body(
                    organisation=data["organisation"], actor=request.user, level=data["level"], parent=data["parent"]
                ),
            )
            if body is not None:
                messages.success(request, _("Saved."))
                return redirect("opinions:monitoring_body", pk=body.pk)
    status = 400 if form is not None and form.errors else 200
    return render(request, "opinions/monitoring/network.html", {"bodies": bodies, "form": form}, status=status)


def _subjects(body: MonitoringBody):
    """What a point may appraise: the organisations of its office's subtree (the offices and trades of the
    district the 纠风办 watches)."""
    return Organisation.objects.filter(tree.subtree_q("path", body.office_path)).order_by("path")


@scoped_view(MonitoringBody)
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_scoped(request, MonitoringBody.objects.select_related("organisation", "parent__organisation"), pk)
    period = forms.PeriodForm(request.GET or None)
    dates = {}
    if period.is_valid():
        dates = {k: v for k, v in period.cleaned_data.items() if v}
    may_record = body.level == MonitoringLevel.POINT and can_at_path(request.user, Action.CHANGE, body.org_path)
    context = {
        "body": body,
        "period": period,
        "children": body.children.select_related("organisation").order_by("org_path"),
        "by_subject": monitoring.by_subject(body, **dates),
        "by_station": monitoring.by_station(body, **dates) if body.level == MonitoringLevel.OFFICE else [],
        "by_point": monitoring.by_point(body, **dates) if body.level != MonitoringLevel.POINT else [],
        "by_month": monitoring.by_month(body, **dates),
        "recent": monitoring.appraisals(body, **dates)
        .select_related("subject", "point__organisation")
        .order_by("-appraised_on", "-pk")[:50],
        "form": forms.AppraisalForm(subjects=_subjects(body)) if may_record else None,
    }
    return render(request, "opinions/monitoring/body.html", context)


@scoped_view(MonitoringBody)
def record(request: HttpRequest, pk: int) -> HttpResponse:
    """A point records an appraisal of an office or trade (a page of its own when the form has errors)."""
    return form_action(
        request,
        queryset=MonitoringBody.objects.select_related("organisation"),
        pk=pk,
        form_class=forms.AppraisalForm,
        form_kwargs=lambda body: {"subjects": _subjects(body)},
        service=lambda body, data: services.record_appraisal(point=body, actor=request.user, **data),
        success_url=lambda body, result: reverse("opinions:monitoring_body", kwargs={"pk": body.pk}),
        success_message=_("Appraisal recorded."),
        template="opinions/monitoring/record.html",
        context=lambda body: {"body": body},
    )


urlpatterns = [
    path("monitoring/", network, name="monitoring"),
    path("monitoring/<id:pk>/", body_detail, name="monitoring_body"),
    path("monitoring/<id:pk>/record/", record, name="monitoring_record"),
]
