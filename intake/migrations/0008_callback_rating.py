"""Callback and rating after closing (回访, 好差评): rating links, ratings and their
corrections, callback calls, the head's review of a poor grade; and the beat entry that
issues the callback requests (intake.tasks.send_callback_requests)."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "办结回访请求",
        "intake.tasks.send_callback_requests",
        "Issue a one-time rating link for each case whose callback after closing is "
        "owed and hand it to the callback-request message.",
        every=5,
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0004_callback_clock_and_front_desk_steps"),
        ("intake", "0007_materials_returned_as_a_row_of_its_own"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RatingLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "token_digest",
                    models.CharField(
                        editable=False, max_length=64, unique=True, verbose_name="token digest"
                    ),
                ),
                (
                    "issued_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="issued at"
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("used_at", models.DateTimeField(blank=True, null=True, verbose_name="used at")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rating_links",
                        to="deadlines.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "clock",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="deadlines.clock",
                        verbose_name="callback time limit",
                    ),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when the system issued it with the callback message.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="issued by",
                    ),
                ),
            ],
            options={
                "verbose_name": "rating link",
                "verbose_name_plural": "rating links",
            },
        ),
        migrations.CreateModel(
            name="Rating",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "grade",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (5, "Very satisfied"),
                            (4, "Satisfied"),
                            (3, "Fair"),
                            (2, "Dissatisfied"),
                            (1, "Very dissatisfied"),
                        ],
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(5),
                        ],
                        verbose_name="grade",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("link", "By the citizen through the rating link"),
                            ("call", "From the callback call"),
                            ("correction", "Correction of a mistaken grade"),
                        ],
                        max_length=20,
                        verbose_name="how it was given",
                    ),
                ),
                ("comment", models.TextField(blank=True, verbose_name="citizen's comment")),
                (
                    "correction_reason",
                    models.TextField(blank=True, verbose_name="why the grade was mistaken"),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ratings",
                        to="deadlines.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "clock",
                    models.ForeignKey(
                        blank=True,
                        help_text="The callback this grade answers (one for each closing).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="deadlines.clock",
                        verbose_name="callback time limit",
                    ),
                ),
                (
                    "corrects",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="correction",
                        to="intake.rating",
                        verbose_name="corrects",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when the citizen rated through the link.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "link",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rating",
                        to="intake.ratinglink",
                        verbose_name="rating link",
                    ),
                ),
            ],
            options={
                "verbose_name": "satisfaction rating",
                "verbose_name_plural": "satisfaction ratings",
                "ordering": ["at", "id"],
            },
        ),
        migrations.CreateModel(
            name="RatingReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit_at_fault", models.BooleanField(verbose_name="the unit's fault")),
                ("reason", models.TextField(verbose_name="reason")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "rating",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="review",
                        to="intake.rating",
                        verbose_name="rating",
                    ),
                ),
            ],
            options={
                "verbose_name": "poor-grade review",
                "verbose_name_plural": "poor-grade reviews",
            },
        ),
        migrations.CreateModel(
            name="CallbackCall",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("rated", "Reached; the citizen gave a grade"),
                            ("declined", "Reached; the citizen declined to rate"),
                            ("not_reached", "Not reached"),
                        ],
                        max_length=20,
                        verbose_name="outcome",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="callback_calls",
                        to="deadlines.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "clock",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="deadlines.clock",
                        verbose_name="callback time limit",
                    ),
                ),
                (
                    "rating",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="call",
                        to="intake.rating",
                        verbose_name="grade given",
                    ),
                ),
            ],
            options={
                "verbose_name": "callback call",
                "verbose_name_plural": "callback calls",
                "ordering": ["at", "id"],
                "indexes": [models.Index(fields=["case", "at"], name="callback_call_case_at")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("outcome", "rated"), ("rating__isnull", False)),
                            models.Q(
                                models.Q(("outcome", "rated"), _negated=True),
                                ("rating__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="callback_call_rated_has_rating",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="ratinglink",
            index=models.Index(fields=["case", "issued_at"], name="rating_link_case"),
        ),
        migrations.AddConstraint(
            model_name="ratinglink",
            constraint=models.CheckConstraint(
                condition=models.Q(("expires_at__gt", models.F("issued_at"))),
                name="rating_link_expires_after_issue",
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(fields=["case", "at"], name="rating_case_at"),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.CheckConstraint(
                condition=models.Q(("grade__gte", 1), ("grade__lte", 5)),
                name="rating_grade_one_to_five",
            ),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.UniqueConstraint(
                condition=models.Q(("corrects__isnull", False)),
                fields=("case",),
                name="rating_one_correction_per_case",
                violation_error_message="A grade on this case has been corrected already.",
            ),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("corrects__isnull", True),
                    models.Q(("correction_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="rating_correction_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="ratingreview",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason", ""), _negated=True), name="rating_review_has_reason"
            ),
        ),
        migrations.RunPython(*schedule_operations(SCHEDULE)),
    ]
