"""One error shape for the API, and no 500 for anything a caller sends.

DRF's own errors keep their shape: ``{"detail": "..."}`` or field errors
``{"field": ["message", ...]}``. On top of them: a Django ``ValidationError``
(from a model or a service) is a 400 with its fields, a refused import step is
a 409 with its message, and a database constraint that a concurrent request won
is a 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from customers.models import BatchRefused


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the current state of the resource."
    default_code = "conflict"


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send the ETag you read in an If-Match header, so a change made by "
        "someone else meanwhile is not overwritten."
    )
    default_code = "precondition_required"


def validation_detail(error: ValidationError) -> dict[str, Any]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ValidationError):
        return Response(validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, BatchRefused):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):
        exc = Conflict("Another change to the same data was saved first; try again.")
    elif isinstance(exc, DataError):
        return Response(
            {"detail": "A value is out of range for the database."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)
