"""Self-analyses published (公示) to the public (/a/): read and comment without login."""

from vanguard.appraisals import public_views

app_name = "appraisals_public"

urlpatterns = [*public_views.urlpatterns]
