from django.urls import path

from vanguard.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree_page, name="tree"),
    path("search/", views.search, name="search"),
    path("directory/", views.directory, name="directory"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/children/", views.children, name="children"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/new/", views.create_child, name="create_child"),
    path("<id:pk>/move/", views.move, name="move"),
]
