"""Pages of commitments at /commitments/."""

from vanguard.commitments import views

app_name = "commitments"

urlpatterns = [*views.urlpatterns]
