from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tickets.templatetags.ticket_tags import age

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=20), "0 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=5, minutes=59), "5 h"),
        (timedelta(days=3), "3 d"),
        (timedelta(days=65), "2 mo"),
        (timedelta(days=800), "2 y"),
        (-timedelta(minutes=5), "0 min"),  # clock skew: never negative
    ],
)
def test_age_is_compact_and_rounds_down(ago, shown):
    assert age(NOW - ago, NOW) == shown


def test_age_of_nothing_is_empty():
    assert age(None) == ""
