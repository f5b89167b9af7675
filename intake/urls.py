from django.urls import path

from intake import (
    views,
    views_appointments,
    views_callback,
    views_desk,
    views_notices,
    views_refusals,
)
from intake.views_public import public_rate, public_status, public_status_link

app_name = "intake"

urlpatterns = [
    path("register/", views.registration, name="registration"),
    path("register/history/", views.history, name="history"),
    path("receipt/<str:number>/", views.receipt, name="receipt"),
    path("receipt/<str:number>/new-secret/", views.receipt_new_secret, name="receipt_new_secret"),
    path("status/", public_status, name="public_status"),
    path("status/<str:number>/<str:secret>/", public_status_link, name="public_status_link"),
    path("status/rate/", public_rate, name="public_rate"),
    # Accept with deficiency (容缺受理) and rejection filing (否定备案).
    path("cases/<str:number>/pledge/", views_desk.pledge_new, name="pledge_new"),
    path("pledges/<int:pk>/", views_desk.pledge, name="pledge"),
    path("pledges/<int:pk>/kept/", views_desk.pledge_kept, name="pledge_keep"),
    path("cases/<str:number>/reject/", views_desk.rejection_new, name="rejection_new"),
    path("rejections/", views_desk.rejection_register_page, name="rejection_register"),
    path("rejections/<str:number>/", views_desk.rejection, name="rejection"),
    path(
        "rejections/<str:number>/delivered/",
        views_desk.rejection_delivered,
        name="rejection_delivered",
    ),
    path(
        "rejections/<str:number>/materials-returned/",
        views_desk.rejection_materials_returned,
        name="rejection_materials_returned",
    ),
    path("cases/<str:number>/notice/", views_notices.notice_new, name="notice_new"),
    path("notices/<str:number>/", views_notices.notice, name="notice"),
    path(
        "cases/<str:number>/material-request/",
        views_notices.material_request_page,
        name="material_request",
    ),
    # Refusal-phrase flags, for the department head (推诿用语).
    path("refusal-flags/", views_refusals.refusal_flags, name="refusal_flags"),
    path(
        "refusal-flags/notifications/<int:pk>/open/",
        views_refusals.refusal_flag_notification_open,
        name="refusal_flag_notification_open",
    ),
    path(
        "refusal-flags/<int:pk>/close/",
        views_refusals.refusal_flag_close_page,
        name="refusal_flag_close",
    ),
    # Callback and rating after closing (回访, 好差评): the citizen's one-time link, and
    # the staff's forms on the case page.
    path("rate/<str:token>/", views_callback.rate, name="rate"),
    path(
        "cases/<str:number>/callback/",
        views_callback.callback_record_page,
        name="callback_record",
    ),
    path("cases/<str:number>/rating-link/", views_callback.rating_link_page, name="rating_link"),
    path(
        "cases/<str:number>/ratings/<int:pk>/review/",
        views_callback.rating_review_page,
        name="rating_review",
    ),
    path(
        "cases/<str:number>/ratings/<int:pk>/correct/",
        views_callback.rating_correct_page,
        name="rating_correct",
    ),
    # Appointments (办事预约).
    path(
        "cases/<str:number>/appointment/",
        views_appointments.appointment_new,
        name="appointment_new",
    ),
    path("appointments/", views_appointments.appointments, name="appointments"),
    path(
        "appointments/<int:pk>/<slug:action>/",
        views_appointments.appointment_act,
        name="appointment_act",
    ),
]
