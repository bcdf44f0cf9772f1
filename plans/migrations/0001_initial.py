"""The action plans, actions, tertial reports and comments of the former workplaces app, with their tables (``workplaces_*``).

Only the migration state moves here: the tables were created by workplaces 0001–0007
and keep their rows. ``workplaces`` 0008 removes the models from that app's state.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

APP = "plans"
MOVED_MODELS = ('actionplan', 'action', 'tertialreport', 'indicatorcomment', 'historicalactionplan', 'historicalaction', 'historicaltertialreport', 'historicalindicatorcomment', 'historicaltertialreport_prioritised_actions')


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
        ('goals', '0001_initial'),
        ('measures', '0005_units_from_org'),
        ('org', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ActionPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('strategy', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='action_plans', to='goals.strategy', verbose_name='strategy')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='action_plans', to='org.orgunit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'action plan',
                        'verbose_name_plural': 'action plans',
                        'db_table': 'workplaces_actionplan',
                        'ordering': ['unit', '-year'],
                    },
                ),
                migrations.CreateModel(
                    name='Action',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('responsible', models.CharField(blank=True, max_length=200, verbose_name='responsible')),
                        ('deadline', models.DateField(blank=True, null=True, verbose_name='deadline')),
                        ('status', models.CharField(choices=[('planlagt', 'planned'), ('pagar', 'in progress'), ('fullfort', 'done'), ('utsatt', 'postponed')], default='planlagt', max_length=20, verbose_name='status')),
                        ('representatives_took_part', models.BooleanField(default=False, verbose_name='employee representatives took part')),
                        ('representatives_took_part_on', models.DateField(blank=True, null=True, verbose_name='when the representatives took part')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('copied_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='copies', to='plans.action')),
                        ('goal', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='goals.goal', verbose_name='goal')),
                        ('sub_measure', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='goals.submeasure', verbose_name='sub-measure')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='plans.actionplan', verbose_name='plan')),
                    ],
                    options={
                        'verbose_name': 'action',
                        'verbose_name_plural': 'actions',
                        'db_table': 'workplaces_action',
                        'ordering': ['plan', 'goal__order', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalAction',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('responsible', models.CharField(blank=True, max_length=200, verbose_name='responsible')),
                        ('deadline', models.DateField(blank=True, null=True, verbose_name='deadline')),
                        ('status', models.CharField(choices=[('planlagt', 'planned'), ('pagar', 'in progress'), ('fullfort', 'done'), ('utsatt', 'postponed')], default='planlagt', max_length=20, verbose_name='status')),
                        ('representatives_took_part', models.BooleanField(default=False, verbose_name='employee representatives took part')),
                        ('representatives_took_part_on', models.DateField(blank=True, null=True, verbose_name='when the representatives took part')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('copied_from', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.action')),
                        ('goal', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='goals.goal', verbose_name='goal')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.actionplan', verbose_name='plan')),
                        ('sub_measure', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='goals.submeasure', verbose_name='sub-measure')),
                    ],
                    options={
                        'verbose_name': 'historical action',
                        'verbose_name_plural': 'historical actions',
                        'db_table': 'workplaces_historicalaction',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalActionPlan',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created')),
                        ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('strategy', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='goals.strategy', verbose_name='strategy')),
                        ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'historical action plan',
                        'verbose_name_plural': 'historical action plans',
                        'db_table': 'workplaces_historicalactionplan',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalTertialReport',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('tertial', models.PositiveSmallIntegerField(verbose_name='tertial')),
                        ('state', models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted')], default='draft', max_length=10, verbose_name='state')),
                        ('summary', models.TextField(blank=True, verbose_name='summary')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('submitted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
                        ('unit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'historical tertial report',
                        'verbose_name_plural': 'historical tertial reports',
                        'db_table': 'workplaces_historicaltertialreport',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='TertialReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('tertial', models.PositiveSmallIntegerField(verbose_name='tertial')),
                        ('state', models.CharField(choices=[('draft', 'draft'), ('submitted', 'submitted')], default='draft', max_length=10, verbose_name='state')),
                        ('summary', models.TextField(blank=True, verbose_name='summary')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted')),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('prioritised_actions', models.ManyToManyField(blank=True, related_name='prioritised_in', to='plans.action', verbose_name='prioritised actions')),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tertial_reports', to='org.orgunit', verbose_name='unit')),
                    ],
                    options={
                        'verbose_name': 'tertial report',
                        'verbose_name_plural': 'tertial reports',
                        'db_table': 'workplaces_tertialreport',
                        'ordering': ['unit', '-year', '-tertial'],
                    },
                ),
                migrations.CreateModel(
                    name='IndicatorComment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(blank=True, verbose_name='comment')),
                        ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='measures.indicator', verbose_name='indicator')),
                        ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='plans.tertialreport', verbose_name='report')),
                    ],
                    options={
                        'verbose_name': 'indicator comment',
                        'verbose_name_plural': 'indicator comments',
                        'db_table': 'workplaces_indicatorcomment',
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalTertialReport_prioritised_actions',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('action', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.action')),
                        ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='plans.historicaltertialreport')),
                        ('tertialreport', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.tertialreport')),
                    ],
                    options={
                        'verbose_name': 'HistoricalTertialReport_prioritised_actions',
                        'db_table': 'workplaces_historicaltertialreport_prioritised_actions',
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalIndicatorComment',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('text', models.TextField(blank=True, verbose_name='comment')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('indicator', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='measures.indicator', verbose_name='indicator')),
                        ('report', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='plans.tertialreport', verbose_name='report')),
                    ],
                    options={
                        'verbose_name': 'historical indicator comment',
                        'verbose_name_plural': 'historical indicator comments',
                        'db_table': 'workplaces_historicalindicatorcomment',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.AddConstraint(
                    model_name='actionplan',
                    constraint=models.UniqueConstraint(fields=('unit', 'strategy', 'year'), name='workplaces_plan_unique'),
                ),
                migrations.AddConstraint(
                    model_name='action',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['planlagt', 'pagar', 'fullfort', 'utsatt'])), name='workplaces_action_status_valid'),
                ),
                migrations.AddConstraint(
                    model_name='tertialreport',
                    constraint=models.UniqueConstraint(fields=('unit', 'year', 'tertial'), name='workplaces_report_unique'),
                ),
                migrations.AddConstraint(
                    model_name='tertialreport',
                    constraint=models.CheckConstraint(condition=models.Q(('tertial__gte', 1), ('tertial__lte', 3)), name='workplaces_report_tertial'),
                ),
                migrations.AddConstraint(
                    model_name='indicatorcomment',
                    constraint=models.UniqueConstraint(fields=('report', 'indicator'), name='workplaces_comment_unique'),
                ),
                ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
