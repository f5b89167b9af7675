from django.urls import path

from intake.views import appointments, callback, desk, notices, public, refusals, registration

app_name = "intake"

urlpatterns = [
    path("register/", registration.registration, name="registration"),
    path("register/history/", registration.history, name="history"),
    path("receipt/<str:number>/", registration.receipt, name="receipt"),
    path(
        "receipt/<str:number>/new-secret/",
        registration.receipt_new_secret,
        name="receipt_new_secret",
    ),
    path("status/", public.public_status, name="public_status"),
    path("status/<str:number>/<str:secret>/", public.public_status_link, name="public_status_link"),
    path("status/rate/", public.public_rate, name="public_rate"),
    # Accept with deficiency (容缺受理) and rejection filing (否定备案).
    path("cases/<str:number>/pledge/", desk.pledge_new, name="pledge_new"),
    path("pledges/<int:pk>/", desk.pledge, name="pledge"),
    path("pledges/<int:pk>/kept/", desk.pledge_kept, name="pledge_keep"),
    path("cases/<str:number>/reject/", desk.rejection_new, name="rejection_new"),
    path("rejections/", desk.rejection_register_page, name="rejection_register"),
    path("rejections/<str:number>/", desk.rejection, name="rejection"),
    path(
        "rejections/<str:number>/delivered/",
        desk.rejection_delivered,
        name="rejection_delivered",
    ),
    path(
        "rejections/<str:number>/materials-returned/",
        desk.rejection_materials_returned,
        name="rejection_materials_returned",
    ),
    path("cases/<str:number>/notice/", notices.notice_new, name="notice_new"),
    path("notices/<str:number>/", notices.notice, name="notice"),
    path(
        "cases/<str:number>/material-request/",
        notices.material_request_page,
        name="material_request",
    ),
    # Refusal-phrase flags, for the department head (推诿用语).
    path("refusal-flags/", refusals.refusal_flags, name="refusal_flags"),
    path(
        "refusal-flags/notifications/<int:pk>/open/",
        refusals.refusal_flag_notification_open,
        name="refusal_flag_notification_open",
    ),
    path(
        "refusal-flags/<int:pk>/close/",
        refusals.refusal_flag_close_page,
        name="refusal_flag_close",
    ),
    # Callback and rating after closing (回访, 好差评): the citizen's one-time link, and
    # the staff's forms on the case page.
    path("rate/<str:token>/", callback.rate, name="rate"),
    path(
        "cases/<str:number>/callback/",
        callback.callback_record_page,
        name="callback_record",
    ),
    path("cases/<str:number>/rating-link/", callback.rating_link_page, name="rating_link"),
    path(
        "cases/<str:number>/ratings/<int:pk>/review/",
        callback.rating_review_page,
        name="rating_review",
    ),
    path(
        "cases/<str:number>/ratings/<int:pk>/correct/",
        callback.rating_correct_page,
        name="rating_correct",
    ),
    # Appointments (办事预约).
    path(
        "cases/<str:number>/appointment/",
        appointments.appointment_new,
        name="appointment_new",
    ),
    path("appointments/", appointments.appointments, name="appointments"),
    path(
        "appointments/<int:pk>/<slug:action>/",
        appointments.appointment_act,
        name="appointment_act",
    ),
]
