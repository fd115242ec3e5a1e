from django.urls import path

from vanguard.members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/transfer/", views.start_transfer, name="start_transfer"),
    path("<id:pk>/host/", views.set_host, name="set_host"),
    path("new-in/<id:pk>/", views.create, name="create"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<id:pk>/", views.transfer_detail, name="transfer_detail"),
]
