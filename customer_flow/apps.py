from __future__ import annotations

from django.apps import AppConfig


class CustomerFlowConfig(AppConfig):
    name = "customer_flow"
    verbose_name = "Customer Flow"

    def ready(self) -> None:
        from customer_flow.two_factor import connect_signals

        connect_signals()
