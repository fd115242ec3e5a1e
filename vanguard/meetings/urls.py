from django.urls import path

from vanguard.meetings import views

app_name = "meetings"

urlpatterns = [
    path("of/<id:pk>/", views.meeting_list, name="list"),
    path("new-in/<id:pk>/", views.create, name="create"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/files/", views.add_files, name="add_files"),
    path("files/<id:pk>/", views.download, name="download"),
]
