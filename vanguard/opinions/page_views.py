"""Staff pages of the units' public opinion pages: the list in scope, opening one, closing it, its A4 poster.

A page's short link (/o/<code>/) and its QR code are what the poster carries;
the public side itself is public_views.py.
"""

from __future__ import annotations

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, restrict
from vanguard.campaigns.models import Campaign, CampaignStatus
from vanguard.core.views import apply_service, form_action, get_scoped, scoped_view
from vanguard.opinions import services
from vanguard.opinions.models import Direction, IntakePage
from vanguard.orgs.models import Organisation

PAGE_SIZE = 50


def short_link(request: HttpRequest, page: IntakePage) -> str:
    """The absolute address printed on the poster and encoded in its QR code."""
    return request.build_absolute_uri(reverse("opinions_public:page", args=[page.code]))


class _NameChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return getattr(obj, "name", str(obj))


class PageForm(forms.Form):
    organisation = _NameChoice(label=gettext_lazy("Unit"), queryset=Organisation.objects.none())
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Shown on the page and the poster; the unit's name when left empty."),
    )
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction offered first"), choices=Direction.choices, initial=Direction.PUBLIC_OFFICIAL
    )
    campaign = _NameChoice(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), required=False)

    def __init__(self, *args, user, organisations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["campaign"].queryset = restrict(Campaign.objects.exclude(status=CampaignStatus.CLOSED), user)


class OpenForm(forms.Form):
    # Said outright ("1" or "0"), never an absent checkbox: a bare POST is not taken for "close it".
    is_open = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


def _changeable_organisations(user):
    return restrict(Organisation.objects.all(), user, Action.CHANGE).order_by("path")


@login_required
def page_list(request: HttpRequest) -> HttpResponse:
    pages = (
        restrict(IntakePage.objects.all(), request.user)
        .select_related("organisation")
        .annotate(opinion_count=Count("opinions"))
        .order_by("org_path", "pk")
    )
    listing = Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"listing": listing, "may_open": _changeable_organisations(request.user).exists()}
    return render(request, "opinions/pages/list.html", context)


@login_required
def page_new(request: HttpRequest) -> HttpResponse:
    organisations = _changeable_organisations(request.user)
    if not organisations.exists():
        raise Http404
    initial = {}
    wanted = request.GET.get("organisation")
    if wanted and wanted.isdigit():
        # Only an organisation the user may change is pre-chosen; another is ignored, not revealed.
        initial["organisation"] = organisations.filter(pk=int(wanted)).first()
    form = PageForm(request.POST or None, initial=initial, user=request.user, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        page = apply_service(
            form,
            lambda: services.open_page(
                organisation=data["organisation"],
                actor=request.user,
                title=data["title"],
                campaign=data["campaign"],
                direction=data["direction"],
            ),
        )
        if page is not None:
            return redirect("opinions:page_poster", pk=page.pk)
    return render(request, "opinions/pages/form.html", {"form": form})


@scoped_view(IntakePage)
def page_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable A4 poster: title, unit, the short link and its QR code (segno's SVG, no image file)."""
    page = get_scoped(request, IntakePage.objects.select_related("organisation"), pk)
    link = short_link(request, page)
    # segno writes the SVG itself from the link (no user text inside), so it is safe to put in the page as it is.
    qr = mark_safe(segno.make(link, error="m").svg_inline(scale=10, omitsize=True, title=page.code))  # noqa: S308
    context = {"page": page, "link": link, "qr": qr, "may_change": _may_change(request, page)}
    return render(request, "opinions/pages/poster.html", context)


def _may_change(request: HttpRequest, page: IntakePage) -> bool:
    return restrict(IntakePage.objects.filter(pk=page.pk), request.user, Action.CHANGE).exists()


@scoped_view(IntakePage)
def page_set_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a page (it then refuses opinions and says so) or open it again."""
    return form_action(
        request,
        queryset=IntakePage.objects.select_related("organisation"),
        pk=pk,
        form_class=OpenForm,
        service=lambda page, data: services.set_page_open(page=page, actor=request.user, is_open=data["is_open"]),
        success_url=lambda page, result: reverse("opinions:page_poster", kwargs={"pk": page.pk}),
        success_message=_("Saved."),
    )


urlpatterns = [
    path("pages/", page_list, name="pages"),
    path("pages/new/", page_new, name="page_new"),
    path("pages/<id:pk>/", page_poster, name="page_poster"),
    path("pages/<id:pk>/open/", page_set_open, name="page_set_open"),
]
