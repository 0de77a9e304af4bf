"""The schema: how callers authenticate, and the errors every operation can
answer, in their shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR = {
    "type": "object",
    "description": '{"detail": "..."} or field errors {"field": ["message"]}.',
    "additionalProperties": True,
}
COMMON = {
    "400": "Bad input: field errors with the same messages as the pages.",
    "401": "No token or session, or a revoked or unknown token.",
    "403": "Signed in, without the permission this needs.",
    "405": "The URL does not take this method.",
    "406": "The Accept header asks for a type this URL cannot answer with.",
    "415": "The body's Content-Type is not one this URL takes.",
    "429": "Too many requests for this token (API_THROTTLE_RATE).",
}
WITH_ID = {"404": "There is no such object."}
WITH_BODY = {"413": "The body is larger than the limit for this URL."}


def document_errors(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the error responses (a generic
    JSON object) that an operation does not describe itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = dict(COMMON)
            if "{" in path or "cursor" in str(operation.get("parameters", "")):
                codes.update(WITH_ID)
            if method in {"post", "put", "patch"}:
                codes.update(WITH_BODY)
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells the schema how BearerTokenAuthentication reads its token."""

    target_class = "customer_flow.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from the “API tokens” page or "
            "`manage.py create_api_token`.",
        }
