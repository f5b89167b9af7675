from django.urls import path

from sanctions import views, views_register

app_name = "sanctions"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("violations/<int:pk>/", views.violation_detail, name="violation"),
    path("violations/<int:pk>/propose/<int:responsibility>/", views.propose, name="propose"),
    path("violations/<int:pk>/<slug:step>/", views.violation_act, name="violation_act"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("decisions/<int:pk>/notice/", views.warning_notice, name="warning_notice"),
    path("decisions/<int:pk>/<slug:step>/", views.decision_act, name="decision_act"),
    path("register/", views.register, name="register"),
    path("register/export.<slug:fmt>", views_register.register_export, name="register_export"),
]
