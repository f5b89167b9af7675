from django.urls import path

from sanctions import views, views_raise, views_register

app_name = "sanctions"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("complaints/new/", views_raise.complaint_new, name="complaint_new"),
    path("findings/new/", views_raise.finding_new, name="finding_new"),
    path("violations/<int:pk>/", views.violation_detail, name="violation"),
    path("violations/<int:pk>/propose/<int:responsibility>/", views.propose, name="propose"),
    path("violations/<int:pk>/<slug:step>/", views.violation_act, name="violation_act"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("decisions/<int:pk>/notice/", views.warning_notice, name="warning_notice"),
    path("decisions/<int:pk>/<slug:step>/", views.decision_act, name="decision_act"),
    path("awaiting/", views.awaiting, name="awaiting"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("register/", views.register, name="register"),
    path("eligibility/", views.eligibility, name="eligibility"),
    path("register/export.<slug:fmt>", views_register.register_export, name="register_export"),
]
