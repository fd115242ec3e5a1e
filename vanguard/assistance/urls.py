"""Assistance at /assistance/ (see assistance.views)."""

from vanguard.assistance import views

app_name = "assistance"
urlpatterns = views.urlpatterns
