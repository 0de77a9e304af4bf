"""customer_flow.lib.outcomes: how an import ended. No database."""

from __future__ import annotations

from customer_flow.lib.outcomes import Outcome


def test_only_a_check_and_a_write_are_not_refusals():
    assert {o for o in Outcome if not o.refused} == {Outcome.CHECKED, Outcome.WRITTEN}
