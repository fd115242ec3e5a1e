"""Staff and member pages of appraisals (/appraisals/): each view module lists its own routes."""

from vanguard.appraisals import analysis_views, hub_views, peer_views, rules_views, screening_views

app_name = "appraisals"

urlpatterns = [
    *hub_views.urlpatterns,
    *analysis_views.urlpatterns,
    *peer_views.urlpatterns,
    *rules_views.urlpatterns,
    *screening_views.urlpatterns,
]
