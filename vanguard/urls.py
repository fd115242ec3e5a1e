"""Vanguard's URLs: pages per app, the REST API under /api/, admin for superusers only."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from vanguard.assistance.api import FundViewSet, GrantViewSet, PairingViewSet
from vanguard.campaigns.api.views import CampaignUnitViewSet, CampaignViewSet, StepRecordViewSet
from vanguard.commitments.api import CommitmentViewSet
from vanguard.core import views as core_views
from vanguard.exemplars.api import ExemplarViewSet, LectureGroupViewSet, TalkViewSet, TrainingClassViewSet
from vanguard.members.api.views import MemberViewSet
from vanguard.mobility.api import CardViewSet, LostContactViewSet, MobileRecordViewSet, ServicePointViewSet
from vanguard.opinions.api.views import OpinionViewSet, ProblemViewSet
from vanguard.orgs.api.views import OrganisationViewSet
from vanguard.rectification.api.cases import CaseViewSet
from vanguard.rectification.api.figures import RectificationFiguresViewSet
from vanguard.rectification.api.institutions import InstitutionViewSet, RemedyViewSet
from vanguard.rectification.api.items import ItemViewSet, PlanViewSet
from vanguard.study.api import SessionViewSet, StandingViewSet, StudyRecordViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("members", MemberViewSet, basename="member")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("campaign-units", CampaignUnitViewSet, basename="campaign-unit")
router.register("step-records", StepRecordViewSet, basename="step-record")
router.register("opinions", OpinionViewSet, basename="opinion")
router.register("problems", ProblemViewSet, basename="problem")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("weak-organisation-remedies", RemedyViewSet, basename="weak-organisation-remedy")
router.register("rectification-plans", PlanViewSet, basename="rectification-plan")
router.register("rectification-items", ItemViewSet, basename="rectification-item")
router.register("unqualified-cases", CaseViewSet, basename="unqualified-case")
router.register("rectification-figures", RectificationFiguresViewSet, basename="rectification-figures")
router.register("commitments", CommitmentViewSet, basename="commitment")
router.register("study-sessions", SessionViewSet, basename="study-session")
router.register("study-records", StudyRecordViewSet, basename="study-record")
router.register("study-standings", StandingViewSet, basename="study-standing")
router.register("typical-examples", ExemplarViewSet, basename="typical-example")
router.register("lecture-groups", LectureGroupViewSet, basename="lecture-group")
router.register("lecture-talks", TalkViewSet, basename="lecture-talk")
router.register("training-classes", TrainingClassViewSet, basename="training-class")
router.register("mobile-service-bodies", ServicePointViewSet, basename="mobile-service-body")
router.register("mobile-records", MobileRecordViewSet, basename="mobile-record")
router.register("mobile-cards", CardViewSet, basename="mobile-card")
router.register("lost-contact-cases", LostContactViewSet, basename="lost-contact-case")
router.register("assistance-pairings", PairingViewSet, basename="assistance-pairing")
router.register("assistance-funds", FundViewSet, basename="assistance-fund")
router.register("assistance-grants", GrantViewSet, basename="assistance-grant")

urlpatterns = [
    path("", core_views.home, name="home"),
    # The link on a ballot sheet's QR code and the kiosk page: /b/<ballot>/ (public, no login).  Near the top because
    # Django tries the patterns in order, and a vote is the busiest request there is while a ballot is open.
    path("b/", include("vanguard.ballots.public_urls")),
    # Browsers ask for /favicon.ico on their own (and for pages without base.html's <link rel="icon">).
    # Temporary, so a renamed static file (a hashed name after collectstatic) is never cached away.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("vanguard/favicon.ico")), name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("vanguard.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("vanguard.orgs.urls")),
    path("members/", include("vanguard.members.urls")),
    path("rosters/", include("vanguard.rosters.urls")),
    path("meetings/", include("vanguard.meetings.urls")),
    path("campaigns/", include("vanguard.campaigns.urls")),
    # Pages anyone may open without signing in, on purpose (public briefings).
    path("public/", include("vanguard.campaigns.public_urls")),
    path("opinions/", include("vanguard.opinions.urls")),
    # The short link printed on posters: /o/<code>/ (public, no login).
    path("o/", include("vanguard.opinions.public_urls")),
    path("ballots/", include("vanguard.ballots.urls")),
    path("appraisals/", include("vanguard.appraisals.urls")),
    path("a/", include("vanguard.appraisals.public_urls")),
    path("rectification/", include("vanguard.rectification.urls")),
    path("study/", include("vanguard.study.urls")),
    path("exemplars/", include("vanguard.exemplars.urls")),
    # A unit's public rectification page: /r/<code>/ (public, no login).
    path("r/", include("vanguard.rectification.public_urls")),
    # Commitments published to the public: /c/<code>/ (public, no login).
    path("c/", include("vanguard.commitments.public_urls")),
    path("commitments/", include("vanguard.commitments.urls")),
    path("mobility/", include("vanguard.mobility.urls")),
    path("assistance/", include("vanguard.assistance.urls")),
    path("targets/", include("vanguard.targets.urls")),
    path("", include("vanguard.core.urls")),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: our Content-Security-Policy allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
