from django.urls import path

from vanguard.core import job_views

app_name = "core"
urlpatterns = [
    path("jobs/", job_views.job_list, name="jobs"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", job_views.job_progress, name="job_progress"),
]
