"""Mobile members and their service network at /mobility/ (see mobility.views)."""

from vanguard.mobility import views

app_name = "mobility"
urlpatterns = views.urlpatterns
