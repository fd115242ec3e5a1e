from django.urls import path

from vanguard.accounts import views

app_name = "accounts"
urlpatterns = [
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/unlock/", views.unlock, name="unlock"),
]
