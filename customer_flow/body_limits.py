"""Request bodies are bounded before anything parses them.

Django parses a POST body the first time something reads ``request.POST``; the CSRF
check does, and a file part bigger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is then
written to the temporary directory before the check can refuse the request.
``RequestBodyLimitMiddleware`` runs before any view middleware and decides, from the
URL and the user alone, how large a body may be:

The caller is the session's user or, for the REST API, the user of the
``Authorization: Bearer`` token (checked here once, reused by the API).

- **Upload endpoints**, for a user holding the endpoint's permission: files are
  stored up to the endpoint's ``max_bytes`` and no further (the view learns it with
  ``upload_too_large(request)`` and explains it on its form).
- **Everything else** (and upload endpoints for anyone without the permission): a
  body announced larger than ``REQUEST_BODY_MAX_BYTES`` (signed in) or
  ``ANONYMOUS_BODY_MAX_BYTES`` (anonymous) is refused with 413 before a byte of it
  is read; a body that turns out larger than announced is refused while it is
  counted; file parts are dropped unread.

An endpoint is marked as taking uploads in one of two ways, both read with
``resolve()`` before the body is touched:

- views we write: ``@accepts_upload(permission=..., max_bytes=...)``; a class-based
  view or a DRF view may set ``upload_policy = UploadPolicy(...)`` on the class;
- views we don't (the admin's import pages): ``settings.UPLOAD_ENDPOINTS``, a
  mapping of URL name to ``{"permission": ..., "max_bytes": ...}``.

``max_bytes`` is a number or the name of a setting (read on each request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    TemporaryFileUploadHandler,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, ResolverMatch, resolve

from customer_flow.api.authentication import token_user
from customer_flow.lib.uploads import LimitedUploadHandler

View = TypeVar("View", bound=Callable[..., HttpResponse])


@dataclass(frozen=True)
class UploadPolicy:
    """Who may upload to an endpoint, and how many bytes of files it stores."""

    permission: str
    max_bytes: int | str
    to_disk: bool = False
    """files go straight to a temporary file, whatever their size (uploads of
    gigabytes: never whole in memory, even below FILE_UPLOAD_MAX_MEMORY_SIZE)"""

    def limit(self) -> int:
        if isinstance(self.max_bytes, str):
            return int(getattr(settings, self.max_bytes))
        return self.max_bytes


def accepts_upload(
    *, permission: str, max_bytes: int | str, to_disk: bool = False
) -> Callable[[View], View]:
    """Mark a view as an upload endpoint (see the module's docstring)."""

    def mark(view: View) -> View:
        view.upload_policy = UploadPolicy(permission, max_bytes, to_disk)  # type: ignore[attr-defined]
        return view

    return mark


def upload_policy(match: ResolverMatch) -> UploadPolicy | None:
    """The upload policy of a resolved URL, or None for a URL that takes none."""
    func = match.func
    for holder in (func, getattr(func, "view_class", None), getattr(func, "cls", None)):
        policy = getattr(holder, "upload_policy", None)
        if policy is not None:
            return policy
    configured = getattr(settings, "UPLOAD_ENDPOINTS", {}).get(match.view_name)
    if configured is not None:
        return UploadPolicy(configured["permission"], configured["max_bytes"])
    return None


def upload_too_large(request: HttpRequest) -> bool:
    """Whether a file in this request was dropped for being over the limit."""
    request.FILES  # noqa: B018 - parse the body first, if nothing has yet
    return any(getattr(h, "too_large", False) for h in request.upload_handlers)


class DropFiles(FileUploadHandler):
    """File parts are skipped unread: this URL takes no uploads."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class BodyTooLarge(RequestDataTooBig):
    """Raised while reading a body that turns out larger than allowed."""


class CountingStream:
    """A request body stream that refuses to give more than ``limit`` bytes,
    whatever the request announced (``refused`` tells the middleware why the
    parse failed, so the answer is 413 rather than a generic 400)."""

    def __init__(self, stream: BinaryIO, *, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.count = 0
        self.refused = False

    def _counted(self, data: bytes) -> bytes:
        self.count += len(data)
        if self.count > self.limit:
            self.refused = True
            raise BodyTooLarge("The request body is larger than allowed.")
        return data

    def read(self, size: int = -1) -> bytes:
        return self._counted(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._counted(self.stream.readline(size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)  # close(), seek(), size...


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _caller(request: HttpRequest) -> Any:
    """The session's user, or the user of the request's API Bearer token (the
    API authenticates later, in the view; the token is checked once)."""
    if request.user.is_authenticated:
        return request.user
    return token_user(request) or request.user


def _refused(request: HttpRequest, limit: int) -> HttpResponse:
    if request.path_info.startswith("/api/"):  # programs get the API's error shape
        detail = f"The request body is larger than {limit} bytes, the limit here."
        return JsonResponse({"detail": detail}, status=413)
    context = {"limit": limit, "signed_in": request.user.is_authenticated}
    response = TemplateResponse(request, "413.html", context, status=413)
    return response.render()


class RequestBodyLimitMiddleware:
    """Bound every request body before anything reads it (see the module doc).

    Place it after AuthenticationMiddleware (it needs ``request.user``, which reads
    the session, not the body); it acts in ``__call__``, so before the CSRF check
    and every other ``process_view``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _content_length(request)
        if length == 0 and request.method in {"GET", "HEAD", "OPTIONS"}:
            return self.get_response(request)
        policy = self._policy(request)
        caller = _caller(request)
        if policy is not None and caller.has_perm(policy.permission):
            limiter = LimitedUploadHandler(request, limit=policy.limit())
            handlers = request.upload_handlers
            if policy.to_disk:
                handlers = [TemporaryFileUploadHandler(request)]
            request.upload_handlers = [limiter, *handlers]
            return self.get_response(request)
        if caller.is_authenticated:
            limit = settings.REQUEST_BODY_MAX_BYTES
        else:
            limit = settings.ANONYMOUS_BODY_MAX_BYTES
        if length > limit:
            return _refused(request, limit)
        request.upload_handlers = [DropFiles(request), *request.upload_handlers]
        stream = CountingStream(request._stream, limit=limit)
        request._stream = stream  # type: ignore[assignment]
        response = self.get_response(request)
        return _refused(request, limit) if stream.refused else response

    @staticmethod
    def _policy(request: HttpRequest) -> UploadPolicy | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return upload_policy(match)
