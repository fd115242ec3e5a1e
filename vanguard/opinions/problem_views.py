"""Staff pages of problems (意见汇总 → 转办 → 反馈 → 整改 → 效果): the list of both sides, the grouping workbench,
the grouping job's proposals, a problem's page with the actions its state allows, and the evidence downloads.

Views never write models: every change goes through opinions.services (through `form_action` / `apply_service`),
whose refusal is shown on the page it came from.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from vanguard.accounts.scoping import Action, restrict, scope_roots
from vanguard.core import audit, tree
from vanguard.core.models import Job, JobStatus
from vanguard.core.pagination import ids_first_page
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.opinions import hooks as opinion_hooks
from vanguard.opinions import problem_forms as pf
from vanguard.opinions import routing, services
from vanguard.opinions.models import (
    EffectRating,
    Notification,
    Opinion,
    Problem,
    ProblemStatus,
    ProgressNote,
    Verdict,
)
from vanguard.opinions.workflows import PROBLEM, grouping_side, receiving_side
from vanguard.orgs.models import Organisation

PAGE_SIZE = 50
GROUPING_KIND = "opinions.grouping"  # opinions.tasks.KIND, named here so the page does not import the job's libraries
# Other open problems offered to merge or move into: a page, not a search.
MAX_TARGETS = 200
MAX_OPINIONS_SHOWN = 500
TIMELINE = 100


def _tab_q(tab: str, user) -> Q | None:
    """The filter of a tab over the rows the user may see anyway (restrict() has already applied the scope)."""
    roots = scope_roots(user, Action.VIEW)
    if tab == "here":
        return None if roots is None else tree.subtrees_q("org_path", roots) if roots else Q(pk__in=[])
    if tab == "queue":
        return None if roots is None else tree.subtrees_q("responsible_path", roots) if roots else Q(pk__in=[])
    if tab == "escalated":
        escalated = Q(escalated_at__isnull=False) & ~Q(status=ProblemStatus.RECTIFIED)
        # Escalation goes to the organisation directly above the responsible one: the user's own organisations.
        return escalated if roots is None else escalated & Q(responsible__parent__path__in=roots)
    return None


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    """Problems of both sides of the user's scope, by tab (grouped here, my queue, escalated to me) and filters."""
    form = pf.FilterForm(request.GET or None)
    rows = restrict(Problem.objects.all(), request.user).select_related("organisation", "responsible")
    data = form.cleaned_data if form.is_valid() else {}
    tab = data.get("tab") or "all"
    q = _tab_q(tab, request.user)
    if q is not None:
        rows = rows.filter(q)
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("category"):
        rows = rows.filter(category=data["category"])
    if data.get("overdue"):
        rows = rows.filter(
            status__in=[ProblemStatus.FORWARDED, ProblemStatus.REPLIED], deadline__lt=timezone.localdate()
        )
    if data.get("listed"):
        rows = rows.filter(listed_at__isnull=False)
    if data.get("circulated"):
        rows = rows.filter(circulated_at__isnull=False)
    page = ids_first_page(rows.order_by("-created_at", "-pk"), number=request.GET.get("page"), size=PAGE_SIZE)
    counts = dict(
        Opinion.objects.filter(problem__in=[p.pk for p in page.rows])
        .values_list("problem")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for problem in page.rows:
        problem.opinion_count = counts.get(problem.pk, 0)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "tab": tab, "tabs": pf.FilterForm.TABS, "query": query.urlencode()}
    return render(request, "opinions/problems/list.html", context)


# --- grouping ----------------------------------------------------------------------------------------------------


def _changeable(user):
    return restrict(Organisation.objects.all(), user, Action.CHANGE).order_by("path")


def _workbench_organisation(request: HttpRequest) -> Organisation:
    organisations = _changeable(request.user)
    wanted = request.GET.get("organisation")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        return get_object_or_404(organisations, pk=int(wanted))
    first = organisations.first()
    if first is None:
        raise Http404
    return first


def _open_problems(user, path: str):
    return (
        restrict(Problem.objects.filter(status=ProblemStatus.OPEN), user, Action.CHANGE)
        .filter(tree.subtree_q("org_path", path))
        .order_by("-created_at", "-pk")
        .only("pk", "title")
    )


