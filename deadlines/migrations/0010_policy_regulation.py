# Time-limit policies point at the register of regulations (issue 19, line 6): the
# free-text `source` ("seed 003 投诉反馈制度 (1)") becomes a regulation and an article.
# Every version is converted in place, retired ones too: it is the same citation, told
# through the register. Written by hand so that it holds only these changes.

import django.db.models.deletion
from django.db import migrations, models


def convert_sources(apps, schema_editor):
    from accountability.legacy_citations import convert

    Regulation = apps.get_model("accountability", "Regulation")
    TimeLimitPolicy = apps.get_model("deadlines", "TimeLimitPolicy")
    regulations = {regulation.code: regulation for regulation in Regulation.objects.all()}
    for policy in TimeLimitPolicy.objects.all():
        code, article = convert(policy.source)
        policy.regulation = regulations.get(code) if code else None
        policy.article = (article or policy.source)[:200]
        policy.save(update_fields=["regulation", "article"])
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now, before the columns change in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")


def restore_sources(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("deadlines", "TimeLimitPolicy")
    for policy in TimeLimitPolicy.objects.select_related("regulation"):
        title = f"《{policy.regulation.title}》" if policy.regulation else ""
        policy.source = f"{title}{policy.article}"
        policy.save(update_fields=["source"])


class Migration(migrations.Migration):

    dependencies = [
        ("accountability", "0007_regulations"),
        ("deadlines", "0009_case_accused"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelimitpolicy",
            name="regulation",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty only for a practice that no regulation of the register states.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.regulation",
                verbose_name="regulation",
            ),
        ),
        migrations.AddField(
            model_name="timelimitpolicy",
            name="article",
            field=models.CharField(
                default="",
                help_text="The article of the regulation, such as 投诉反馈制度 (1).",
                max_length=200,
                verbose_name="article",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="timelimitpolicy",
            name="source",
            field=models.TextField(blank=True, default="", verbose_name="regulation"),
        ),
        migrations.RunPython(convert_sources, restore_sources),
        migrations.RemoveField(model_name="timelimitpolicy", name="source"),
    ]
