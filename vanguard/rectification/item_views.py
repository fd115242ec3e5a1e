"""Pages of rectification items (整改事项).

- items/ (?status=&category=&overdue=1&escalated=1&listed=1&circulated=1): the items one may see;
- plans/<plan>/items/new/ (?problem= | ?analysis= | ?result= | ?remedial= | ?visit=): a new item, from a source;
- items/<pk>/ (act/?t=<transition>, note/, listing/, circulate/); items/notes/<note>/file/.

Views never write models: every change goes through services.items, whose refusal lands on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vanguard.accounts.scoping import Action, restrict
from vanguard.appraisals.models import AppraisalResult, RemedialOrder, SelfAnalysis
from vanguard.campaigns.models import Visit
from vanguard.core import audit
from vanguard.core.views import apply_service, scoped_view
from vanguard.opinions.models import Category, Problem
from vanguard.orgs.models import Organisation
from vanguard.rectification import item_forms as forms
from vanguard.rectification.models import OPEN_ITEM_STATES, ItemNote, ItemStatus, RectificationItem, RectificationPlan
from vanguard.rectification.services import items as services
from vanguard.rectification.services import plans as plan_services
from vanguard.rectification.workflows import ITEM, plan_side

PAGE_SIZE = 50

# Query parameter → (item field, model) of each source.
SOURCES = {
    "problem": ("problem", Problem),
    "analysis": ("self_analysis", SelfAnalysis),
    "result": ("appraisal_result", AppraisalResult),
    "remedial": ("remedial_order", RemedialOrder),
    "visit": ("visit", Visit),
}

_ITEMS = RectificationItem.objects.select_related("plan__organisation", "plan__member", "responsible", "owner")


def visible_items(user):
    """By role over the plan's or the responsible organisation, and a member's own plan's items."""
    query = Q(pk__in=restrict(RectificationItem.objects.all(), user).values("pk"))
    if getattr(user, "member_id", None):
        query |= Q(plan__member_id=user.member_id)
    return _ITEMS.filter(query)


