"""NoticeBreach is built on the shared breach model, accountability.models.BreachRecord
(issue 25): ``staff`` becomes ``responsible`` (still the notice's issuer, still always
named) and ``at`` becomes ``moment`` (still the later request's moment, the violation's
moment), and it gains what every breach records: ``kind`` (one kind), ``detected_at`` and
``department``.

Existing rows keep their values: ``detected_at`` is their moment (a notice breach was
always recorded as the later request was made) and ``department`` the one the sanctions
ingest gave their violations until now, the issuer's, or else the case's. The table is
append-only (a PostgreSQL trigger refuses UPDATE): this conversion is the one change
made to its rows, with the trigger set aside for it. Reversible: going back drops the
new columns and renames the two back.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

TABLE = "intake_noticebreach"


def fill(apps, schema_editor):
    NoticeBreach = apps.get_model("intake", "NoticeBreach")
    OneTimeNotice = apps.get_model("intake", "OneTimeNotice")
    StaffProfile = apps.get_model("accountability", "StaffProfile")
    issuers = StaffProfile.objects.filter(user_id=OuterRef("responsible_id"))
    notices = OneTimeNotice.objects.filter(pk=OuterRef("notice_id"))
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER;")
    NoticeBreach.objects.update(
        detected_at=F("moment"),
        department_id=Coalesce(
            Subquery(issuers.values("department_id")[:1]),
            Subquery(notices.values("case__department_id")[:1]),
        ),
    )
    if postgres:
        # Check the new keys now, so that the table can be altered again in this
        # transaction (no pending trigger events).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER;")


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0012_attachments"),
        ("intake", "0009_appointment_and_pledge_state_machines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="noticebreach", old_name="staff", new_name="responsible"),
        migrations.AlterField(
            model_name="noticebreach",
            name="responsible",
            field=models.ForeignKey(
                help_text="The issuer of the notice that left the material out.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="responsible",
            ),
        ),
        migrations.RenameField(model_name="noticebreach", old_name="at", new_name="moment"),
        migrations.AlterField(
            model_name="noticebreach",
            name="moment",
            field=models.DateTimeField(
                help_text="When the material the notice left out was asked for.",
                verbose_name="at",
            ),
        ),
        migrations.AddField(
            model_name="noticebreach",
            name="kind",
            field=models.CharField(
                choices=[("notice_incomplete", "One-time-notice breach")],
                default="notice_incomplete",
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="noticebreach",
            name="detected_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="recorded at"
            ),
        ),
        migrations.AddField(
            model_name="noticebreach",
            name="department",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.department",
                verbose_name="department",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="noticebreach",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.department",
                verbose_name="department",
            ),
        ),
        migrations.AlterModelOptions(
            name="noticebreach",
            options={
                "ordering": ["-moment", "-id"],
                "verbose_name": "one-time-notice breach",
                "verbose_name_plural": "one-time-notice breaches",
            },
        ),
    ]
