# Outage obligations point at the register of regulations (issue 19, line 6): the
# free-text `citation` ("seed 003 报告制度 (1)") becomes a regulation and an article.
# Written by hand so that it holds only these changes.

import django.db.models.deletion
from django.db import migrations, models

UNATTRIBUTED = {
    "code": "unattributed",
    "title": "出处待补的规定",
    "note": "数据迁移时未能对应到登记簿中规章的引用;请管理员补正后改指正确的规章。",
}


def convert_citations(apps, schema_editor):
    from accountability.legacy_citations import convert

    Regulation = apps.get_model("accountability", "Regulation")
    Obligation = apps.get_model("outages", "Obligation")
    regulations = {regulation.code: regulation for regulation in Regulation.objects.all()}
    for obligation in Obligation.objects.all():
        code, article = convert(obligation.citation)
        regulation = regulations.get(code) if code else None
        if regulation is None:
            regulation, _created = Regulation.objects.get_or_create(
                code=UNATTRIBUTED["code"], defaults=UNATTRIBUTED
            )
            article = obligation.citation
        obligation.regulation = regulation
        obligation.article = (article or obligation.citation)[:100]
        obligation.save(update_fields=["regulation", "article"])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")


def restore_citations(apps, schema_editor):
    Obligation = apps.get_model("outages", "Obligation")
    for obligation in Obligation.objects.select_related("regulation"):
        obligation.citation = f"《{obligation.regulation.title}》{obligation.article}"[:100]
        obligation.save(update_fields=["citation"])


class Migration(migrations.Migration):

    dependencies = [
        ("accountability", "0007_regulations"),
        ("outages", "0002_default_beat_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="obligation",
            name="regulation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.regulation",
                verbose_name="regulation",
            ),
        ),
        migrations.AddField(
            model_name="obligation",
            name="article",
            field=models.CharField(default="", max_length=100, verbose_name="article"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="obligation",
            name="citation",
            field=models.CharField(blank=True, default="", max_length=100, verbose_name="citation"),
        ),
        migrations.RunPython(convert_citations, restore_citations),
        migrations.AlterField(
            model_name="obligation",
            name="regulation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.regulation",
                verbose_name="regulation",
            ),
        ),
        migrations.RemoveField(model_name="obligation", name="citation"),
    ]
