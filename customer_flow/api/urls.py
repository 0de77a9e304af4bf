"""/api/v1/: the resources, the OpenAPI schema and its browsable docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from customer_flow.api.customers import CustomerViewSet
from customer_flow.api.imports import ImportBatchViewSet
from customer_flow.api.merges import MergeViewSet
from customer_flow.api.permissions import IsSignedIn
from customer_flow.api.ticket_types import TicketTypeViewSet
from customer_flow.api.tickets import AttachmentViewSet, TicketViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("customers", CustomerViewSet, basename="customer")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("ticket-types", TicketTypeViewSet, basename="tickettype")
router.register("imports", ImportBatchViewSet, basename="import")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("merges", MergeViewSet, basename="merge")


def api_view(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    """DRF authenticates (tokens too) and answers 401 itself: the sign-in
    redirect of LoginRequiredMiddleware is not for programs. An action marked
    with ``@accepts_upload`` makes its URL an upload endpoint for
    customer_flow.body_limits, which looks at the view function."""
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback
    login_not_required(view)
    cls = getattr(view, "cls", None)
    for name in getattr(view, "actions", {}).values():
        policy = getattr(getattr(cls, name, None), "upload_policy", None)
        if policy is not None:
            view.upload_policy = policy  # type: ignore[attr-defined]
    return pattern


schema = SpectacularAPIView.as_view(permission_classes=[IsSignedIn])
docs = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema", permission_classes=[IsSignedIn]
)


@csrf_exempt  # nothing to protect, and a program has no CSRF token
def not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other URL under /api/v1/: the API's 404, not the HTML page."""
    return JsonResponse({"detail": "There is no such API URL."}, status=404)


urlpatterns = [
    api_view(p)
    for p in [
        *router.urls,
        path("schema/", schema, name="schema"),
        path("docs/", docs, name="docs"),
    ]
]
# Last; the URL sweeps leave it out (a catch-all is not a resource).
urlpatterns.append(
    re_path(r"^(?P<rest>[\s\S]*)\Z", login_not_required(not_found), name="not_found")
)
