"""Pages of notices (通知) and briefings (简报), and the public briefings page (no sign-in, `public_urls`)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from vanguard.accounts.scoping import restrict
from vanguard.campaigns import notices
from vanguard.campaigns.models import Briefing, Campaign, CampaignStatus, Notice, Visibility
from vanguard.core import tree
from vanguard.core.views import apply_service, scoped_view
from vanguard.orgs.models import Kind, Organisation

PAGE_SIZE = 50


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, organisation: Organisation) -> str:
        return organisation.name


class CampaignChoice(forms.ModelChoiceField):
    def label_from_instance(self, campaign: Campaign) -> str:
        return campaign.name


class _FromOfficeForm(forms.Form):
    organisation = OrganisationChoice(label=gettext_lazy("From"), queryset=Organisation.objects.none())
    campaign = CampaignChoice(label=gettext_lazy("Campaign"), queryset=Campaign.objects.none(), required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        senders = notices.sender_organisations(user)
        self.fields["organisation"].queryset = senders
        if len(senders[:2]) == 1:
            self.fields["organisation"].initial = senders[0]
        self.fields["campaign"].queryset = restrict(Campaign.objects.exclude(status=CampaignStatus.CLOSED), user)


class NoticeForm(_FromOfficeForm):
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Only to these kinds of organisation"),
        help_text=gettext_lazy("None ticked: every organisation below."),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class BriefingForm(_FromOfficeForm):
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), choices=Visibility.choices, initial=Visibility.INTERNAL
    )


def _form_page(
    request: HttpRequest, form_class, service: Callable, *, title: str, back: str, done: str, url_name: str
) -> HttpResponse:
    if not notices.sender_organisations(request.user).exists():
        raise Http404
    form = form_class(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        made = apply_service(form, lambda: service(actor=request.user, **form.cleaned_data))
        if made is not None:
            messages.success(request, done)
            return redirect(url_name, pk=made.pk)
    return render(request, "campaigns/notices/form.html", {"form": form, "title": title, "back": back})


# --- notices ------------------------------------------------------------------------------------------------


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices.my_notices(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "sent": notices.sent_notices(request.user)[:PAGE_SIZE],
        "may_send": notices.sender_organisations(request.user).exists(),
    }
    return render(request, "campaigns/notices/list.html", context)


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        NoticeForm,
        notices.send_notice,
        title=_("Send a notice"),
        back="campaigns:notices",
        done=_("Notice sent."),
        url_name="campaigns:notice_receipts",
    )


@scoped_view(Notice)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notice is reading it: the reader's organisations are marked as having read it."""
    notice = get_object_or_404(notices.visible_notices(request.user), pk=pk)
    if request.method != "GET":
        raise Http404
    notices.mark_read(notice=notice, user=request.user)
    context = {"notice": notice, "may_follow": notices.may_follow(request.user, notice)}
    return render(request, "campaigns/notices/detail.html", context)


@scoped_view(Notice)
def notice_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    """Who has read the notice, per child subtree of the sender (or of `?within=`), and who has not."""
    notice = get_object_or_404(notices.sent_notices(request.user), pk=pk)
    within = notice.organisation
    if request.GET.get("within"):
        try:
            within = Organisation.objects.get(pk=int(request.GET["within"]))
        except (ValueError, Organisation.DoesNotExist):
            raise Http404 from None
        if not tree.is_within(within.path, notice.org_path):
            raise Http404
    counts = notices.read_counts(notice, within)
    own = notices.own_receipt(notice, within) if within.pk != notice.organisation_id else None
    total = sum(c.total for c in counts) + (1 if own else 0)
    read = sum(c.read for c in counts) + (1 if own and own.read_at else 0)
    trail = Organisation.objects.filter(
        path__in=[p for p in tree.ancestor_paths(within.path) if tree.is_within(p, notice.org_path)]
    ).order_by("path")
    context = {
        "notice": notice,
        "within": within,
        "trail": trail,
        "counts": counts,
        "own": own,
        "total": total,
        "read": read,
        "unread": total - read,
        "unread_organisations": notices.unread_organisations(notice, within),
    }
    return render(request, "campaigns/notices/receipts.html", context)


# --- briefings ----------------------------------------------------------------------------------------------


@login_required
def briefing_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices.visible_briefings(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "may_publish": notices.sender_organisations(request.user).exists()}
    return render(request, "campaigns/briefings/list.html", context)


@login_required
def briefing_new(request: HttpRequest) -> HttpResponse:
    return _form_page(
        request,
        BriefingForm,
        notices.publish_briefing,
        title=_("Publish a briefing"),
        back="campaigns:briefings",
        done=_("Briefing published."),
        url_name="campaigns:briefing",
    )


@scoped_view(Briefing)
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = get_object_or_404(notices.visible_briefings(request.user), pk=pk)
    if request.method != "GET":
        raise Http404
    return render(request, "campaigns/briefings/detail.html", {"briefing": briefing, "public": False})


# --- public -------------------------------------------------------------------------------------------------


def public_view(model) -> Callable:
    """A page anyone may open without signing in, on purpose: only rows published as public are reachable.

    `scoped_model` lets the permission walk try a sibling district's internal
    row on it (which must be a 404 like everywhere else); `public_page` says
    that the page shows the whole city's public rows to anyone.
    """

    def decorate(view: Callable) -> Callable:
        view = require_GET(view)
        view.scoped_model = model
        view.public_page = True
        return view

    return decorate


@require_GET
def public_briefing_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notices.public_briefings(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "campaigns/briefings/public_list.html", {"page": page})


public_briefing_list.public_page = True


@public_view(Briefing)
def public_briefing(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = get_object_or_404(notices.public_briefings(), pk=pk)
    return render(request, "campaigns/briefings/detail.html", {"briefing": briefing, "public": True})


urlpatterns = [
    path("notices/", notice_list, name="notices"),
    path("notices/new/", notice_new, name="notice_new"),
    path("notices/<id:pk>/", notice_detail, name="notice"),
    path("notices/<id:pk>/receipts/", notice_receipts, name="notice_receipts"),
    path("briefings/", briefing_list, name="briefings"),
    path("briefings/new/", briefing_new, name="briefing_new"),
    path("briefings/<id:pk>/", briefing_detail, name="briefing"),
]

public_urlpatterns = [
    path("briefings/", public_briefing_list, name="briefings"),
    path("briefings/<id:pk>/", public_briefing, name="briefing"),
]
