"""The org units, their closure and role assignments of the former workplaces app, with their tables (``workplaces_*``).

Only the migration state moves here: the tables were created by workplaces 0001–0007
and keep their rows. ``workplaces`` 0008 removes the models from that app's state.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

APP = "org"
MOVED_MODELS = ('orgunit', 'orgunitclosure', 'roleassignment', 'historicalorgunit', 'historicalroleassignment')


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
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OrgUnit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=50, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('level', models.CharField(choices=[('kommune', 'municipality'), ('tjenesteomrade', 'service area'), ('virksomhet', 'enterprise'), ('avdeling', 'department')], max_length=20, verbose_name='level')),
                        ('shift_based', models.BooleanField(default=False, help_text='Turnus-based unit.', verbose_name='shift-based')),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='org.orgunit', verbose_name='parent unit')),
                    ],
                    options={
                        'verbose_name': 'org unit',
                        'verbose_name_plural': 'org units',
                        'db_table': 'workplaces_orgunit',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalRoleAssignment',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('role', models.CharField(choices=[('leader', 'leader'), ('representative', 'employee representative')], max_length=20, verbose_name='role')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                        ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'historical role assignment',
                        'verbose_name_plural': 'historical role assignments',
                        'db_table': 'workplaces_historicalroleassignment',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalOrgUnit',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('code', models.CharField(db_index=True, max_length=50, verbose_name='code')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('level', models.CharField(choices=[('kommune', 'municipality'), ('tjenesteomrade', 'service area'), ('virksomhet', 'enterprise'), ('avdeling', 'department')], max_length=20, verbose_name='level')),
                        ('shift_based', models.BooleanField(default=False, help_text='Turnus-based unit.', verbose_name='shift-based')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='parent unit')),
                    ],
                    options={
                        'verbose_name': 'historical org unit',
                        'verbose_name_plural': 'historical org units',
                        'db_table': 'workplaces_historicalorgunit',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='OrgUnitClosure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('depth', models.PositiveSmallIntegerField()),
                        ('ancestor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.orgunit')),
                        ('descendant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.orgunit')),
                    ],
                    options={
                        'db_table': 'workplaces_orgunitclosure',
                    },
                ),
                migrations.CreateModel(
                    name='RoleAssignment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('leader', 'leader'), ('representative', 'employee representative')], max_length=20, verbose_name='role')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='org.orgunit', verbose_name='unit')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='unit_assignments', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'role assignment',
                        'verbose_name_plural': 'role assignments',
                        'db_table': 'workplaces_roleassignment',
                        'ordering': ['user', 'unit'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='orgunit',
                    constraint=models.CheckConstraint(condition=models.Q(('level__in', ['kommune', 'tjenesteomrade', 'virksomhet', 'avdeling'])), name='workplaces_orgunit_level_valid'),
                ),
                migrations.AddConstraint(
                    model_name='orgunit',
                    constraint=models.CheckConstraint(condition=models.Q(('parent__isnull', True), models.Q(('parent', models.F('id')), _negated=True), _connector='OR'), name='workplaces_orgunit_not_own_parent'),
                ),
                migrations.AddIndex(
                    model_name='orgunitclosure',
                    index=models.Index(fields=['descendant', 'ancestor'], name='workplaces__descend_f00c0c_idx'),
                ),
                migrations.AddConstraint(
                    model_name='orgunitclosure',
                    constraint=models.UniqueConstraint(fields=('ancestor', 'descendant'), name='workplaces_closure_pair'),
                ),
                migrations.AddConstraint(
                    model_name='roleassignment',
                    constraint=models.UniqueConstraint(fields=('user', 'unit', 'role'), name='workplaces_assignment_unique'),
                ),
                ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
