"""Demo data: the first-run set-up of ``make run`` and realistic data in bulk.

``set_up_demo`` loads fixtures/ into an empty database through the importers and
creates a demo login (``setup_demo``). ``seed`` adds a million customers in
seconds, not minutes (``seed_demo``): rows go in through the bulk writer (COPY on
PostgreSQL), like the importer's, so nothing here runs model ``save()``: no
history rows unless asked for, and derived values (search keys) are computed by
the database's expression indexes.

One module a step, each importing only the ones before it: ``writing`` (what
every seeded table shares), ``customers``, ``tickets``, ``bulk`` (``seed``),
``demo`` (``set_up_demo``). Callers import from this package.
"""

from __future__ import annotations

from customer_flow.seeding.bulk import SeedReport, seed
from customer_flow.seeding.demo import (
    DemoSetUp,
    SampleDataInvalid,
    create_demo_login,
    load_sample_data,
    set_up_demo,
)

__all__ = [
    "DemoSetUp",
    "SampleDataInvalid",
    "SeedReport",
    "create_demo_login",
    "load_sample_data",
    "seed",
    "set_up_demo",
]
