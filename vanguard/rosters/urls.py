from django.urls import path

from vanguard.rosters import views

app_name = "rosters"
urlpatterns = [
    path("<id:pk>/import/", views.upload, name="upload"),
    path("<id:pk>/export/", views.export, name="export"),
    path("jobs/<id:pk>/commit/", views.commit, name="commit"),
    path("jobs/<id:pk>/problems.xlsx", views.problems, name="problems"),
    path("jobs/<id:pk>/download/", views.download, name="download"),
]
