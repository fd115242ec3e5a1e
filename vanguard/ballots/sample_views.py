"""Staff pages of sampling frames and random samples (DOMAIN §4): upload a frame, draw a sample, issue to it.

Views never write models: frames.import_frame and the sampling services do.
A frame is seen within its organisation's subtree; a sample through its
ballot's; anything outside is a 404.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vanguard.accounts.scoping import Action, can_at_path, restrict, scope_roots
from vanguard.ballots import frames, sampling
from vanguard.ballots.models import FRAME_CONSTITUENCY, Ballot, Frame, FrameKind, Sample, Status
from vanguard.core.views import apply_service, get_scoped, scoped_view
from vanguard.orgs.forms import OrganisationCodeField
from vanguard.orgs.models import Organisation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SIZE = 200


def _own_organisation(user) -> Organisation | None:
    """The top of the user's subtree where they may change records: where a frame goes unless they name a unit."""
    roots = scope_roots(user, Action.CHANGE)
    if roots is None:
        return Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    if not roots:
        return None
    return Organisation.objects.filter(path__in=roots).order_by("path").first()


class FrameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the frame"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Who it lists"), choices=FrameKind.choices)
    organisation = OrganisationCodeField(
        label=gettext_lazy("Organisation (official code)"),
        required=False,
        help_text=gettext_lazy("Leave blank for your own organisation."),
    )
    file = forms.FileField(
        label=gettext_lazy("List (.xlsx, .xls, .ods or .csv)"),
        help_text=gettext_lazy("Columns 姓名 and 地区 (or 分层, 片区); optional 联系电话 and 地址."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


@login_required
def frame_list(request: HttpRequest) -> HttpResponse:
    """The frames of the user's subtree, and (for whoever may change records) the upload form."""
    own = _own_organisation(request.user)
    form = None
    problems: list[frames.RowProblem] = []
    if own is not None:
        organisations = restrict(Organisation.objects.all(), request.user, Action.CHANGE)
        form = FrameForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            arguments = {
                "organisation": data["organisation"] or own,
                "actor": request.user,
                "kind": data["kind"],
                "name": data["name"],
                "file_name": upload.name,
            }
            with tempfile.TemporaryDirectory() as directory:
                target = Path(directory) / f"frame{Path(upload.name).suffix.lower()[:8]}"
                with target.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                if upload.size > frames.BACKGROUND_BYTES:
                    job = apply_service(form, lambda: frames.start_import(path=target, **arguments))
                    if job is not None:
                        return redirect("core:job", pk=job.pk)
                    return _frame_list_page(request, form, problems)
                try:
                    frame = frames.import_frame(path=target, **arguments)
                except frames.FrameRefused as refused:
                    problems = refused.problems
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request,
                        ngettext("%(count)d row stored.", "%(count)d rows stored.", frame.rows) % {"count": frame.rows},
                    )
                    return redirect("ballots:frame", pk=frame.pk)
    return _frame_list_page(request, form, problems)


def _frame_list_page(request: HttpRequest, form, problems) -> HttpResponse:
    rows = restrict(Frame.objects.select_related("organisation"), request.user).order_by("-created_at", "-pk")
    context = {"form": form, "problems": problems, "frames": rows[:LIST_SIZE], "max_rows": frames.MAX_ROWS}
    status = 400 if problems or (form is not None and form.errors) else 200
    return render(request, "ballots/samples/frame_list.html", context, status=status)


@login_required
def frame_template(request: HttpRequest) -> HttpResponse:
    """The blank frame (.xlsx) with its header row."""
    buffer = io.BytesIO()
    frames.write_template(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E6%8A%BD%E6%A0%B7%E5%90%8D%E5%8D%95.xlsx"
    return response


@scoped_view(Frame)
def frame_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A frame's strata with their rows, and the samples drawn from it for ballots the user sees."""
    frame = get_scoped(request, Frame.objects.select_related("organisation", "created_by"), pk)
    counts = frames.stratum_counts(frame)
    samples = Sample.objects.filter(
        frame=frame, ballot__in=restrict(Ballot.objects.all(), request.user)
    ).select_related("ballot")
    context = {
        "frame": frame,
        "strata": list(counts.items()),
        "samples": samples,
        "constituency": FRAME_CONSTITUENCY[frame.kind].label,
    }
    return render(request, "ballots/samples/frame_detail.html", context)


def _sample(request: HttpRequest, pk: int, action: Action = Action.VIEW) -> Sample:
    """The sample if the user may `action` its ballot, else 404 (a sample is placed in the tree by its ballot)."""
    ballots = restrict(Ballot.objects.all(), request.user, action)
    return get_object_or_404(
        Sample.objects.select_related("ballot__organisation", "frame", "drawn_by").filter(ballot__in=ballots), pk=pk
    )


class DrawForm(forms.Form):
    """Sizes per stratum, or a total shared in proportion among the strata ticked; an optional seed."""

    SIZES, PROPORTIONAL = "sizes", "proportional"
    method = forms.ChoiceField(
        label=gettext_lazy("Sample sizes"),
        choices=[
            (SIZES, gettext_lazy("As typed for each stratum")),
            (PROPORTIONAL, gettext_lazy("A total shared among the strata ticked, in proportion to their rows")),
        ],
        initial=SIZES,
        widget=forms.RadioSelect,
    )
    total = forms.IntegerField(label=gettext_lazy("Total sample size"), min_value=1, required=False)
    seed = forms.IntegerField(
        label=gettext_lazy("Seed"),
        min_value=0,
        max_value=2**sampling.SEED_BITS - 1,
        required=False,
        help_text=gettext_lazy("Leave blank for a new random seed; give one only to redo a published draw."),
    )

    def __init__(self, *args, strata: list[tuple[str, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.strata = strata
        for index, (stratum, _rows) in enumerate(strata):
            self.fields[f"size_{index}"] = forms.IntegerField(
                label=stratum,
                min_value=0,
                required=False,
                widget=forms.NumberInput(attrs={"aria-label": _("Size for %(stratum)s") % {"stratum": stratum}}),
            )
            self.fields[f"use_{index}"] = forms.BooleanField(
                label=stratum,
                required=False,
                initial=True,
                widget=forms.CheckboxInput(
                    attrs={"aria-label": _("Share the total with %(stratum)s") % {"stratum": stratum}}
                ),
            )

    def rows(self):
        """(stratum, rows, size field, tick field) for the table."""
        return [
            (stratum, count, self[f"size_{index}"], self[f"use_{index}"])
            for index, (stratum, count) in enumerate(self.strata)
        ]

    def clean(self):
        data = super().clean()
        if data.get("method") == self.PROPORTIONAL:
            if not data.get("total"):
                self.add_error("total", _("Give the total sample size."))
            if not any(data.get(f"use_{index}") for index in range(len(self.strata))):
                raise forms.ValidationError(_("Tick at least one stratum."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        if data["method"] == self.PROPORTIONAL:
            chosen = [stratum for index, (stratum, _rows) in enumerate(self.strata) if data.get(f"use_{index}")]
            return {"strata": chosen, "total": data["total"], "seed": data.get("seed")}
        sizes = {stratum: data.get(f"size_{index}") or 0 for index, (stratum, _rows) in enumerate(self.strata)}
        return {"sizes": sizes, "seed": data.get("seed")}


class FrameChoiceForm(forms.Form):
    frame = forms.ModelChoiceField(label=gettext_lazy("Frame"), queryset=Frame.objects.none())

    def __init__(self, *args, frames_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frame"].queryset = frames_queryset


def _frames_for(ballot: Ballot, user):
    """Frames the user sees whose people the ballot is put to."""
    kinds = [kind for kind, constituency in FRAME_CONSTITUENCY.items() if constituency in ballot.constituencies]
    return restrict(Frame.objects.filter(kind__in=kinds), user).order_by("-created_at", "-pk")


@scoped_view(Ballot)
def sample_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw a sample for a ballot: first choose the frame (?frame=), then its strata's sizes and the seed."""
    ballot = get_scoped(request, Ballot.objects.select_related("organisation"), pk, Action.CHANGE)
    available = _frames_for(ballot, request.user)
    choice = FrameChoiceForm(request.GET or None, frames_queryset=available)
    frame = choice.cleaned_data["frame"] if choice.is_bound and choice.is_valid() else None
    form = None
    if frame is not None:
        strata = list(frames.stratum_counts(frame).items())
        form = DrawForm(request.POST or None, strata=strata)
        if request.method == "POST" and form.is_valid():
            sample = apply_service(
                form,
                lambda: sampling.draw_sample(
                    ballot=ballot, frame=frame, actor=request.user, **form.service_arguments()
                ),
            )
            if sample is not None:
                messages.success(
                    request,
                    _("A sample of %(size)d was drawn with seed %(seed)d.")
                    % {"size": sample.size, "seed": sample.seed},
                )
                return redirect("ballots:sample", pk=sample.pk)
    elif request.method == "POST":
        raise Http404
    context = {
        "ballot": ballot,
        "samples": Sample.objects.filter(ballot=ballot).select_related("frame"),
        "choice": choice,
        "frame": frame,
        "form": form,
        "closed": ballot.status == Status.CLOSED,
        "has_frames": available.exists(),
    }
    return render(request, "ballots/samples/sample_new.html", context, status=400 if form and form.errors else 200)


@scoped_view(Sample)
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The sample's seed, sizes and how it was drawn; issuing and the delivery list for who may change the ballot."""
    sample = _sample(request, pk)
    counts = frames.stratum_counts(sample.frame)
    strata = [(stratum, counts.get(stratum, 0), size) for stratum, size in sorted(sample.sizes.items())]
    may_change = can_at_path(request.user, Action.CHANGE, sample.ballot.org_path)
    context = {
        "sample": sample,
        "ballot": sample.ballot,
        "strata": strata,
        "may_change": may_change,
        "may_see_frame": can_at_path(request.user, Action.VIEW, sample.frame.org_path),
        "may_issue": may_change and not sample.issued_as and sample.ballot.status != Status.CLOSED,
        "without_phone": sampling.drawn_rows(sample).filter(phone="").count() if may_change else 0,
        "constituency": FRAME_CONSTITUENCY[sample.frame.kind].label,
    }
    return render(request, "ballots/samples/sample_detail.html", context)


@scoped_view(Sample)
def sample_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the sample's tokens once: links texted to the drawn phones, or sheets printed by background jobs."""
    if request.method != "POST":
        raise Http404
    sample = _sample(request, pk, Action.CHANGE)
    medium = request.POST.get("medium")
    base_url = request.build_absolute_uri("/")
    try:
        if medium == "link" and sample.size > sampling.LINKS_IN_REQUEST:
            job = sampling.start_issue_links(sample=sample, actor=request.user, base_url=base_url)
            return redirect("core:job", pk=job.pk)
        if medium == "link":
            from vanguard.ballots import sheets

            sent, failed = sampling.issue_links(
                sample=sample,
                actor=request.user,
                link_for=lambda code: sheets.vote_link(base_url, sample.ballot, code),
            )
            messages.success(
                request,
                _("%(sent)d links sent; %(failed)d could not be sent and were withdrawn.")
                % {"sent": sent, "failed": failed},
            )
        elif medium == "sheet":
            started = sampling.issue_sheets(sample=sample, actor=request.user, base_url=base_url)
            messages.success(
                request,
                ngettext(
                    "The sheets are being printed by %(count)d background job.",
                    "The sheets are being printed by %(count)d background jobs.",
                    len(started),
                )
                % {"count": len(started)},
            )
            if len(started) == 1:
                return redirect("core:job", pk=started[0].pk)
            return redirect("core:jobs")
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("ballots:sample", pk=sample.pk)


@scoped_view(Sample)
def sample_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivery list (.xlsx): who gets a sheet in each stratum; no codes. For whoever may change the ballot."""
    sample = _sample(request, pk, Action.CHANGE)
    if not can_at_path(request.user, Action.VIEW, sample.frame.org_path):
        raise Http404
    buffer = io.BytesIO()
    sampling.write_delivery_list(sample, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''sample-{sample.pk}-%E9%80%81%E8%BE%BE%E5%90%8D%E5%8D%95.xlsx"
    )
    return response


urlpatterns = [
    path("frames/", frame_list, name="frames"),
    path("frames/template.xlsx", frame_template, name="frame_template"),
    path("frames/<id:pk>/", frame_detail, name="frame"),
    path("<id:pk>/samples/new/", sample_new, name="sample_new"),
    path("samples/<id:pk>/", sample_detail, name="sample"),
    path("samples/<id:pk>/issue/", sample_issue, name="sample_issue"),
    path("samples/<id:pk>/delivery.xlsx", sample_delivery, name="sample_delivery"),
]
