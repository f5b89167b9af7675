from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from accountability import apis as organisation_apis
from accountability import error_pages, restapi_errors, views
from accountability.attachments import views as attachment_views
from deadlines import apis as case_apis
from intake import apis as intake_apis
from outages import apis as outage_apis

# Errors outside the views: the API's clients get its JSON shape, pages the portal's own
# error pages (templates/403.html, 404.html, 500.html).
handler403 = error_pages.permission_denied
handler404 = error_pages.page_not_found
handler500 = restapi_errors.server_error

# The schema and its documentation are public: they describe, they hold no data.
_public = {"permission_classes": [AllowAny], "authentication_classes": [], "throttle_classes": []}

api_v1 = [
    path("cases/", case_apis.CaseListApi.as_view(), name="api-cases"),
    path("service-items/", intake_apis.ServiceItemListApi.as_view(), name="api-service-items"),
    path(
        "departments/",
        organisation_apis.DepartmentListApi.as_view(),
        name="api-departments",
    ),
    path("outages/", outage_apis.OutageListApi.as_view(), name="api-outages"),
]
open311_v2 = [
    path("services.json", intake_apis.Open311ServicesApi.as_view(), name="open311-services"),
    path("requests.json", intake_apis.Open311RequestsApi.as_view(), name="open311-requests"),
    path(
        "requests/<str:number>.json",
        intake_apis.Open311RequestApi.as_view(),
        name="open311-request",
    ),
]

urlpatterns = [
    # Client systems poll the API: its routes come first, so that resolving them does not
    # walk every page's patterns; the case status, polled most, first of all and outside
    # include(), whose nested resolver made resolving it half as costly again.
    path("api/v1/cases/<str:number>/", case_apis.CaseDetailApi.as_view(), name="api-case"),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include(open311_v2)),
    path("api/schema/", SpectacularAPIView.as_view(**_public), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", **_public),
        name="api-docs",
    ),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Unnamed: not a page of the portal (the permission matrix lists pages by name).
    path("favicon.ico", views.favicon),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # Evidence files: opened through a permission check, never as public media.
    path("attachments/<int:pk>/", attachment_views.attachment_open, name="attachment"),
    path(
        "attachments/<int:pk>/supersede/",
        attachment_views.attachment_supersede,
        name="attachment_supersede",
    ),
    path(
        "attachments/add/<str:label>/<int:object_id>/",
        attachment_views.attachment_add,
        name="attachment_add",
    ),
    path("intake/", include("intake.urls")),
    path("cases/", include("deadlines.urls")),
    path("inspection/", include("sanctions.urls")),
    path("outages/", include("outages.urls")),
    path("oversight/", include("oversight.urls")),
    path("admin/", admin.site.urls),
    re_path(r"^(api|open311)/", restapi_errors.not_found),
]
