"""customer_flow.lib.users: who authors a change. No database."""

from __future__ import annotations

from django.contrib.auth.models import User

from customer_flow.lib.users import recorded_user


def test_a_saved_user_is_recorded_and_nobody_else():
    saved = User(pk=5, username="ada")
    assert recorded_user(saved) is saved
    assert recorded_user(User(username="unsaved")) is None
    assert recorded_user(None) is None


def test_a_person_is_shown_by_full_name_else_username():
    from customer_flow.lib.users import display_name

    assert (
        display_name(User(username="ada", first_name="Ada", last_name="L")) == "Ada L"
    )
    assert display_name(User(username="bob", first_name=" ")) == "bob"
    assert display_name(None, nobody="system") == "system"
