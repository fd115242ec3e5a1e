"""Staff pages of opinions: each views module declares its own patterns (intake, problems, tables, monitoring)."""

from vanguard.opinions import intake_views, monitoring_views, page_views, problem_views, tables_views

app_name = "opinions"

urlpatterns = [
    *intake_views.urlpatterns,
    *page_views.urlpatterns,
    *problem_views.urlpatterns,
    *tables_views.urlpatterns,
    *monitoring_views.urlpatterns,
]
