"""Two-factor sign-in, step by step through the real sign-in form (no force_login)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from customer_flow.two_factor import is_required

PASSWORD = "correct horse battery staple"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def unthrottle(device) -> None:
    """django-otp slows guesses down after a wrong code (1 s, 2 s, 4 s...); a
    person waits, a test resets the counter."""
    device.refresh_from_db()
    device.throttle_reset()


def password_step(client: Client, username: str, next_page: str = "/customers/"):
    return client.post(
        reverse("login"),
        {"username": username, "password": PASSWORD, "next": next_page},
        follow=True,
    )


def test_superusers_and_leads_must_use_two_factors_staff_may(
    lead, agent, admin_user, settings
):
    assert is_required(lead) and is_required(admin_user)
    assert not is_required(agent)
    settings.TWO_FACTOR_REQUIRED = False
    assert not is_required(lead) and not is_required(admin_user)


def test_the_demo_login_is_exempt_only_with_debug_on(settings, db):
    from django.contrib.auth import get_user_model

    demo = get_user_model().objects.create_superuser("demo", "d@example.com", "x")
    settings.DEBUG = True
    assert not is_required(demo)
    settings.DEBUG = False
    assert is_required(demo)


def test_a_lead_without_a_device_must_set_one_up_before_any_page(client, lead):
    response = password_step(client, "lead")
    assert response.redirect_chain[-1][0] == (
        reverse("two_factor:setup") + "?next=%2Fcustomers%2F"
    )
    for page in ["/", "/customers/", "/admin/", "/tickets/"]:
        assert client.get(page)["Location"].startswith(reverse("two_factor:setup"))

    # The set-up page shows a QR code (inline SVG, no script) and the key.
    page = client.get(reverse("two_factor:setup"))
    assert '<svg role="img"' in page.text
    device = TOTPDevice.objects.get(user=lead, confirmed=False)
    wrong = client.post(reverse("two_factor:setup"), {"code": "000000"})
    assert "That code is not right" in wrong.text
    unthrottle(device)
    response = client.post(
        reverse("two_factor:setup"),
        {"code": current_code(device), "next": "/customers/"},
        follow=True,
    )
    codes = re.findall(r"<li><code>(\w+)</code></li>", response.text)
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=lead).values_list("token", flat=True)
    )
    assert client.get("/customers/").status_code == 200
    # Shown once only.
    assert "<code>" not in client.get(reverse("two_factor:codes")).text


def test_a_user_with_a_device_gives_a_code_after_the_password(client, lead):
    device = confirmed_device(lead)
    response = password_step(client, "lead")
    assert response.redirect_chain[-1][0].startswith(reverse("two_factor:verify"))
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor:verify"))
    refused = client.post(reverse("two_factor:verify"), {"code": "123456"})
    assert "That code is not right" in refused.text
    assert client.get("/customers/").status_code == 302
    unthrottle(device)
    response = client.post(
        reverse("two_factor:verify"),
        {"code": current_code(device), "next": "/customers/"},
    )
    assert response["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200


def test_the_admin_is_behind_the_second_factor_too(client, admin_user):
    device = confirmed_device(admin_user)
    client.post(reverse("login"), {"username": "admin", "password": "password"})
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor:verify"))
    client.post(reverse("two_factor:verify"), {"code": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_a_lost_phone_is_recovered_with_a_recovery_code_once(client, lead):
    from customer_flow.two_factor import new_recovery_codes

    confirmed_device(lead)
    codes = new_recovery_codes(lead)
    password_step(client, "lead")
    response = client.post(reverse("two_factor:verify"), {"code": codes[3]})
    assert response["Location"] == reverse("two_factor:manage")
    page = client.get(reverse("two_factor:manage"))
    assert "You signed in with a recovery code; 9 left." in page.text
    assert client.get("/customers/").status_code == 200

    # The same code does not work twice.
    client.post(reverse("logout"))
    password_step(client, "lead")
    again = client.post(reverse("two_factor:verify"), {"code": codes[3]})
    assert again.status_code == 200
    assert "That code is not right" in again.text


def test_staff_may_turn_two_factors_on_and_off(client, agent):
    password_step(client, "agent")
    assert client.get("/customers/").status_code == 200  # optional: not asked
    client.get(reverse("two_factor:setup"))
    device = TOTPDevice.objects.get(user=agent)
    client.post(reverse("two_factor:setup"), {"code": current_code(device)})
    manage = client.get(reverse("two_factor:manage"))
    assert '<span class="badge ok">On' in manage.text

    client.post(reverse("logout"))
    password_step(client, "agent")
    assert client.get("/customers/")["Location"].startswith(
        reverse("two_factor:verify")
    )
    # A code is accepted once (replay protection): as if 30 s had passed.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    client.post(reverse("two_factor:verify"), {"code": current_code(device)})
    client.post(reverse("two_factor:disable"))
    assert not TOTPDevice.objects.filter(user=agent).exists()


def test_a_required_user_cannot_turn_it_off(client, lead):
    client.force_login(lead)
    confirmed_device(lead)
    client.post(reverse("two_factor:disable"))
    assert TOTPDevice.objects.filter(user=lead).exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_the_next_page_after_the_code_stays_on_this_site(client, lead, target):
    device = confirmed_device(lead)
    password_step(client, "lead")
    response = client.post(
        reverse("two_factor:verify"), {"code": current_code(device), "next": target}
    )
    assert response["Location"] == reverse("dashboard")


def test_the_make_run_demo_login_works_with_its_password_alone(client, settings, db):
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    password = re.search(r"username demo, password (\S+)", out.getvalue())[1]
    response = client.post(
        reverse("login"), {"username": "demo", "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.status_code == 200
