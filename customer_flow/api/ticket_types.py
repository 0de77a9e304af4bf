"""/api/v1/ticket-types/: list, create, rename, deactivate (never delete: a
type that tickets use stays), and import a ticket_types.json file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from customer_flow.api.forms import form_data, validated
from customer_flow.api.permissions import caller
from customer_flow.api.uploads import RawUploadTooLarge, raw_upload
from customer_flow.body_limits import accepts_upload
from tickets.importing import TicketTypeReport, import_ticket_types
from tickets.models import TicketType

FIELDS = ["code", "name", "active"]
IMPORT_PERMISSION = "tickets.import_tickettype"


class TicketTypeForm(forms.ModelForm):
    """The admin's form: the model's code rule and the unique-name constraint."""

    class Meta:
        model = TicketType
        fields = FIELDS


class TicketTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketType
        fields = ["id", *FIELDS]
        read_only_fields = fields


class TicketTypeInputSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=9, help_text='The key in ticket_types.json, e.g. "4".'
    )
    name = serializers.CharField(max_length=100)
    active = serializers.BooleanField(required=False)


class ImportReportSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    summary = serializers.CharField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    invalid = serializers.IntegerField()
    deactivated = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())


@extend_schema_view(
    create=extend_schema(request=TicketTypeInputSerializer),
    partial_update=extend_schema(request=TicketTypeInputSerializer),
)
class TicketTypeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = TicketType.objects.all()
    serializer_class = TicketTypeSerializer
    lookup_value_converter = "int"
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    pagination_class = None  # a handful of types
    permissions = {
        "list": "tickets.view_tickettype",
        "retrieve": "tickets.view_tickettype",
        "create": "tickets.add_tickettype",
        "partial_update": "tickets.change_tickettype",
        "import_file": IMPORT_PERMISSION,
    }

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = {"active": True, **form_data(request.data, FIELDS)}
        form = TicketTypeForm(data)
        validated(form)
        ticket_type = form.save()
        return Response(
            TicketTypeSerializer(ticket_type).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Rename (``name``) or deactivate (``active: false``) a type."""
        ticket_type = self.get_object()
        data = {f: getattr(ticket_type, f) for f in FIELDS}
        data.update(form_data(request.data, FIELDS))
        form = TicketTypeForm(data, instance=ticket_type)
        validated(form)
        form.save()
        return Response(TicketTypeSerializer(ticket_type).data)

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("dry_run", bool, description="Check only; write nothing."),
            OpenApiParameter("deactivate_missing", bool),
        ],
        responses={200: ImportReportSerializer, 400: OpenApiTypes.OBJECT},
    )
    @accepts_upload(permission=IMPORT_PERMISSION, max_bytes="IMPORT_UPLOAD_MAX_BYTES")
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_file(self, request: Request) -> Response:
        """Import ticket_types.json sent as the body: a new key creates a type, a
        known key renames it. ``?dry_run=true`` previews."""
        try:
            upload = raw_upload(
                request._request,
                limit=settings.IMPORT_UPLOAD_MAX_BYTES,
                name="ticket_types.json",
            )
        except RawUploadTooLarge:
            return Response(
                {"detail": "This file is larger than the limit for uploads."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        if upload is None:
            raise ValidationError({"file": ["Send ticket_types.json as the body."]})
        report = import_ticket_types(
            upload.read(),
            dry_run=_query_flag(request, "dry_run"),
            deactivate_missing=_query_flag(request, "deactivate_missing"),
            user=caller(request),
        )
        code = status.HTTP_400_BAD_REQUEST if report.refused else status.HTTP_200_OK
        return Response(report_data(report), status=code)


def report_data(report: TicketTypeReport) -> dict[str, Any]:
    return {
        "outcome": str(report.outcome),
        "summary": report.summary(),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "invalid": report.invalid,
        "deactivated": report.deactivated,
        "problems": [str(error) for error in report.errors],
        "warnings": list(report.warnings),
    }


def _query_flag(request: Request, name: str) -> bool:
    value = (request.query_params.get(name) or "false").lower()
    if value not in {"true", "false", "1", "0"}:
        raise ValidationError({name: ["Send true or false."]})
    return value in {"true", "1"}
