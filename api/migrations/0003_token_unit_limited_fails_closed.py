"""A token limited to units stays limited when its units are deleted (it fails closed).

Tokens that have units now are marked limited, with their units' codes. (A token whose
units were all deleted before this migration cannot be told from an unlimited one:
the unit links are gone and were not kept in its history.)
"""

from django.db import migrations, models


def mark_limited(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.prefetch_related("units"):
        codes = sorted(unit.code for unit in token.units.all())
        if codes:
            ApiToken.objects.filter(pk=token.pk).update(unit_limited=True, unit_codes=codes)


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0002_units_from_org'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='unit_codes',
            field=models.JSONField(default=list, editable=False, verbose_name='unit codes when created'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='unit_limited',
            field=models.BooleanField(default=False, editable=False, verbose_name='limited to units'),
        ),
        migrations.AddField(
            model_name='historicalapitoken',
            name='unit_codes',
            field=models.JSONField(default=list, editable=False, verbose_name='unit codes when created'),
        ),
        migrations.AddField(
            model_name='historicalapitoken',
            name='unit_limited',
            field=models.BooleanField(default=False, editable=False, verbose_name='limited to units'),
        ),
        migrations.AlterField(
            model_name='apitoken',
            name='units',
            field=models.ManyToManyField(blank=True, help_text='The token sees only these units and the units below them.', related_name='+', to='org.orgunit', verbose_name='limited to units'),
        ),
        migrations.RunPython(mark_limited, migrations.RunPython.noop),
    ]
