from django.urls import path
from django.utils.translation import gettext_lazy as _

from accountability.views_coming import coming_page

app_name = "sanctions"

urlpatterns = [
    path(
        "queue/",
        coming_page(
            _("Violation queue"),
            [
                _("Violations raised by overdue clocks, complaints and inspections, to review."),
                _("Assign responsibility and decide sanctions proposed by the rulebook."),
            ],
        ),
        name="queue",
    ),
]
