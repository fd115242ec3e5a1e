"""Study's pages at /study/ (see study.views)."""

from vanguard.study import views

app_name = "study"
urlpatterns = views.urlpatterns
