"""Pages of rectification at /rectification/ (object routes take `<id:pk>` only; other ids go in the query)."""

from django.urls import path  # noqa: F401  (each area adds its routes below)

from vanguard.rectification import (
    case_views,
    figure_views,
    hub_views,
    institution_views,
    item_views,
    plan_views,
    register_views,
    remedy_views,
)

app_name = "rectification"

urlpatterns = [
    # Plans and items (plan_views, item_views).
    *hub_views.urlpatterns,
    *plan_views.urlpatterns,
    *item_views.urlpatterns,
    # Cases and the yearly register (case_views, register_views).
    *case_views.urlpatterns,
    *register_views.urlpatterns,
    # Institutions and remedies (institution_views, remedy_views).
    *institution_views.urlpatterns,
    *remedy_views.urlpatterns,
    # Figures (figure_views).
    path("figures/", figure_views.figures_page, name="figures"),
    path("figures/xlsx/", figure_views.figures_xlsx, name="figures_xlsx"),
]
