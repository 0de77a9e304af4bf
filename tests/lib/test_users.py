"""customer_flow.lib.users: who authors a change. No database."""

from __future__ import annotations

from django.contrib.auth.models import User

from customer_flow.lib.users import recorded_user


def test_a_saved_user_is_recorded_and_nobody_else():
    saved = User(pk=5, username="ada")
    assert recorded_user(saved) is saved
    assert recorded_user(User(username="unsaved")) is None
    assert recorded_user(None) is None
