"""Seeded customers: names from many languages, email-safe addresses, phone
numbers in the forms people type, and their search keys."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from customer_flow.lib.bulk_sql import insert_rows
from customer_flow.seeding.writing import copy_to_history, next_id, stamper
from customers.models import Customer
from customers.search_keys import KEY_FIELDS, keys_of

FIRST_NAMES = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa "
    "Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven "
    "Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian "
    "Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
    "Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela Nicholas Shirley Eric Anna "
    "Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon "
    "Samantha Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel "
    "Frank Carolyn Patrick Janet Raymond Catherine Jack Maria Dennis Heather Jerry "
    "Diane Tyler Ruth Aaron Julie José Zoë Renée Björn Søren Chloé Łukasz Müge Aoife "
    "Siobhán Mateo Sofía Ana Luís Noémie François Jürgen Ingrid Kenji Yuki Priya Arjun"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
    "Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee "
    "Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young "
    "Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez "
    "Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward "
    "Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jiménez Müller "
    "Schäfer Nørgaard Østergaard Dubois Lefèvre O'Brien O'Connor Kowalski Nowak "
    "Yamamoto Tanaka Singh Sharma Okafor Mensah Novák Dvořák Andersson Nieminen"
).split()
DOMAINS = (
    "example.com example.org example.net mail.example.com shop.example "
    "corp.example.co.uk example.de example.fr"
).split()

CUSTOMER_COLUMNS = [
    "id",
    "name",
    "email",
    "phone",
    "created_at",
    "updated_at",
    "archived_at",
    "version",
    *KEY_FIELDS,
]


def seed_customers(
    count: int, *, rng: random.Random, now: datetime, history: bool
) -> list[int]:
    if not count:
        return []
    start = next_id(Customer)
    ids = range(start, start + count)
    stamp = stamper()
    span = 3 * 365 * 24 * 3600
    # Email-safe forms of the names, worked out once rather than per row.
    firsts = [(name, _email_part(name)) for name in FIRST_NAMES]
    lasts = [(name, _email_part(name)) for name in LAST_NAMES]
    random, choice = rng.random, rng.choice

    def rows() -> Iterator[tuple[Any, ...]]:
        for pk in ids:
            (first, first_email), (last, last_email) = choice(firsts), choice(lasts)
            created = now - timedelta(seconds=span * (1 - (pk - start) / count))
            archived = stamp(created + timedelta(days=30)) if random() < 0.02 else None
            name = f"{first} {last}"
            email = f"{first_email}.{last_email}{pk}@{choice(DOMAINS)}"
            phone = _phone(rng)
            yield (
                pk,
                name,
                email,
                phone,
                stamp(created),
                stamp(created),
                archived,
                1,
                *keys_of(name, email, phone).values(),
            )

    insert_rows(Customer._meta.db_table, CUSTOMER_COLUMNS, rows(), model=Customer)
    if history:
        copy_to_history(Customer, start)
    return list(ids)


def _email_part(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
    return ascii_name.decode().lower().replace("'", "")


def _phone(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return ""
    n = rng.randrange(10**7)
    if roll < 0.5:
        return f"+1 ({rng.randint(200, 999)}) {n // 10**4:03d}-{n % 10**4:04d}"
    if roll < 0.7:
        return f"555-{n // 10**4:03d}-{n % 10**4:04d}"
    if roll < 0.85:
        return f"+44 20 {n // 10**4:04d} {n % 10**4:04d}"
    return f"+49 30 {n:07d} x{rng.randint(1, 999)}"
