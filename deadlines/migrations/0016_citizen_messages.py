# Messages to the citizen (issue 23 part 1): templates, messages and their events,
# opt-outs, the citizen's email, suspensions not told as breaches; the message templates
# seeded as data and the beat entries that send held messages and scan suspensions.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from accountability.beat import Entry, schedule_operations

SCHEDULE = [
    Entry(
        "短信补发",
        "deadlines.tasks.send_due_citizen_messages",
        "Send the messages to citizens still owed: held by quiet hours, or a retry lost.",
        every=5,
    ),
    Entry(
        "中止未告知服务对象",
        "deadlines.tasks.scan_suspension_notices",
        "Suspensions with neither a delivered message nor a contact with the citizen logged "
        "by the end of the next working day.",
        every=30,
    ),
]

# (code, name, body, parameters in the providers' order). The provider template codes
# are filled in by the administrator once the templates are registered.
TEMPLATES = [
    (
        "receipt",
        "受理回执",
        "您的诉求已受理，编号{number}，查询码{secret}，承诺办结时间{due}。查询进度：{link}",
        ["number", "secret", "due", "link"],
    ),
    (
        "suspension",
        "办理中止告知",
        "您的诉求{number}需进行{procedure}，地点：{place}，预计至{until}结束。该期间不计入办理时限。",
        ["number", "procedure", "place", "until"],
    ),
    (
        "extension",
        "延期告知",
        "您的诉求{number}经批准延期办理，新的办结时限为{due}。延期原因：{reason}",
        ["number", "due", "reason"],
    ),
    (
        "result",
        "办理结果告知",
        "您的诉求{number}已办结。办理结果：{result}",
        ["number", "result"],
    ),
    (
        "callback",
        "回访评价邀请",
        "您的诉求{number}已办结，请您对本次服务进行评价：{link}",
        ["number", "link"],
    ),
    (
        "outage_start",
        "停水通知",
        "停水通知：{area}因{reason}自{start}起停水，预计{end}恢复供水。",
        ["area", "reason", "start", "end"],
    ),
    (
        "outage_restored",
        "恢复供水通知",
        "恢复供水：{area}已于{restored}恢复供水。",
        ["area", "restored"],
    ),
]


def seed_templates(apps, schema_editor):
    template = apps.get_model("deadlines", "MessageTemplate")
    for code, name, body, params in TEMPLATES:
        template.objects.get_or_create(
            code=code, defaults={"name": name, "body": body, "param_names": params}
        )


