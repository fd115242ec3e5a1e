"""Staff pages of ballots (/ballots/): each view module lists its own routes."""

from vanguard.ballots import ballot_views, paper_views, question_views, results_views, sample_views, sheet_views

app_name = "ballots"

urlpatterns = [
    *ballot_views.urlpatterns,
    *paper_views.urlpatterns,
    *results_views.urlpatterns,
    *sheet_views.urlpatterns,
    *sample_views.urlpatterns,
    *question_views.urlpatterns,
]