@login_required
def ungrouped(request: HttpRequest) -> HttpResponse:
    """The grouping workbench: ungrouped opinions of an organisation's subtree, ticked into a new or open problem."""
    organisation = _workbench_organisation(request)
    form = pf.GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data.get("problem"):
            target = restrict(Problem.objects.all(), request.user, Action.CHANGE).filter(pk=data["problem"]).first()
            if target is None:
                form.add_error("problem", _("Choose an open problem from the list."))
                problem = None
            else:
                problem = apply_service(
                    form,
                    lambda: services.move_opinions(problem=target, actor=request.user, opinion_ids=data["opinions"]),
                )
        else:
            problem = apply_service(
                form,
                lambda: services.group_opinions(
                    organisation=organisation, actor=request.user, opinion_ids=data["opinions"], title=data["title"]
                ),
            )
        if problem is not None:
            messages.success(request, _("Grouped."))
            return redirect("opinions:problem", pk=problem.pk)
    rows = (
        restrict(Opinion.objects.filter(problem__isnull=True), request.user)
        .filter(tree.subtree_q("org_path", organisation.path))
        .select_related("organisation")
        .only("pk", "text", "channel", "received_on", "organisation__name", "org_path")
        .order_by("-received_on", "-pk")
    )
    page = ids_first_page(rows, number=request.GET.get("page"), size=PAGE_SIZE)
    context = {
        "organisation": organisation,
        "organisations": _changeable(request.user).only("pk", "name")[:MAX_TARGETS],
        "page": page,
        "form": form,
        "open_problems": _open_problems(request.user, organisation.path)[:MAX_TARGETS],
        "query": f"organisation={organisation.pk}",
    }
    return render(request, "opinions/problems/ungrouped.html", context)


@login_required
@require_POST
def propose(request: HttpRequest) -> HttpResponse:
    """Start the grouping job of an organisation's ungrouped opinions; its proposals page follows it."""
    from vanguard.opinions.tasks import start_grouping

    form = pf.ProposeForm(request.POST)
    if not form.is_valid():
        raise Http404
    organisation = get_object_or_404(_changeable(request.user), pk=form.cleaned_data["organisation"])
    job = start_grouping(organisation=organisation, actor=request.user)
    return redirect("opinions:proposals", pk=job.pk)


def _proposal_groups(request: HttpRequest, job: Job) -> list[dict]:
    result = job.result or {}
    groups = [g for g in result.get("groups", []) if isinstance(g, dict)]
    ids = {int(i) for g in groups for i in g.get("opinions", []) if str(i).isdigit()}
    found = (
        restrict(Opinion.objects.filter(pk__in=ids), request.user)
        .filter(tree.subtree_q("org_path", job.organisation.path))
        .only("pk", "text", "received_on", "problem_id", "org_path")
        .in_bulk()
    )
    shown = []
    for index, group in enumerate(groups):
        opinions = [found[int(i)] for i in group.get("opinions", []) if str(i).isdigit() and int(i) in found]
        shown.append(
            {
                "index": index,
                "title": str(group.get("title", ""))[:200],
                "keywords": [str(k) for k in group.get("keywords", [])][:10],
                "duplicates": group.get("duplicates", 0),
                "opinions": opinions,
                "free": sum(1 for o in opinions if o.problem_id is None),
            }
        )
    return shown


