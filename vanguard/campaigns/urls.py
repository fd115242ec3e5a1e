"""Campaign pages under /campaigns/; the public briefings page is under /public/ (vanguard.urls)."""

from django.urls import path

from vanguard.campaigns import views

app_name = "campaigns"

urlpatterns: list = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<id:pk>/", views.campaign_detail, name="detail"),
    path("units/<id:pk>/", views.unit_detail, name="unit"),
    path("units/<id:pk>/decide/", views.unit_decide, name="unit_decide"),
    path("units/<id:pk>/record/", views.record_step, name="record_step"),
]

from vanguard.campaigns import notice_views, supervision_views  # noqa: E402

urlpatterns += supervision_views.urlpatterns + notice_views.urlpatterns

from vanguard.campaigns import evidence_views  # noqa: E402

urlpatterns += evidence_views.urlpatterns

from vanguard.campaigns import dashboard_views  # noqa: E402

urlpatterns += dashboard_views.urlpatterns

from vanguard.campaigns import template_views  # noqa: E402

urlpatterns += template_views.urlpatterns
