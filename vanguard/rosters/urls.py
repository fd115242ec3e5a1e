from django.urls import path

from vanguard.rosters import views

app_name = "rosters"
urlpatterns = [
    path("<int:pk>/import/", views.upload, name="upload"),
    path("<int:pk>/export/", views.export, name="export"),
    path("jobs/<int:pk>/commit/", views.commit, name="commit"),
    path("jobs/<int:pk>/problems.xlsx", views.problems, name="problems"),
    path("jobs/<int:pk>/download/", views.download, name="download"),
]
