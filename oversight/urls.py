from django.urls import path

from oversight import views, views_exports, views_reports

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.cases, name="cases"),
    path("reports/", views_reports.reports, name="reports"),
    path("reports/produce/", views_reports.reports_produce, name="reports_produce"),
    path("reports/<int:pk>/", views_reports.report, name="report"),
    path("reports/<int:pk>/xlsx/", views_reports.report_xlsx, name="report_xlsx"),
    path("exports/", views_exports.export_list, name="exports"),
    path("exports/start/", views_exports.export_start, name="export_start"),
    path("exports/<int:pk>/", views_exports.export_job, name="export_job"),
    path("exports/<int:pk>/status/", views_exports.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", views_exports.export_download, name="export_download"),
]
