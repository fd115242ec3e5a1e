from django.urls import path

from vanguard.accounts import views

app_name = "accounts"
urlpatterns = [
    path("lockouts/", views.lockout_list, name="lockouts"),
    path("lockouts/unlock/", views.unlock, name="unlock"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("people/", views.people, name="people"),
    path("people/reset/", views.reset_password, name="reset_password"),
    path("people/deactivate/", views.deactivate, name="deactivate"),
    path("import/", views.import_accounts, name="import"),
    path("organisations/<id:pk>/roles/", views.organisation_roles, name="organisation_roles"),
]
