# Time-limit policies say where their figure comes from (issue 20, line 6): a regulation,
# practice beyond the regulations (DOMAIN §10), or a demo value filling a gap the
# regulation leaves. Every version is marked in place, retired ones too: the figure is
# the same, only told truthfully, so clocks that ran under it are marked as well. A policy
# without a regulation is practice; the two defaults whose figure the regulation does not
# give (fixtures/time_limit_policies.json) are demo values and not statutory. Written by
# hand so that it holds only these changes.

from django.db import migrations, models

DEMO_CODES = ("appointment-callback", "leader-instruction")


def mark_bases(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("deadlines", "TimeLimitPolicy")
    TimeLimitPolicy.objects.filter(regulation__isnull=True).update(basis="practice")
    TimeLimitPolicy.objects.filter(code__in=DEMO_CODES).update(basis="demo", is_statutory=False)
    if schema_editor.connection.vendor == "postgresql":
        # No deferred check may be pending when the constraint is added below.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")


def unmark_bases(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("deadlines", "TimeLimitPolicy")
    TimeLimitPolicy.objects.filter(code="leader-instruction").update(is_statutory=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0007_regulations"),
        ("deadlines", "0010_policy_regulation"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelimitpolicy",
            name="basis",
            field=models.CharField(
                choices=[
                    ("regulation", "Regulation"),
                    ("practice", "Practice"),
                    ("demo", "Demo value"),
                ],
                default="regulation",
                help_text=(
                    "Regulation: the regulation sets this figure. Practice or demo value: it "
                    "does not, and every citation of the policy says so."
                ),
                max_length=20,
                verbose_name="basis",
            ),
        ),
        migrations.RunPython(mark_bases, unmark_bases, elidable=False),
        migrations.AddConstraint(
            model_name="timelimitpolicy",
            constraint=models.CheckConstraint(
                condition=models.Q(regulation__isnull=False) | ~models.Q(basis="regulation"),
                name="policy_regulation_basis_names_one",
                violation_error_message=(
                    "A limit without a regulation is practice or a demo value: say which."
                ),
            ),
        ),
    ]
