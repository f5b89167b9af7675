# A refusal flag is for the head of the staff member's department (issue 19): the
# department it belongs to, the head's look at it, and the notification of a new flag.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def fill_departments(apps, schema_editor):
    """Existing flags take the staff member's department, or the case's."""
    RefusalFlag = apps.get_model("intake", "RefusalFlag")
    StaffProfile = apps.get_model("accountability", "StaffProfile")
    departments = dict(StaffProfile.objects.values_list("user_id", "department_id"))
    for flag in RefusalFlag.objects.select_related("case"):
        flag.department_id = departments.get(flag.staff_id, flag.case.department_id)
        flag.save(update_fields=["department"])


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0005_api_clients"),
        ("deadlines", "0009_case_accused"),
        ("intake", "0004_notices_pledges_rejections_appointments"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="refusalflag",
            name="department",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.department",
                verbose_name="department",
            ),
        ),
        migrations.RunPython(fill_departments, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="refusalflag",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.department",
                verbose_name="department",
            ),
        ),
        migrations.AddField(
            model_name="refusalflag",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="looked at"),
        ),
        migrations.AddField(
            model_name="refusalflag",
            name="closed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="looked at by",
            ),
        ),
        migrations.AddField(
            model_name="refusalflag",
            name="head_note",
            field=models.TextField(blank=True, verbose_name="head's note"),
        ),
        migrations.AddIndex(
            model_name="refusalflag",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=["department", "at"],
                name="refusal_flag_open",
            ),
        ),
        migrations.CreateModel(
            name="RefusalFlagNotification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                (
                    "flag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="notifications",
                        to="intake.refusalflag",
                        verbose_name="refusal phrase flag",
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="refusal_flag_notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recipient",
                    ),
                ),
            ],
            options={
                "verbose_name": "refusal flag notification",
                "verbose_name_plural": "refusal flag notifications",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("recipient", "flag"), name="refusal_flag_notification_once"
                    )
                ],
            },
        ),
    ]
