# Evidence files (issue 23, part 3): accountability.attachments.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import accountability.attachments.models


class Migration(migrations.Migration):
    dependencies = [
        ("accountability", "0011_organisation_settings"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_id', models.PositiveBigIntegerField(verbose_name='record id')),
                ('file', models.FileField(blank=True, max_length=255, storage=accountability.attachments.models.evidence_storage, upload_to=accountability.attachments.models.evidence_path, verbose_name='file')),
                ('original_name', models.CharField(blank=True, max_length=255, verbose_name='file name')),
                ('media_type', models.CharField(blank=True, max_length=100, verbose_name='file type')),
                ('size', models.PositiveBigIntegerField(default=0, verbose_name='size in bytes')),
                ('sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256')),
                ('reference', models.CharField(blank=True, help_text='Where a recording is kept: the system, the line and the time of the call.', max_length=300, verbose_name='recording reference')),
                ('note', models.TextField(blank=True, verbose_name='note')),
                ('protected', models.BooleanField(default=True, help_text="Shown only to whom may see the complainant's identity; the staff complained about never see it.", verbose_name='identifies the complainant')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added at')),
                ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by')),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype', verbose_name='record type')),
                ('supersedes', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='accountability.attachment', verbose_name='supersedes')),
            ],
            options={
                'verbose_name': 'attachment',
                'verbose_name_plural': 'attachments',
                'ordering': ['added_at', 'id'],
                'indexes': [models.Index(fields=['content_type', 'object_id', 'added_at'], name='attachment_target')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(models.Q(('file', ''), _negated=True), models.Q(('sha256', ''), _negated=True), ('size__gt', 0), ('reference', '')), models.Q(('file', ''), ('sha256', ''), ('size', 0), models.Q(('reference', ''), _negated=True)), _connector='OR'), name='attachment_file_or_reference')],
            },
        ),
    ]
