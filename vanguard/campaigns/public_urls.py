"""Pages anyone may open without signing in, under /public/: the public briefings (DOMAIN §10)."""

from vanguard.campaigns import notice_views

app_name = "public"

urlpatterns = notice_views.public_urlpatterns
