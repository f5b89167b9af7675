# The dashboard's live counts and callback figures read from indexes of their own (issue 24:
# oversight.selectors.dashboard._open_now, intake.selectors.callback.callback_clocks).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0012_attachments"),
        ("deadlines", "0020_lookup_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    (
                        "state__in",
                        (
                            "accepted",
                            "awaiting_transfer",
                            "in_progress",
                            "registered",
                            "reopened",
                            "resolved",
                            "suspended",
                        ),
                    )
                ),
                fields=["department", "service_item_code", "matter_kind"],
                include=("next_due_at", "first_warn_at"),
                name="case_open_figures",
            ),
        ),
        migrations.AddIndex(
            model_name="clock",
            index=models.Index(
                condition=models.Q(("kind", "follow_up")),
                fields=["started_at"],
                include=("case",),
                name="clock_follow_up_started",
            ),
        ),
    ]
