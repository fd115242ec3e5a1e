"""Typical examples, lecture groups and training classes at /exemplars/ (see exemplars.views)."""

from vanguard.exemplars import views

app_name = "exemplars"
urlpatterns = views.urlpatterns
