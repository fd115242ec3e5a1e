"""The voting pages (/b/): a ballot's kiosk page and the link on a sheet's QR code; no login, no JavaScript."""

from vanguard.ballots import public_views

app_name = "ballots_public"

urlpatterns = [*public_views.urlpatterns]
