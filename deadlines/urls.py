from django.urls import path
from django.utils.translation import gettext_lazy as _

from accountability.views_coming import coming_page

app_name = "deadlines"

urlpatterns = [
    path(
        "mine/",
        coming_page(
            _("My cases"),
            [
                _("The cases you handle, with each time limit and what remains of it."),
                _("Ask for an extension or a suspension, and log every contact with the citizen."),
            ],
        ),
        name="my_cases",
    ),
    path(
        "department/",
        coming_page(
            _("Department dashboard"),
            [
                _("Open, at-risk (yellow) and overdue (red) cases of your department."),
                _("Assign cases, approve extensions and sign off closures."),
            ],
        ),
        name="department_dashboard",
    ),
]
