from django.urls import path

from vanguard.members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/transfer/", views.start_transfer, name="start_transfer"),
    path("<int:pk>/host/", views.set_host, name="set_host"),
    path("new-in/<int:pk>/", views.create, name="create"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
]
