# Placeholder created by the lead so that parallel work keeps one migration chain; the
# organisation settings (the name, letterhead and seal caption of the printed papers).
import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0010_department_handles_cases"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganisationProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("singleton", models.BooleanField(default=True, editable=False, unique=True)),
                (
                    "name",
                    models.CharField(
                        default="某某市自来水有限公司",
                        help_text="As registered, such as 某某市自来水有限公司; heads every printed paper.",
                        max_length=200,
                        verbose_name="full name",
                    ),
                ),
                (
                    "short_name",
                    models.CharField(
                        default="自来水公司", max_length=60, verbose_name="short name"
                    ),
                ),
                ("address", models.CharField(blank=True, max_length=200, verbose_name="address")),
                (
                    "postcode",
                    models.CharField(
                        blank=True,
                        max_length=6,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\d{6}$", "A postcode has six digits."
                            )
                        ],
                        verbose_name="postcode",
                    ),
                ),
                (
                    "hotline",
                    models.CharField(blank=True, max_length=40, verbose_name="service hotline"),
                ),
                ("website", models.CharField(blank=True, max_length=200, verbose_name="website")),
                (
                    "letterhead_extra",
                    models.TextField(
                        blank=True,
                        help_text="Printed under the address line, one a line (a fax number, an email).",
                        verbose_name="further letterhead lines",
                    ),
                ),
                (
                    "seal_caption",
                    models.CharField(
                        blank=True,
                        help_text="Where the papers are sealed, such as 某某市自来水有限公司（盖章）; empty: the full name followed by （盖章）.",
                        max_length=200,
                        verbose_name="seal caption",
                    ),
                ),
            ],
            options={
                "verbose_name": "organisation settings",
                "verbose_name_plural": "organisation settings",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("singleton", True)), name="organisation_singleton"
                    )
                ],
            },
        ),
    ]
