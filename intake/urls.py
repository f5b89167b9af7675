from django.urls import path

from intake import views
from intake.views_public import public_status

app_name = "intake"

urlpatterns = [
    path("register/", views.registration, name="registration"),
    path("register/history/", views.history, name="history"),
    path("receipt/<str:number>/", views.receipt, name="receipt"),
    path("receipt/<str:number>/new-secret/", views.receipt_new_secret, name="receipt_new_secret"),
    path("status/", public_status, name="public_status"),
]
