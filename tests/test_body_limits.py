"""Request bodies are bounded before anything parses them (security review, 1.1).

The attack: any POST with any 32-character ``csrftoken`` cookie made Django parse
the body for the CSRF check, and a file part of any size was written to the
temporary directory before the check refused it.
"""

from __future__ import annotations

import io

import pytest
from django.core.files import uploadhandler
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.exception import convert_exception_to_response
from django.test import Client
from django.urls import reverse

from customer_flow.body_limits import (
    RequestBodyLimitMiddleware,
    UploadPolicy,
    accepts_upload,
    upload_policy,
)
from customers.models import Customer, ImportBatch

FAKE_CSRF = "x" * 32


@pytest.fixture
def stored(monkeypatch) -> list[int]:
    """Bytes of file parts that reached Django's storing upload handlers."""
    counts: list[int] = []
    for handler in (
        uploadhandler.TemporaryFileUploadHandler,
        uploadhandler.MemoryFileUploadHandler,
    ):
        original = handler.receive_data_chunk

        def counted(self, raw_data, start, original=original):
            counts.append(len(raw_data))
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", counted)
    return counts


def big_file(megabytes: float, name: str = "big.csv") -> io.BytesIO:
    upload = io.BytesIO(b"x" * int(megabytes * 1024 * 1024))
    upload.name = name
    return upload


@pytest.mark.django_db
def test_an_anonymous_10_mb_file_part_is_refused_before_a_byte_is_stored(stored):
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = FAKE_CSRF
    response = client.post(
        reverse("login"),
        {"csrfmiddlewaretoken": FAKE_CSRF, "username": "x", "file": big_file(10)},
    )
    assert response.status_code == 413
    assert "Too much data in one request" in response.text
    assert stored == []


def test_a_signed_in_body_over_the_limit_is_refused_on_a_page_without_uploads(
    agent_client, stored, settings
):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    response = agent_client.post(
        reverse("customers:create"), {"name": "x", "file": big_file(2)}
    )
    assert response.status_code == 413
    assert stored == []
    assert not Customer.objects.exists()


def test_a_small_file_part_on_a_page_without_uploads_is_dropped_unread(
    agent_client, stored
):
    response = agent_client.post(
        reverse("customers:create"),
        {
            "name": "Ada",
            "email": "ada@example.com",
            "phone": "",
            "file": big_file(0.01),
        },
    )
    assert response.status_code == 302
    assert stored == []
    assert Customer.objects.get().name == "Ada"


def test_the_import_page_takes_no_upload_from_someone_without_the_permission(
    agent_client, stored, settings
):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    response = agent_client.post(reverse("customers:import"), {"file": big_file(2)})
    assert response.status_code == 413
    assert stored == []
    assert not ImportBatch.objects.exists()


def test_the_admin_import_takes_no_upload_from_someone_without_the_permission(
    agent_client, stored, settings
):
    settings.REQUEST_BODY_MAX_BYTES = 1024 * 1024
    response = agent_client.post(
        reverse("admin:customers_customer_import"), {"import_file": big_file(2)}
    )
    assert response.status_code == 413
    assert stored == []


def test_the_import_page_stores_an_upload_for_a_lead_up_to_its_limit(
    lead_client, stored, settings
):
    settings.IMPORT_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    upload = io.BytesIO(b"ID,Name,Email\n1,Ada,ada@example.com\n")
    upload.name = "id.csv"
    response = lead_client.post(
        reverse("customers:import"), {"mode": "all_or_nothing", "file": upload}
    )
    assert response.status_code == 302
    assert sum(stored) == len(upload.getvalue())

    stored.clear()
    response = lead_client.post(
        reverse("customers:import"), {"mode": "all_or_nothing", "file": big_file(5)}
    )
    assert response.status_code == 413
    assert sum(stored) <= settings.IMPORT_UPLOAD_MAX_BYTES


def _asgi_request(body: bytes) -> ASGIRequest:
    # Chunked transfer: no Content-Length, so only counting can tell the size.
    scope = {
        "type": "http",
        "method": "POST",
        "path": reverse("login"),
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        "query_string": b"",
    }
    return ASGIRequest(scope, io.BytesIO(body))


@pytest.mark.django_db
def test_a_body_without_a_content_length_is_counted_while_it_is_read(settings):
    settings.ANONYMOUS_BODY_MAX_BYTES = 1000
    from django.contrib.auth.models import AnonymousUser

    def view(request):
        request.POST  # noqa: B018 - what the CSRF check does
        raise AssertionError("the body should not parse")

    request = _asgi_request(b"a=" + b"x" * 5000)
    request.user = AnonymousUser()
    # As in the real stack: an exception in the view becomes a response.
    response = RequestBodyLimitMiddleware(convert_exception_to_response(view))(request)
    assert response.status_code == 413


def test_upload_endpoints_are_found_by_decorator_class_attribute_and_setting(
    settings,
):
    from django.urls import resolve

    assert upload_policy(resolve(reverse("customers:import"))) == UploadPolicy(
        "customers.import_customer", "IMPORT_UPLOAD_MAX_BYTES", to_disk=True
    )
    assert upload_policy(resolve(reverse("customers:create"))) is None
    admin = resolve(reverse("admin:customers_customer_import"))
    assert upload_policy(admin).permission == "customers.import_customer"

    class Upload:
        upload_policy = UploadPolicy("x.y", 10)

    def drf_like():
        pass

    drf_like.cls = Upload  # DRF's as_view() sets .cls; Django's sets .view_class

    @accepts_upload(permission="a.b", max_bytes=5)
    def decorated():
        pass

    class Match:
        view_name = "nowhere"

        def __init__(self, func):
            self.func = func

    assert upload_policy(Match(drf_like)).limit() == 10
    assert upload_policy(Match(decorated)) == UploadPolicy("a.b", 5)
