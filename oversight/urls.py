from django.urls import path
from django.utils.translation import gettext_lazy as _

from accountability.views_coming import coming_page

app_name = "oversight"

urlpatterns = [
    path(
        "",
        coming_page(_("Dashboard"), [_("Open, at-risk and overdue cases by department.")]),
        name="dashboard",
    ),
]
