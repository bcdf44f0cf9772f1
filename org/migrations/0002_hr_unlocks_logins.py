"""Let HR see locked-out logins (django-axes) in the administration and unlock them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Viewing the failed attempts and deleting one (which unlocks that user and address).
CODENAMES = ["view_accessattempt", "delete_accessattempt"]


def grant(apps, schema_editor):
    # Permissions are created after all migrations; this one needs them now.
    app_config = apps.get_app_config("axes")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr, _ = Group.objects.get_or_create(name="HR")
    hr.permissions.add(
        *Permission.objects.filter(content_type__app_label="axes", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    hr = Group.objects.filter(name="HR").first()
    if hr:
        hr.permissions.remove(
            *Permission.objects.filter(content_type__app_label="axes", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
        ("workplaces", "0005_hr_permissions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
