"""Ship default SLA targets and give existing tickets their due times.

Calendar hours: Urgent 1 h to first response and 8 h to resolution, High 4 h and
24 h, Normal 8 h and 72 h, Low 24 h and 120 h. Admins edit them in the admin.
Existing tickets are brought in step with set-based updates (no row is loaded).
"""

from datetime import timedelta

from django.db import migrations
from django.db.models import Case, F, When

DEFAULTS = {4: (1, 8), 3: (4, 24), 2: (8, 72), 1: (24, 120)}


def forwards(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    Ticket = apps.get_model("tickets", "Ticket")
    for priority, (first, resolution) in DEFAULTS.items():
        SlaPolicy.objects.get_or_create(
            priority=priority,
            defaults={"first_response_hours": first, "resolution_hours": resolution},
        )
        Ticket.objects.filter(priority=priority).update(
            sla_started_at=F("created_at"),
            first_response_due_at=F("created_at") + timedelta(hours=first),
            resolution_due_at=F("created_at") + timedelta(hours=resolution),
        )
    Ticket.objects.filter(closed_at__isnull=True).update(
        due_at=Case(
            When(first_response_at__isnull=True, then=F("first_response_due_at")),
            default=F("resolution_due_at"),
        )
    )
    Ticket.objects.filter(status="pending").update(sla_paused_at=F("updated_at"))
    Ticket.objects.filter(
        closed_at__isnull=True, first_response_at__isnull=True
    ).update(waiting_since=F("created_at"))


def backwards(apps, schema_editor):
    apps.get_model("tickets", "SlaPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_sla_targets_and_queue_orders")]

    operations = [migrations.RunPython(forwards, backwards)]
