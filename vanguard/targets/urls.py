"""Target management at /targets/ (see targets.views)."""

from vanguard.targets import views

app_name = "targets"
urlpatterns = views.urlpatterns
