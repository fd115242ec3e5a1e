"""A unit's public rectification page (/r/<code>/): no login."""

from vanguard.rectification import public_views

app_name = "rectification_public"

urlpatterns = [*public_views.urlpatterns]
