# Rules and violation types point at the register of regulations (issue 19, line 6): the
# free-text `citation` ("seed 004 一; 效能违规教育制度 二(一)") becomes a regulation and an
# article. Rules are append-only (a PostgreSQL trigger refuses UPDATE): this conversion
# is the one change made to them, with the trigger set aside for it, because it tells
# the same citation through the register. The explanations stored on decisions are
# rewritten the same way, so that no page shows an internal reference.
# Written by hand so that it holds only these changes.

import json
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

UNATTRIBUTED = {
    "code": "unattributed",
    "title": "出处待补的规定",
    "note": "数据迁移时未能对应到登记簿中规章的引用;请管理员补正后改指正确的规章。",
}


def _file_types():
    """The regulation and article the violation-types file gives each code, if it does."""
    path = Path(settings.BASE_DIR) / "fixtures" / "violation_types.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        row["code"]: (row["regulation"], row["article"])
        for row in data
        if isinstance(row, dict) and row.get("regulation") and row.get("article")
    }


def convert_citations(apps, schema_editor):
    from accountability.legacy_citations import convert

    Regulation = apps.get_model("accountability", "Regulation")
    Rule = apps.get_model("sanctions", "Rule")
    ViolationType = apps.get_model("sanctions", "ViolationType")
    SanctionDecision = apps.get_model("sanctions", "SanctionDecision")
    regulations = {regulation.code: regulation for regulation in Regulation.objects.all()}

    def resolve(citation, preferred=None):
        code, article = preferred or convert(citation)
        regulation = regulations.get(code) if code else None
        if regulation is None:
            if "unattributed" not in regulations:
                regulations["unattributed"], _created = Regulation.objects.get_or_create(
                    code=UNATTRIBUTED["code"], defaults=UNATTRIBUTED
                )
            return regulations["unattributed"], citation[:200]
        return regulation, (article or citation)[:200]

    replaced = {}  # old citation → 《title》article, for the stored explanations
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE sanctions_rule DISABLE TRIGGER sanctions_rule_append_only;")
    for rule in Rule.objects.all():
        rule.regulation, rule.article = resolve(rule.citation)
        replaced[rule.citation] = f"《{rule.regulation.title}》{rule.article}"
        Rule.objects.filter(pk=rule.pk).update(regulation=rule.regulation, article=rule.article)
    if postgres:
        schema_editor.execute("ALTER TABLE sanctions_rule ENABLE TRIGGER sanctions_rule_append_only;")
    from_file = _file_types()
    for violation_type in ViolationType.objects.all():
        violation_type.regulation, violation_type.article = resolve(
            violation_type.citation, from_file.get(violation_type.code)
        )
        replaced[violation_type.citation] = (
            f"《{violation_type.regulation.title}》{violation_type.article}"
        )
        violation_type.save(update_fields=["regulation", "article"])
    # Longest first, so that a citation inside a longer one is not replaced half-way.
    pairs = sorted(((old, new) for old, new in replaced.items() if old), key=lambda p: -len(p[0]))
    for decision in SanctionDecision.objects.filter(explanation__icontains="seed"):
        text = decision.explanation
        for old, new in pairs:
            text = text.replace(old, new)
        if text != decision.explanation:
            SanctionDecision.objects.filter(pk=decision.pk).update(explanation=text)
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")


class Migration(migrations.Migration):

    dependencies = [
        ("accountability", "0007_regulations"),
        ("sanctions", "0007_deciding_authority"),
    ]

    operations = [
        migrations.AddField(
            model_name="rule",
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
            model_name="rule",
            name="article",
            field=models.CharField(default="", max_length=200, verbose_name="article"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="violationtype",
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
            model_name="violationtype",
            name="article",
            field=models.CharField(default="", max_length=200, verbose_name="article"),
            preserve_default=False,
        ),
        migrations.RunPython(convert_citations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="rule",
            name="regulation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.regulation",
                verbose_name="regulation",
            ),
        ),
        migrations.AlterField(
            model_name="violationtype",
            name="regulation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accountability.regulation",
                verbose_name="regulation",
            ),
        ),
        migrations.RemoveField(model_name="rule", name="citation"),
        migrations.RemoveField(model_name="violationtype", name="citation"),
    ]
