from django.urls import path

from sanctions.views import decisions, raising, register, violations

app_name = "sanctions"

urlpatterns = [
    path("queue/", violations.queue, name="queue"),
    path("complaints/new/", raising.complaint_new, name="complaint_new"),
    path("findings/new/", raising.finding_new, name="finding_new"),
    path("violations/<int:pk>/", violations.violation_detail, name="violation"),
    path("violations/<int:pk>/propose/<int:responsibility>/", violations.propose, name="propose"),
    path("violations/<int:pk>/<slug:step>/", violations.violation_act, name="violation_act"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision"),
    path("decisions/<int:pk>/notice/", decisions.warning_notice, name="warning_notice"),
    path("decisions/<int:pk>/<slug:step>/", decisions.decision_act, name="decision_act"),
    path("awaiting/", decisions.awaiting, name="awaiting"),
    path("notifications/<int:pk>/open/", decisions.notification_open, name="notification_open"),
    path("register/", register.register, name="register"),
    path("eligibility/", register.eligibility, name="eligibility"),
    path("register/export.<slug:fmt>", register.register_export, name="register_export"),
]
