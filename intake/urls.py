from django.urls import path
from django.utils.translation import gettext_lazy as _

from accountability.views_coming import coming_page
from intake.views_public import public_status

app_name = "intake"

urlpatterns = [
    path(
        "register/",
        coming_page(
            _("Registration"),
            [
                _("Register every visit, call, letter and web message (首问登记)."),
                _("Answer, accept, pass on or transfer it, and hand over a receipt."),
                _("Issue the one-time notice of everything the citizen needs."),
            ],
        ),
        name="registration",
    ),
    path("status/", public_status, name="public_status"),
]
