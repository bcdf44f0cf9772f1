"""Create the three roles as groups, and give HR the right to maintain strategies."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("HR", "Leder", "Tillitsvalgt")
# Models HR maintains in the administration.
HR_MODELS = {
    "goals": ["strategy", "value", "goal", "submeasure", "goalitem"],
    "workplaces": ["orgunit"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    hr = Group.objects.get(name="HR")
    for app_label, models in HR_MODELS.items():
        hr.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("goals", "0001_initial"),
        ("workplaces", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
