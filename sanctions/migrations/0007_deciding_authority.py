# The deciding authority (issue 19, line 1): referral fields and the referred state of a
# sanction decision, and the notification that a proposed sanction awaits its decider.
# Written by hand so that it holds only these changes.

import django_fsm
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sanctions", "0006_rulebook_counts_and_undo"),
    ]

    operations = [
        migrations.AddField(
            model_name="sanctiondecision",
            name="referral_outcome",
            field=models.TextField(blank=True, verbose_name="outcome of the referral"),
        ),
        migrations.AddField(
            model_name="sanctiondecision",
            name="referral_outcome_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="outcome of the referral received at"
            ),
        ),
        migrations.AddField(
            model_name="sanctiondecision",
            name="referred_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="referred at"),
        ),
        migrations.AddField(
            model_name="sanctiondecision",
            name="referred_to",
            field=models.CharField(blank=True, max_length=200, verbose_name="referred out to"),
        ),
        migrations.AlterField(
            model_name="decisionevent",
            name="from_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("proposed", "Proposed"),
                    ("approved", "Approved"),
                    ("refused", "Refused"),
                    ("served", "Served"),
                    ("referred", "Referred out"),
                    ("self_criticism_received", "Written self-criticism received"),
                    ("completed", "Completed"),
                ],
                max_length=30,
                verbose_name="from",
            ),
        ),
        migrations.AlterField(
            model_name="decisionevent",
            name="to_state",
            field=models.CharField(
                choices=[
                    ("proposed", "Proposed"),
                    ("approved", "Approved"),
                    ("refused", "Refused"),
                    ("served", "Served"),
                    ("referred", "Referred out"),
                    ("self_criticism_received", "Written self-criticism received"),
                    ("completed", "Completed"),
                ],
                max_length=30,
                verbose_name="to",
            ),
        ),
        migrations.AlterField(
            model_name="sanctiondecision",
            name="state",
            field=django_fsm.FSMField(
                choices=[
                    ("proposed", "Proposed"),
                    ("approved", "Approved"),
                    ("refused", "Refused"),
                    ("served", "Served"),
                    ("referred", "Referred out"),
                    ("self_criticism_received", "Written self-criticism received"),
                    ("completed", "Completed"),
                ],
                default="proposed",
                max_length=30,
                protected=True,
                verbose_name="state",
            ),
        ),
        migrations.AlterField(
            model_name="sanctionnotification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("unit_head_told", "A warning notice was served on your staff"),
                    ("decision_awaiting", "A proposed sanction awaits your decision"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
    ]
