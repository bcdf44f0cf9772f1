"""History of employments and absence spells (who imported which change), for HR."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# HR views HR records and their history in the administration (read-only there).
CODENAMES = ["view_employment", "view_absencespell"]


def grant(apps, schema_editor):
    # Permissions are created after all migrations; this one needs them now.
    app_config = apps.get_app_config("hr")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr, _ = Group.objects.get_or_create(name="HR")
    hr.permissions.add(
        *Permission.objects.filter(content_type__app_label="hr", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr = Group.objects.filter(name="HR").first()
    if hr:
        hr.permissions.remove(
            *Permission.objects.filter(content_type__app_label="hr", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):

    dependencies = [
        ('hr', '0001_initial'),
        ('org', '0002_hr_unlocks_logins'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalAbsenceSpell',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('absence_id', models.CharField(db_index=True, max_length=100, verbose_name='absence id')),
                ('start_date', models.DateField(verbose_name='start date')),
                ('end_date', models.DateField(verbose_name='end date')),
                ('grade_pct', models.FloatField(verbose_name='sick-leave grade (%)')),
                ('kind', models.CharField(choices=[('egenmeldt', 'self-certified'), ('legemeldt', 'doctor-certified')], max_length=20, verbose_name='kind')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('employment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='hr.employment', verbose_name='employment')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('import_job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='hr.importjob', verbose_name='HR import')),
            ],
            options={
                'verbose_name': 'historical absence spell',
                'verbose_name_plural': 'historical absence spells',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalEmployment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('employment_id', models.CharField(db_index=True, max_length=100, verbose_name='employment id')),
                ('person_id', models.CharField(db_index=True, max_length=100, verbose_name='person id')),
                ('birth_date', models.DateField(verbose_name='birth date')),
                ('gender', models.CharField(blank=True, choices=[('K', 'female'), ('M', 'male')], max_length=1, verbose_name='gender')),
                ('position_pct', models.FloatField(verbose_name='position (%)')),
                ('start_date', models.DateField(verbose_name='start date')),
                ('end_date', models.DateField(blank=True, null=True, verbose_name='end date')),
                ('end_reason', models.CharField(blank=True, choices=[('alderspensjon', 'old-age pension'), ('afp', 'early retirement (AFP)'), ('uforetrygd', 'disability benefit'), ('oppsigelse', 'resignation'), ('dodsfall', 'death'), ('annet', 'other')], max_length=20, verbose_name='end reason')),
                ('employment_type', models.CharField(choices=[('fast', 'permanent'), ('midlertidig', 'temporary')], default='fast', max_length=20, verbose_name='employment type')),
                ('job_title', models.CharField(blank=True, max_length=200, verbose_name='job title')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('import_job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='hr.importjob', verbose_name='HR import')),
                ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'historical employment',
                'verbose_name_plural': 'historical employments',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(grant, revoke),
    ]