@scoped_view(Job)
def proposals(request: HttpRequest, pk: int) -> HttpResponse:
    """The grouping job's proposed groups: untick opinions or whole groups, edit titles, accept the rest."""
    job = get_scoped(request, Job.objects.filter(kind=GROUPING_KIND).select_related("organisation"), pk)
    finished = job.status == JobStatus.SUCCEEDED
    groups = _proposal_groups(request, job) if finished else []
    if request.method == "POST":
        if (
            not finished
            or not restrict(Organisation.objects.filter(pk=job.organisation_id), request.user, Action.CHANGE).exists()
        ):
            raise Http404
        made, skipped, refused = 0, 0, []
        kept = set(request.POST.getlist("keep"))
        for group in groups:
            if str(group["index"]) not in kept:
                continue
            ticked = set(request.POST.getlist(f"opinions_{group['index']}"))
            chosen = [o for o in group["opinions"] if str(o.pk) in ticked]
            # Re-read now: an opinion grouped since the page was shown (by a colleague) is left where it is.
            free = set(
                Opinion.objects.filter(pk__in=[o.pk for o in chosen], problem__isnull=True).values_list("pk", flat=True)
            )
            skipped += len(chosen) - len(free)
            if not free:
                continue
            title = request.POST.get(f"title_{group['index']}", "").strip() or group["title"]
            try:
                services.group_opinions(
                    organisation=job.organisation,
                    actor=request.user,
                    opinion_ids=sorted(free),
                    title=title,
                    keywords=" ".join(group["keywords"]),
                )
            except ValidationError as exc:
                refused.append(f"{title}: {' '.join(exc.messages)}")
            else:
                made += 1
        if made:
            messages.success(request, ngettext("%(n)d problem made.", "%(n)d problems made.", made) % {"n": made})
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(n)d opinion had been grouped meanwhile and was left where it is.",
                    "%(n)d opinions had been grouped meanwhile and were left where they are.",
                    skipped,
                )
                % {"n": skipped},
            )
        for message in refused:
            messages.error(request, message)
        return redirect(f"{reverse('opinions:problems')}?tab=here")
    return render(request, "opinions/problems/proposals.html", {"job": job, "groups": groups, "finished": finished})


# --- a problem ---------------------------------------------------------------------------------------------------

_PROBLEMS = Problem.objects.select_related("organisation", "responsible", "suggested")


def _ratings(problem: Problem) -> dict:
    counts = dict(
        EffectRating.objects.filter(problem=problem).values_list("verdict").annotate(n=Count("pk")).order_by()
    )
    total = sum(counts.values())
    good = counts.get(Verdict.SATISFIED, 0) + counts.get(Verdict.BASICALLY, 0)
    return {
        "rows": [(label, counts.get(value, 0)) for value, label in Verdict.choices],
        "total": total,
        "rate": (good / total) if total else None,
    }


def _detail_context(request: HttpRequest, problem: Problem, failed: str = "") -> dict:
    user = request.user
    grouping = grouping_side(user, problem)
    receiving = receiving_side(user, problem)
    is_open = problem.status == ProblemStatus.OPEN
    opinions = list(
        problem.opinions.select_related("organisation")
        .only("pk", "text", "channel", "received_on", "org_path", "organisation__name", "problem_id")
        .order_by("received_on", "pk")[:MAX_OPINIONS_SHOWN]
    )
    notifications = Counter(
        Notification.objects.filter(opinion__problem=problem).values_list("medium", "status").order_by()
    )
    labels = {**dict(Notification.Medium.choices), **dict(Notification.Status.choices)}
    return {
        "problem": problem,
        "failed": failed,
        "opinions": opinions,
        "opinion_total": problem.opinions.count() if len(opinions) == MAX_OPINIONS_SHOWN else len(opinions),
        "transitions": {t.name for t in PROBLEM.available(problem, user)},
        "grouping": grouping,
        "receiving": receiving,
        "may_regroup": grouping and is_open,
        "may_progress": receiving and problem.status in (ProblemStatus.FORWARDED, ProblemStatus.REPLIED),
        "may_list": grouping and not is_open,
        "may_sample": grouping and problem.status == ProblemStatus.RECTIFIED,
        "targets": [p for p in _open_problems(user, problem.org_path)[:MAX_TARGETS] if p.pk != problem.pk]
        if grouping and is_open
        else [],
        "notes": problem.notes.select_related("recorded_by"),
        "ratings": _ratings(problem),
        "sections": opinion_hooks.problem_sections(request, problem),
        "notifications": [
            {"medium": labels[m], "status": labels[s], "code": s, "count": n}
            for (m, s), n in sorted(notifications.items())
        ],
        "history": audit.history(problem)[:TIMELINE],
        "edit_form": pf.EditForm(
            initial={"title": problem.title, "summary": problem.summary, "keywords": problem.keywords}
        ),
        "progress_form": pf.ProgressForm(),
        "sample_form": pf.SampleForm(),
    }


