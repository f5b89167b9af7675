# Issue 24: the overdue scan's hot path. Notifications are derived rows and carry no
# foreign-key constraints in the database, nor does a breach's copy of its clock's case
# (deadlines.models.scans says why each key is right by construction); the clock table
# loses the indexes no reader uses on its policy, department and responsible person,
# which the scans' marking UPDATE (never HOT) paid one insert each per clock marked.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0012_attachments"),
        ("deadlines", "0018_case_next_due"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="breach",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="breaches",
                to="deadlines.case",
                verbose_name="case",
            ),
        ),
        migrations.AlterField(
            model_name="clock",
            name="department",
            field=models.ForeignKey(
                db_index=False,
                help_text="Whose business hours count.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="clocks",
                to="accountability.department",
                verbose_name="department",
            ),
        ),
        migrations.AlterField(
            model_name="clock",
            name="policy",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="clocks",
                to="deadlines.timelimitpolicy",
                verbose_name="policy",
            ),
        ),
        migrations.AlterField(
            model_name="clock",
            name="responsible",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Who must act before the deadline; empty: the department's head.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="clocks",
                to=settings.AUTH_USER_MODEL,
                verbose_name="responsible",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="breach",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deadlines.breach",
                verbose_name="breach",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="case",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deadlines.case",
                verbose_name="case",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="clock",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deadlines.clock",
                verbose_name="clock",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="event",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deadlines.caseevent",
                verbose_name="case event",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recipient",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="reminder",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deadlines.reminder",
                verbose_name="reminder notice",
            ),
        ),
    ]
