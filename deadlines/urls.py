from django.urls import path

from deadlines.views import cases, messages, notifications

app_name = "deadlines"

urlpatterns = [
    path("mine/", cases.my_cases, name="my_cases"),
    path("department/", cases.department_cases, name="department_cases"),
    # Before the case number pattern, which would take these paths too.
    path("search/", cases.case_search_page, name="search"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path(
        "notifications/<int:pk>/open/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "messages/receipts/<slug:provider>/",
        messages.message_receipts,
        name="message_receipts",
    ),
    path("reminders/<int:pk>/", notifications.reminder_detail, name="reminder_detail"),
    path("<str:number>/", cases.case_detail, name="case_detail"),
    path("<str:number>/<slug:action>/", cases.case_act, name="case_act"),
]
