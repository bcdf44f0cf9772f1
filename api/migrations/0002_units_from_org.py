"""Tokens' units are ``org.OrgUnit`` (the same table as before): state only.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_api_tokens'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='apitoken',
                    name='units',
                    field=models.ManyToManyField(blank=True, help_text='The token sees only these units and the units below them. Empty: all.', related_name='+', to='org.orgunit', verbose_name='limited to units'),
                ),
                ],
            database_operations=[],
        ),
    ]
