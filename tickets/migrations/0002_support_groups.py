"""Create the staff roles: "Support staff" and "Support leads"."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = [
    ("customers", "view_customer"),
    ("customers", "add_customer"),
    ("customers", "change_customer"),
    ("tickets", "view_ticket"),
    ("tickets", "add_ticket"),
    ("tickets", "change_ticket"),
    ("tickets", "view_tickettype"),
    ("tickets", "view_ticketcomment"),
    ("tickets", "add_ticketcomment"),
]
LEADS = STAFF + [
    ("customers", "archive_customer"),
    ("customers", "import_customer"),
    ("customers", "export_customer"),
    ("tickets", "import_tickettype"),
    ("tickets", "export_tickettype"),
]
GROUPS = {"Support staff": STAFF, "Support leads": LEADS}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
