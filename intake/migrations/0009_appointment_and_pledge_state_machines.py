"""Appointments and pledges change state only through their transitions: their state
becomes a protected FSM field, as a case's and a sanction decision's are. The column
stays as it was (a varchar of the same length); only the field's class changes."""

import django_fsm
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0008_callback_rating"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appointment",
            name="state",
            field=django_fsm.FSMField(
                choices=[
                    ("booked", "Booked"),
                    ("called_back", "Called back"),
                    ("kept", "Kept"),
                    ("forfeited", "Forfeited"),
                    ("cancelled", "Cancelled"),
                ],
                default="booked",
                max_length=20,
                protected=True,
                verbose_name="state",
            ),
        ),
        migrations.AlterField(
            model_name="pledge",
            name="state",
            field=django_fsm.FSMField(
                choices=[("open", "Open"), ("kept", "Kept"), ("broken", "Broken")],
                default="open",
                max_length=10,
                protected=True,
                verbose_name="state",
            ),
        ),
    ]
