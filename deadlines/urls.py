from django.urls import path

from deadlines import views, views_messages, views_notifications

app_name = "deadlines"

urlpatterns = [
    path("mine/", views.my_cases, name="my_cases"),
    path("department/", views.department_cases, name="department_cases"),
    # Before the case number pattern, which would take these paths too.
    path("search/", views.case_search_page, name="search"),
    path("notifications/", views_notifications.notifications, name="notifications"),
    path("notifications/read/", views_notifications.notifications_read, name="notifications_read"),
    path(
        "notifications/<int:pk>/open/",
        views_notifications.notification_open,
        name="notification_open",
    ),
    path(
        "messages/receipts/<slug:provider>/",
        views_messages.message_receipts,
        name="message_receipts",
    ),
    path("reminders/<int:pk>/", views_notifications.reminder_detail, name="reminder_detail"),
    path("<str:number>/", views.case_detail, name="case_detail"),
    path("<str:number>/<slug:action>/", views.case_act, name="case_act"),
]