def _item(request: HttpRequest, pk: int) -> RectificationItem:
    return get_object_or_404(visible_items(request.user), pk=pk)


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    items = visible_items(request.user)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    if status in ItemStatus.values:
        items = items.filter(status=status)
    category = request.GET.get("category", "")
    if category in Category.values:
        items = items.filter(category=category)
    flags = {name: request.GET.get(name) == "1" for name in ("overdue", "escalated", "listed", "circulated")}
    if flags["overdue"]:
        items = items.filter(status__in=OPEN_ITEM_STATES, deadline__lt=today)
    if flags["escalated"]:
        items = items.filter(escalated_at__isnull=False, status__in=OPEN_ITEM_STATES)
    if flags["listed"]:
        items = items.filter(listed_at__isnull=False)
    if flags["circulated"]:
        items = items.filter(circulated_at__isnull=False)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(items.order_by("deadline", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": ItemStatus.choices,
        "category": category,
        "categories": Category.choices,
        "flags": flags,
        "query": query.urlencode(),
        "today": today,
    }
    return render(request, "rectification/items/list.html", context)


def _source(request: HttpRequest) -> tuple[str, object] | None:
    """The source named in the query, if the user may see it (else 404)."""
    for param, (field, model) in SOURCES.items():
        value = request.GET.get(param, "")
        if value:
            if not value.isdigit():
                raise Http404
            obj = get_object_or_404(restrict(model.objects.all(), request.user), pk=int(value))
            return field, obj
    return None


@scoped_view(RectificationPlan)
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(plan_services.readable_plans(request.user), pk=pk)
    if not plan_side(request.user, plan):
        raise Http404
    source = _source(request)
    initial = services.defaults_from(*source) if source else {}
    organisations = restrict(Organisation.objects.all(), request.user, Action.VIEW)
    form = forms.ItemForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        if source:
            data[source[0]] = source[1]
        made = apply_service(form, lambda: services.create_item(actor=request.user, plan=plan, **data))
        if made is not None:
            messages.success(request, _("Item added."))
            return redirect("rectification:item", pk=made.pk)
    context = {"form": form, "plan": plan, "source": source}
    return render(request, "rectification/items/form.html", context, status=400 if form.errors else 200)


@scoped_view(RectificationItem)
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    owed = item.status in OPEN_ITEM_STATES
    context = {
        "item": item,
        "source": item.source(),
        "shares": item.shares.select_related("organisation"),
        "notes": item.notes.select_related("recorded_by"),
        "transitions": ITEM.available(item, request.user),
        "may_note": owed and services.may_note(request.user, item),
        "may_publicise": services.may_publicise(request.user, item),
        "overdue": owed and item.deadline is not None and item.deadline < timezone.localdate(),
        "history": audit.history(item).select_related("actor", "actor_organisation")[:100],
    }
    return render(request, "rectification/items/detail.html", context)


def _item_url(item: RectificationItem) -> str:
    return reverse("rectification:item", kwargs={"pk": item.pk})


@scoped_view(RectificationItem)
@require_http_methods(["GET", "POST"])
def item_act(request: HttpRequest, pk: int) -> HttpResponse:
    name = request.GET.get("t", "")
    if name not in forms.ACT_FORMS:
        raise Http404
    item = _item(request, pk)
    posted = request.method == "POST"
    # Bound on every POST: verifying posts nothing, and an unbound form would never be valid.
    form = forms.ACT_FORMS[name](request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        done = apply_service(
            form, lambda: services.take(item=item, actor=request.user, transition=name, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("Done."))
            return redirect(_item_url(item))
    context = {"item": item, "form": form, "transition": ITEM.transition(name)}
    return render(request, "rectification/items/act.html", context, status=400 if form.errors else 200)


@scoped_view(RectificationItem)
@require_http_methods(["GET", "POST"])
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if not services.may_note(request.user, item):
        raise Http404
    form = forms.NoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        done = apply_service(
            form,
            lambda: services.add_note(
                item=item, actor=request.user, text=form.cleaned_data["text"], file=form.cleaned_data["file"]
            ),
        )
        if done is not None:
            messages.success(request, _("Progress noted."))
            return redirect(_item_url(item))
    return render(
        request, "rectification/items/note.html", {"item": item, "form": form}, status=400 if form.errors else 200
    )


@scoped_view(RectificationItem)
@require_POST
def item_listing(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if not services.may_publicise(request.user, item):
        raise Http404
    form = forms.EmptyForm(request.POST)
    done = apply_service(
        form, lambda: services.list_publicly(item=item, actor=request.user, listed=request.POST.get("listed") == "1")
    )
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect(_item_url(item))


@scoped_view(RectificationItem)
@require_http_methods(["GET", "POST"])
def item_circulate(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if not services.may_publicise(request.user, item):
        raise Http404
    form = forms.CircularForm(request.POST or None, initial={"text": item.circular})
    if request.method == "POST" and form.is_valid():
        done = apply_service(
            form, lambda: services.circulate(item=item, actor=request.user, text=form.cleaned_data["text"])
        )
        if done is not None:
            messages.success(request, _("Circulated."))
            return redirect(_item_url(item))
    context = {"item": item, "form": form, "transition": {"label": _("Circulate")}}
    return render(request, "rectification/items/act.html", context, status=400 if form.errors else 200)


@scoped_view(ItemNote)
@require_GET
def item_note_file(request: HttpRequest, pk: int) -> FileResponse:
    note = get_object_or_404(
        ItemNote.objects.exclude(file="").filter(item__in=visible_items(request.user).values("pk")), pk=pk
    )
    try:
        handle = note.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=note.file_name or "evidence")


urlpatterns = [
    path("items/", item_list, name="items"),
    path("plans/<id:pk>/items/new/", item_new, name="item_new"),
    path("items/<id:pk>/", item_detail, name="item"),
    path("items/<id:pk>/act/", item_act, name="item_act"),
    path("items/<id:pk>/note/", item_note, name="item_note"),
    path("items/<id:pk>/listing/", item_listing, name="item_listing"),
    path("items/<id:pk>/circulate/", item_circulate, name="item_circulate"),
    path("items/notes/<id:pk>/file/", item_note_file, name="item_note_file"),
]
