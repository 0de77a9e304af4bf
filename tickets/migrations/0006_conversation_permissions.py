"""Give the two support groups the conversation's permissions.

Support staff reply, write notes, see and add attachments, use saved replies and
work held mail; Support leads also keep the list of saved replies.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = [
    "reply_ticketcomment",
    "view_attachment",
    "add_attachment",
    "view_cannedreply",
    "view_heldemail",
    "change_heldemail",
]
LEADS = STAFF + ["add_cannedreply", "change_cannedreply", "delete_cannedreply"]
GROUPS = {"Support staff": STAFF, "Support leads": LEADS}


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
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="tickets", codename__in=LEADS
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_conversation")]

    operations = [migrations.RunPython(grant, revoke)]
