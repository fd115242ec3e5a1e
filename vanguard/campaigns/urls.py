"""Campaign pages under /campaigns/; the public briefings page is under /public/ (vanguard.urls)."""

from django.urls import path  # noqa: F401

app_name = "campaigns"

urlpatterns: list = []
