"""Support leads may share queue views with the team (and delete shared ones)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {"Support leads": ["share_savedview"]}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("tickets")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="tickets", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="tickets", codename="share_savedview"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_saved_views")]

    operations = [migrations.RunPython(grant, revoke)]