def drop_templates(apps, schema_editor):
    apps.get_model("deadlines", "MessageTemplate").objects.filter(
        code__in=[code for code, *_ in TEMPLATES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0015_case_search_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CitizenMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=120, unique=True, verbose_name='key')),
                ('kind', models.CharField(choices=[('receipt', 'Receipt'), ('suspension', 'Suspension'), ('extension', 'Extension'), ('result', 'Result'), ('callback', 'Callback request'), ('outage_start', 'Outage start'), ('outage_restored', 'Supply restored')], max_length=20, verbose_name='kind')),
                ('channel', models.CharField(choices=[('sms', 'Text message'), ('email', 'Email')], max_length=10, verbose_name='channel')),
                ('to', models.CharField(max_length=254, verbose_name='to')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                ('sealed', models.TextField(blank=True, editable=False, verbose_name='sealed parameters')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('not_before', models.DateTimeField(default=django.utils.timezone.now, verbose_name='not before')),
            ],
            options={
                'verbose_name': 'message to the citizen',
                'verbose_name_plural': 'messages to citizens',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='MessageEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('attempt', 'Sending'), ('error', 'Attempt failed, to be retried'), ('sent', 'Sent'), ('delivered', 'Delivered'), ('failed', 'Failed')], max_length=20, verbose_name='status')),
                ('attempt', models.PositiveSmallIntegerField(default=0, verbose_name='attempt')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                ('provider_ref', models.CharField(blank=True, max_length=100, verbose_name='provider reference')),
                ('detail', models.CharField(blank=True, max_length=500, verbose_name='detail')),
            ],
            options={
                'verbose_name': 'message event',
                'verbose_name_plural': 'message events',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='MessageOptOut',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.CharField(max_length=254, unique=True, verbose_name='phone or email')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
            ],
            options={
                'verbose_name': 'message opt-out',
                'verbose_name_plural': 'message opt-outs',
                'ordering': ['address'],
            },
        ),
        migrations.CreateModel(
            name='MessageTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('body', models.TextField(help_text='The message text, with parameters in braces, such as {number}.', verbose_name='text')),
                ('param_names', models.JSONField(blank=True, default=list, help_text="The parameters in the order the provider's template numbers them.", verbose_name='parameters')),
                ('alibaba_code', models.CharField(blank=True, max_length=40, verbose_name='Alibaba Cloud template code')),
                ('tencent_id', models.CharField(blank=True, max_length=40, verbose_name='Tencent Cloud template ID')),
                ('active', models.BooleanField(default=True, verbose_name='active')),
            ],
            options={
                'verbose_name': 'message template',
                'verbose_name_plural': 'message templates',
                'ordering': ['code'],
            },
        ),
        migrations.AddField(
            model_name='breach',
            name='suspension',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='breaches', to='deadlines.suspension', verbose_name='suspension'),
        ),
        migrations.AddField(
            model_name='case',
            name='citizen_email',
            field=models.EmailField(blank=True, max_length=254, verbose_name="citizen's email"),
        ),
        migrations.AlterField(
            model_name='breach',
            name='kind',
            field=models.CharField(choices=[('overdue', 'Deadline missed'), ('extension_not_told', 'Extension not told to the citizen'), ('suspension_not_told', 'Suspension not told to the citizen')], max_length=30, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('warning', 'Yellow card: a deadline is near'), ('overdue', 'Red card: a deadline was missed'), ('extension_not_told', 'An extension was not told to the citizen'), ('suspension_not_told', 'A suspension was not told to the citizen'), ('reminder', 'Reminder notice'), ('circulation', 'Reminder notice circulated'), ('handed_over', 'A case was given to you'), ('arrived', 'A case was registered for your department'), ('transfer_awaiting', 'A transfer awaits your acceptance'), ('transfer_returned', 'A transfer was returned'), ('extension_awaiting', 'An extension awaits your decision'), ('escalated', 'A case was reported to you'), ('supervising', 'You were named supervisor of a case'), ('sign_off_awaiting', 'A resolved case awaits your sign-off'), ('sent_back', 'A case was sent back to you')], max_length=30, verbose_name='kind'),
        ),
        migrations.AddConstraint(
            model_name='breach',
            constraint=models.UniqueConstraint(condition=models.Q(('suspension__isnull', False)), fields=('suspension',), name='breach_once_per_suspension'),
        ),
        migrations.AddField(
            model_name='citizenmessage',
            name='case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='deadlines.case', verbose_name='case'),
        ),
        migrations.AddField(
            model_name='citizenmessage',
            name='clock',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='deadlines.clock', verbose_name='clock'),
        ),
        migrations.AddField(
            model_name='citizenmessage',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by'),
        ),
        migrations.AddField(
            model_name='citizenmessage',
            name='extension',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='deadlines.extensionrequest', verbose_name='extension'),
        ),
        migrations.AddField(
            model_name='citizenmessage',
            name='suspension',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='deadlines.suspension', verbose_name='suspension'),
        ),
        migrations.AddField(
            model_name='messageevent',
            name='message',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='deadlines.citizenmessage', verbose_name='message'),
        ),
        migrations.AddField(
            model_name='citizenmessage',
            name='template',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='deadlines.messagetemplate', verbose_name='template'),
        ),
        migrations.AddIndex(
            model_name='messageevent',
            index=models.Index(fields=['message', 'id'], name='message_event_order'),
        ),
        migrations.AddIndex(
            model_name='messageevent',
            index=models.Index(condition=models.Q(('status', 'sent')), fields=['provider_ref'], name='message_event_provider_ref'),
        ),
        migrations.AddConstraint(
            model_name='messageevent',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'attempt')), fields=('message', 'attempt'), name='message_one_claim_per_attempt'),
        ),
        migrations.AddConstraint(
            model_name='messageevent',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'sent')), fields=('message',), name='message_sent_once'),
        ),
        migrations.AddConstraint(
            model_name='messageevent',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['delivered', 'failed'])), fields=('message',), name='message_settled_once'),
        ),
        migrations.AddIndex(
            model_name='citizenmessage',
            index=models.Index(fields=['not_before', 'id'], name='message_not_before'),
        ),
        migrations.RunPython(seed_templates, drop_templates),
        migrations.RunPython(*schedule_operations(SCHEDULE)),
    ]
