from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "customer_flow.api"
    label = "api"
    verbose_name = "REST API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customer_flow.api import schema  # noqa: F401 - registers the extension
