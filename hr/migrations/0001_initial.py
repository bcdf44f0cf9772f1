"""The HR records and import jobs of the former workplaces app, with their tables (``workplaces_*``).

Only the migration state moves here: the tables were created by workplaces 0001–0007
and keep their rows. ``workplaces`` 0008 removes the models from that app's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

APP = "hr"
MOVED_MODELS = ('employment', 'absencespell', 'importjob', 'importjobfile')


def rename_content_types(apps, schema_editor):
    """Keep the content types (and so the permissions and admin log) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        if not ContentType.objects.filter(app_label=APP, model=model).exists():
            ContentType.objects.filter(app_label="workplaces", model=model).update(app_label=APP)


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=APP, model__in=MOVED_MODELS).update(
        app_label="workplaces"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workplaces", "0007_import_queue"),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Employment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('employment_id', models.CharField(max_length=100, unique=True, verbose_name='employment id')),
                        ('person_id', models.CharField(db_index=True, max_length=100, verbose_name='person id')),
                        ('birth_date', models.DateField(verbose_name='birth date')),
                        ('gender', models.CharField(blank=True, choices=[('K', 'female'), ('M', 'male')], max_length=1, verbose_name='gender')),
                        ('position_pct', models.FloatField(verbose_name='position (%)')),
                        ('start_date', models.DateField(verbose_name='start date')),
                        ('end_date', models.DateField(blank=True, null=True, verbose_name='end date')),
                        ('end_reason', models.CharField(blank=True, choices=[('alderspensjon', 'old-age pension'), ('afp', 'early retirement (AFP)'), ('uforetrygd', 'disability benefit'), ('oppsigelse', 'resignation'), ('dodsfall', 'death'), ('annet', 'other')], max_length=20, verbose_name='end reason')),
                        ('employment_type', models.CharField(choices=[('fast', 'permanent'), ('midlertidig', 'temporary')], default='fast', max_length=20, verbose_name='employment type')),
                        ('job_title', models.CharField(blank=True, max_length=200, verbose_name='job title')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employments', to='org.orgunit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'employment',
                        'verbose_name_plural': 'employments',
                        'db_table': 'workplaces_employment',
                        'ordering': ['employment_id'],
                    },
                ),
                migrations.CreateModel(
                    name='AbsenceSpell',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('absence_id', models.CharField(max_length=100, unique=True, verbose_name='absence id')),
                        ('start_date', models.DateField(verbose_name='start date')),
                        ('end_date', models.DateField(verbose_name='end date')),
                        ('grade_pct', models.FloatField(verbose_name='sick-leave grade (%)')),
                        ('kind', models.CharField(choices=[('egenmeldt', 'self-certified'), ('legemeldt', 'doctor-certified')], max_length=20, verbose_name='kind')),
                        ('employment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='absences', to='hr.employment', verbose_name='employment')),
                    ],
                    options={
                        'verbose_name': 'absence spell',
                        'verbose_name_plural': 'absence spells',
                        'db_table': 'workplaces_absencespell',
                        'ordering': ['absence_id'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('source', models.CharField(choices=[('command', 'command line'), ('web', 'browser upload'), ('api', 'API')], max_length=20, verbose_name='source')),
                        ('status', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('succeeded', 'succeeded'), ('failed', 'failed')], default='running', max_length=20, verbose_name='status')),
                        ('skip_invalid', models.BooleanField(default=False, verbose_name='skip invalid rows')),
                        ('files', models.JSONField(default=list, verbose_name='files')),
                        ('counts', models.JSONField(default=dict, verbose_name='counts')),
                        ('errors', models.JSONField(default=list, verbose_name='errors')),
                        ('first_month_touched', models.DateField(blank=True, null=True, verbose_name='first month touched')),
                        ('recompute_pending', models.BooleanField(default=False, verbose_name='recompute pending')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'HR import',
                        'verbose_name_plural': 'HR imports',
                        'db_table': 'workplaces_importjob',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ImportJobFile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=255, verbose_name='file name')),
                        ('content', models.BinaryField(verbose_name='content')),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='uploads', to='hr.importjob')),
                    ],
                    options={
                        'verbose_name': 'import file',
                        'verbose_name_plural': 'import files',
                        'db_table': 'workplaces_importjobfile',
                        'ordering': ['pk'],
                    },
                ),
                migrations.AddIndex(
                    model_name='employment',
                    index=models.Index(fields=['unit', 'start_date'], name='workplaces__unit_id_3024db_idx'),
                ),
                migrations.AddIndex(
                    model_name='employment',
                    index=models.Index(fields=['person_id', 'start_date'], name='workplaces__person__9079e8_idx'),
                ),
                migrations.AddConstraint(
                    model_name='employment',
                    constraint=models.CheckConstraint(condition=models.Q(('position_pct__gt', 0), ('position_pct__lte', 100)), name='workplaces_employment_position_range'),
                ),
                migrations.AddConstraint(
                    model_name='employment',
                    constraint=models.CheckConstraint(condition=models.Q(('end_date__isnull', True), ('end_date__gte', models.F('start_date')), _connector='OR'), name='workplaces_employment_interval'),
                ),
                migrations.AddIndex(
                    model_name='absencespell',
                    index=models.Index(fields=['employment', 'start_date'], name='workplaces__employm_0411de_idx'),
                ),
                migrations.AddConstraint(
                    model_name='absencespell',
                    constraint=models.CheckConstraint(condition=models.Q(('grade_pct__gt', 0), ('grade_pct__lte', 100)), name='workplaces_absence_grade_range'),
                ),
                migrations.AddConstraint(
                    model_name='absencespell',
                    constraint=models.CheckConstraint(condition=models.Q(('end_date__gte', models.F('start_date'))), name='workplaces_absence_interval'),
                ),
                ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
