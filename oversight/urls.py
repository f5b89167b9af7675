from django.urls import path

from oversight.views import dashboard, exports, reports

app_name = "oversight"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("cases/", dashboard.cases, name="cases"),
    path("reports/", reports.reports, name="reports"),
    path("reports/produce/", reports.reports_produce, name="reports_produce"),
    path("reports/<int:pk>/", reports.report, name="report"),
    path("reports/<int:pk>/xlsx/", reports.report_xlsx, name="report_xlsx"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/start/", exports.export_start, name="export_start"),
    path("exports/<int:pk>/", exports.export_job, name="export_job"),
    path("exports/<int:pk>/status/", exports.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
