from django.urls import path
from django.utils.translation import gettext_lazy as _

from accountability.views_coming import coming_page

app_name = "outages"

urlpatterns = [
    path(
        "",
        coming_page(_("Outages"), [_("Planned works and faults, their reports and notices.")]),
        name="list",
    ),
]
