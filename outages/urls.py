from django.urls import path

from outages import views

app_name = "outages"

urlpatterns = [
    path("", views.outage_list_page, name="list"),
    path("new/", views.outage_new, name="new"),
    path("public/", views.public, name="public"),
    path("offered/", views.offered, name="offered"),
    path("<int:pk>/", views.outage_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.outage_action, name="action"),
]
