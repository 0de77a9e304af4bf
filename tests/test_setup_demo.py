from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from customers.models import Customer
from tickets.models import TicketType


def test_first_run_loads_the_sample_data_and_prints_a_demo_login(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert list(Customer.objects.values_list("id", "name")) == [
        (1, "John Doe"),
        (2, "Jane Smith"),
    ]
    assert list(TicketType.objects.values_list("code", "name")) == [
        ("1", "Technical Issue"),
        ("2", "Billing Inquiry"),
        ("3", "General Question"),
    ]
    demo = get_user_model().objects.get(username="demo")
    assert "username demo, password " in out.getvalue()
    password = out.getvalue().split("password ")[1].split()[0]
    assert demo.check_password(password)


def test_second_run_keeps_the_data_and_creates_nothing(db, settings):
    settings.DEBUG = True
    call_command("setup_demo", stdout=io.StringIO())
    Customer.objects.filter(pk=1).update(name="Edited")
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert out.getvalue() == ""
    assert Customer.objects.get(pk=1).name == "Edited"
    assert get_user_model().objects.count() == 1


def test_no_demo_login_when_debug_is_off(db, settings):
    settings.DEBUG = False
    call_command("setup_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()
    assert Customer.objects.count() == 2