@scoped_view(Problem)
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "GET":
        raise Http404
    problem = get_scoped(request, _PROBLEMS, pk)
    return render(request, "opinions/problems/detail.html", _detail_context(request, problem))


def _action(name: str, form_class, service, done):
    """A POST from the problem's page; a refusal re-shows the page with the service's message."""

    @scoped_view(Problem)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            raise Http404
        return form_action(
            request,
            queryset=_PROBLEMS,
            pk=pk,
            form_class=form_class,
            service=lambda problem, data: service(request, problem, data),
            success_url=lambda problem, result: reverse("opinions:problem", kwargs={"pk": problem.pk}),
            success_message=str(done),
            template="opinions/problems/detail.html",
            context=lambda problem: _detail_context(request, problem, failed=name),
        )

    view.__name__ = f"problem_{name}"
    return view


def _target(request: HttpRequest, pk: int | None) -> Problem:
    found = restrict(Problem.objects.all(), request.user, Action.CHANGE).filter(pk=pk).first() if pk else None
    if found is None:
        raise ValidationError(_("Choose an open problem from the list."), code="target")
    return found


def _regroup(request: HttpRequest, problem: Problem, data: dict):
    ids = data["opinions"]
    what = request.POST.get("do")
    if what == "ungroup":
        return services.ungroup_opinions(problem=problem, actor=request.user, opinion_ids=ids)
    if what == "move":
        # Only opinions of this problem are moved from here.
        ids = list(problem.opinions.filter(pk__in=ids).values_list("pk", flat=True))
        return services.move_opinions(problem=_target(request, data.get("target")), actor=request.user, opinion_ids=ids)
    if what == "split":
        if problem.status != ProblemStatus.OPEN:
            raise ValidationError(_("A forwarded problem keeps its opinions."), code="settled")
        return services.split_problem(problem=problem, actor=request.user, opinion_ids=ids, title=data.get("title", ""))
    raise ValidationError(_("Choose what to do with the ticked opinions."), code="what")


def _forward_kwargs(request: HttpRequest, problem: Problem) -> dict:
    # Asked once per request: the form and the service's `suggested` must record the same suggestions.
    if not hasattr(request, "_opinion_suggestions"):
        request._opinion_suggestions = routing.suggest(problem) if problem.status == ProblemStatus.OPEN else []
    suggestions = request._opinion_suggestions
    names = dict(
        restrict(
            Organisation.objects.filter(pk__in=[s.organisation_id for s in suggestions]), request.user
        ).values_list("pk", "name")
    )
    return {"user": request.user, "suggestions": suggestions, "names": names, "search": request.GET.get("q", "")}


def _forward(request: HttpRequest, problem: Problem, data: dict) -> Problem:
    kwargs = _forward_kwargs(request, problem)
    top = next((s for s in kwargs["suggestions"] if s.organisation_id in kwargs["names"]), None)
    suggested = Organisation.objects.filter(pk=top.organisation_id).first() if top else None
    return services.forward(
        problem=problem,
        actor=request.user,
        responsible=data["responsible"],
        deadline=data["deadline"],
        category=data["category"],
        suggested=suggested,
        confidence=top.confidence if suggested else None,
    )


@scoped_view(Problem)
def problem_forward(request: HttpRequest, pk: int) -> HttpResponse:
    """转办: the suggestions (radio buttons with their confidence), or any organisation of the user's scope."""
    return form_action(
        request,
        queryset=_PROBLEMS,
        pk=pk,
        form_class=pf.ForwardForm,
        form_kwargs=lambda problem: _forward_kwargs(request, problem),
        service=lambda problem, data: _forward(request, problem, data),
        success_url=lambda problem, result: reverse("opinions:problem", kwargs={"pk": problem.pk}),
        success_message=_("Forwarded."),
        template="opinions/problems/forward.html",
        context=lambda problem: {"problem": problem, "search": request.GET.get("q", "")},
    )


