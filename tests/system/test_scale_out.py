"""Two server processes sharing one database behave as one application."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from customers.models import Customer


@pytest.fixture
def two_servers(gunicorn) -> list[str]:
    return gunicorn(servers=2)


class Browser:
    """Just enough of a browser: one cookie jar shared across both servers."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=10) as response:
            return response.read().decode()

    def post_form(self, url: str, fields: dict[str, str]) -> str:
        page = self.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
        request = urllib.request.Request(
            url, data=data.encode(), headers={"Referer": url}
        )
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()


@pytest.mark.slow
def test_a_session_and_a_write_made_on_one_server_are_seen_by_the_other(
    two_servers, admin_user
):
    first, second = two_servers
    browser = Browser()
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    browser.post_form(f"{first}/login/", {"username": "admin", "password": "password"})
    code = f"{totp(device.bin_key):06d}"
    browser.post_form(f"{first}/account/two-factor/verify/", {"code": code})

    # Signed in on the first server, the second recognises the session.
    assert "Site administration" in browser.get(f"{second}/admin/")

    browser.post_form(
        f"{second}/admin/customers/customer/add/",
        {"name": "Shared Ada", "email": "ada@example.com", "phone": ""},
    )
    assert "Shared Ada" in browser.get(f"{first}/admin/customers/customer/")
    assert Customer.objects.get().history.get().history_user == admin_user
