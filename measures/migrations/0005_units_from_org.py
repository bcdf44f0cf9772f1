"""Targets and values point to ``org.OrgUnit`` (the same table as before): state only.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0004_recompute_indexes'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='historicaltarget',
                    name='unit',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='unit'),
                ),
                migrations.AlterField(
                    model_name='indicatorvalue',
                    name='unit',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='indicator_values', to='org.orgunit', verbose_name='unit'),
                ),
                migrations.AlterField(
                    model_name='target',
                    name='unit',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='org.orgunit', verbose_name='unit'),
                ),
                ],
            database_operations=[],
        ),
    ]
