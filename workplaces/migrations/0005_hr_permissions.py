"""Give HR the right to maintain targets, indicators and role assignments."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

HR_MODELS = {
    "measures": ["indicator", "target"],
    "workplaces": ["roleassignment"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr, _ = Group.objects.get_or_create(name="HR")
    for app_label, models in HR_MODELS.items():
        hr.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr = Group.objects.filter(name="HR").first()
    if hr:
        for app_label, models in HR_MODELS.items():
            hr.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label=app_label, content_type__model__in=models
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("workplaces", "0004_historicalroleassignment_roleassignment"),
        ("measures", "0002_indicatorvalue_entered_by_historicaltarget_target"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
