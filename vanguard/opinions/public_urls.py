"""Public pages of opinions, reached without login: a unit's page (/o/<code>/), receipts, public lists."""

from vanguard.opinions import public_views

app_name = "opinions_public"

urlpatterns = [*public_views.urlpatterns]