problem_edit = _action(
    "edit",
    pf.EditForm,
    lambda r, p, d: services.edit_problem(
        problem=p, actor=r.user, title=d["title"], summary=d["summary"], keywords=d["keywords"]
    ),
    gettext_lazy("Saved."),
)
problem_opinions = _action("opinions", pf.OpinionsForm, _regroup, gettext_lazy("Saved."))
problem_merge = _action(
    "merge",
    pf.MergeForm,
    lambda r, p, d: services.merge_problems(into=p, actor=r.user, others=[_target(r, d["other"])]),
    gettext_lazy("Merged."),
)
problem_send_back = _action(
    "send_back",
    pf.ReasonForm,
    lambda r, p, d: services.send_back(problem=p, actor=r.user, reason=d["reason"]),
    gettext_lazy("Sent back."),
)
problem_reply = _action(
    "reply",
    pf.TextForm,
    lambda r, p, d: services.reply(problem=p, actor=r.user, text=d["text"]),
    gettext_lazy("Replied."),
)
problem_progress = _action(
    "progress",
    pf.ProgressForm,
    lambda r, p, d: services.add_progress(problem=p, actor=r.user, text=d["text"], file=d.get("file")),
    gettext_lazy("Progress noted."),
)
problem_rectify = _action(
    "rectify",
    pf.TextForm,
    lambda r, p, d: services.rectify(problem=p, actor=r.user, text=d["text"]),
    gettext_lazy("Saved."),
)
problem_reopen = _action(
    "reopen",
    pf.ReasonForm,
    lambda r, p, d: services.reopen(problem=p, actor=r.user, reason=d["reason"]),
    gettext_lazy("Reopened."),
)
problem_list_publicly = _action(
    "list",
    pf.ListForm,
    lambda r, p, d: services.list_publicly(problem=p, actor=r.user, listed=d["listed"]),
    gettext_lazy("Saved."),
)
problem_circulate = _action(
    "circulate",
    pf.TextForm,
    lambda r, p, d: services.circulate(problem=p, actor=r.user, text=d["text"]),
    gettext_lazy("Circulated."),
)
problem_sample = _action(
    "sample",
    pf.SampleForm,
    lambda r, p, d: services.rate_by_sample(
        problem=p, actor=r.user, satisfied=d["satisfied"], basically=d["basically"], unsatisfied=d["unsatisfied"]
    ),
    gettext_lazy("Ratings recorded."),
)


@scoped_view(ProgressNote)
def progress_file(request: HttpRequest, pk: int) -> FileResponse:
    """A progress note's evidence, to whoever may see its problem; files are never served from a public media URL."""
    # Scoped through its problem: ProgressNote.scope_fields name the problem's path copies, which restrict() cannot
    # follow across a relation (it wants an organisation's own `path` there).
    visible = restrict(Problem.objects.all(), request.user)
    note = get_object_or_404(ProgressNote.objects.exclude(file="").filter(problem__in=visible), pk=pk)
    try:
        handle = note.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=note.file_name or "evidence")


urlpatterns = [
    path("problems/", problem_list, name="problems"),
    path("problems/ungrouped/", ungrouped, name="ungrouped"),
    path("problems/propose/", propose, name="propose"),
    path("problems/proposals/<id:pk>/", proposals, name="proposals"),
    path("problems/<id:pk>/", problem_detail, name="problem"),
    path("problems/<id:pk>/edit/", problem_edit, name="problem_edit"),
    path("problems/<id:pk>/opinions/", problem_opinions, name="problem_opinions"),
    path("problems/<id:pk>/merge/", problem_merge, name="problem_merge"),
    path("problems/<id:pk>/forward/", problem_forward, name="problem_forward"),
    path("problems/<id:pk>/send-back/", problem_send_back, name="problem_send_back"),
    path("problems/<id:pk>/reply/", problem_reply, name="problem_reply"),
    path("problems/<id:pk>/progress/", problem_progress, name="problem_progress"),
    path("problems/<id:pk>/rectify/", problem_rectify, name="problem_rectify"),
    path("problems/<id:pk>/reopen/", problem_reopen, name="problem_reopen"),
    path("problems/<id:pk>/list/", problem_list_publicly, name="problem_list"),
    path("problems/<id:pk>/circulate/", problem_circulate, name="problem_circulate"),
    path("problems/<id:pk>/sample/", problem_sample, name="problem_sample"),
    path("problems/notes/<id:pk>/file/", progress_file, name="progress_file"),
]
