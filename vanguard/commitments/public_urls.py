"""Commitments published (公示) to the public (/c/): read and rate without login."""

from vanguard.commitments import public_views

app_name = "commitments_public"

urlpatterns = [*public_views.urlpatterns]
