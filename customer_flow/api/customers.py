"""/api/v1/customers/: list with the staff search, read, create, change with
If-Match, archive and restore, the customer's tickets, and export."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customer_flow.api import concurrency
from customer_flow.api.forms import form_data, validated
from customer_flow.api.merges import REFUSED as MERGE_REFUSED
from customer_flow.api.merges import MergeInputSerializer, MergeSerializer, merge_into
from customer_flow.api.permissions import caller
from customer_flow.api.tickets import TicketSerializer
from customers.exporting import write_customers_csv, write_customers_json
from customers.forms import SEARCH_MAX_LENGTH, CustomerForm
from customers.models import Customer, CustomerQuerySet
from customers.services import EditConflict, customer_update
from tickets.models import Ticket

FIELDS = ["name", "email", "phone"]


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "created_at",
            "updated_at",
            "archived_at",
            "version",
        ]
        read_only_fields = fields


class CustomerInputSerializer(serializers.Serializer):
    """Checked by the customer form of the pages (same rules, same messages)."""

    name = serializers.CharField(max_length=200)
    email = serializers.CharField(max_length=254)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ExportRowSerializer(serializers.Serializer):
    """One customer of a JSON export: the columns of id.csv."""

    ID = serializers.IntegerField()
    Name = serializers.CharField()
    Email = serializers.CharField()
    Phone = serializers.CharField()


LIST_PARAMETERS = [
    OpenApiParameter(
        "q", str, description="ID, or the start of a name, surname, email or phone."
    ),
    OpenApiParameter(
        "status", str, enum=["active", "archived", "all"], description="Default active."
    ),
]
EXPORT_PARAMETERS = [
    *LIST_PARAMETERS,
    OpenApiParameter("format", str, enum=["csv", "json"], description="Default csv."),
]
CHANGE_HEADERS = [
    OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="The ETag of the customer as you read it.",
    )
]
STALE = {412: OpenApiTypes.OBJECT, 428: OpenApiTypes.OBJECT}


@extend_schema_view(
    list=extend_schema(parameters=LIST_PARAMETERS),
    create=extend_schema(request=CustomerInputSerializer),
    update=extend_schema(
        request=CustomerInputSerializer,
        parameters=CHANGE_HEADERS,
        responses={200: CustomerSerializer, **STALE},
    ),
    partial_update=extend_schema(
        request=CustomerInputSerializer,
        parameters=CHANGE_HEADERS,
        responses={200: CustomerSerializer, **STALE},
    ),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    lookup_value_converter = "int"
    permissions = {
        "list": "customers.view_customer",
        "retrieve": "customers.view_customer",
        "create": "customers.add_customer",
        "update": "customers.change_customer",
        "partial_update": "customers.change_customer",
        "archive": "customers.archive_customer",
        "restore": "customers.archive_customer",
        "tickets": "tickets.view_ticket",
        "export": "customers.export_customer",
        "merge": "customers.merge_customer",
    }
    orderings = {
        "id": ("id",),
        "-id": ("-id",),
        "name": ("name_key", "id"),
        "-name": ("-name_key", "-id"),
        "created_at": ("created_at", "id"),
        "-created_at": ("-created_at", "-id"),
    }

    def get_queryset(self) -> CustomerQuerySet:
        if self.action != "list":
            return Customer.objects.all()
        return filtered(self.request)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        return concurrency.with_etag(Response(represent(customer)), tag(customer))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = CustomerForm(form_data(request.data, FIELDS))
        validated(form)
        customer = form.save()
        response = Response(represent(customer), status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{customer.pk}/"
        return concurrency.with_etag(response, tag(customer))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        if not concurrency.matches(request, tag(customer)):
            return concurrency.precondition_failed(represent(customer), tag(customer))
        data = {f: getattr(customer, f) for f in FIELDS}
        sent = form_data(request.data, FIELDS)
        data.update(sent if kwargs.get("partial") else {"phone": "", **sent})
        form = CustomerForm(data, instance=Customer.objects.get(pk=customer.pk))
        cleaned = validated(form)
        try:
            customer = customer_update(
                customer=customer,
                data=cleaned,
                expected_version=customer.version,
                user=caller(request),
            ).customer
        except EditConflict as conflict:
            current = conflict.current
            return concurrency.precondition_failed(represent(current), tag(current))
        return concurrency.with_etag(Response(represent(customer)), tag(customer))

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: int) -> Response:
        """Archive the customer (their tickets stay)."""
        customer = self.get_object()
        customer.archive()
        return concurrency.with_etag(Response(represent(customer)), tag(customer))

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: int) -> Response:
        """Bring an archived customer back."""
        customer = self.get_object()
        customer.restore()
        return concurrency.with_etag(Response(represent(customer)), tag(customer))

    @extend_schema(
        request=MergeInputSerializer, responses={201: MergeSerializer, **MERGE_REFUSED}
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: int) -> Response:
        """Merge other customers into this one (see /api/v1/merges/ to undo)."""
        return merge_into(request, self.get_object().pk)

    @extend_schema(responses=TicketSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        orderings={"-created_at": ("-created_at", "-id")},
    )
    def tickets(self, request: Request, pk: int) -> Response:
        """The customer's tickets, newest first."""
        customer = get_object_or_404(Customer, pk=pk)
        tickets = Ticket.objects.for_customer(customer).select_related(
            "ticket_type", "assignee", "opened_by"
        )
        page = self.paginate_queryset(tickets)
        data = TicketSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): ExportRowSerializer(many=True),
        },
    )
    @action(detail=False, methods=["get"], url_path="export", pagination_class=None)
    def export(self, request: Request) -> FileResponse:
        """The customers of a search and filter as id.csv (formula-neutralised,
        as every export) or JSON, streamed from a temporary file."""
        kind = request.query_params.get("format") or "csv"
        if kind not in {"csv", "json"}:
            raise serializers.ValidationError({"format": ["Choose csv or json."]})
        file = tempfile.TemporaryFile()
        text_file = io.TextIOWrapper(file, encoding="utf-8", newline="")
        writer = write_customers_csv if kind == "csv" else write_customers_json
        writer(filtered(request), text_file)
        text_file.flush()
        text_file.detach()
        file.seek(0)
        content_type = "text/csv" if kind == "csv" else "application/json"
        return FileResponse(
            file,
            as_attachment=True,
            filename=f"id.{kind}",
            content_type=f"{content_type}; charset=utf-8",
        )


def filtered(request: Request) -> CustomerQuerySet:
    """The customers of ``?status=`` matching ``?q=``, as the list page finds them."""
    status_ = request.query_params.get("status") or "active"
    if status_ not in {"active", "archived", "all"}:
        raise serializers.ValidationError(
            {"status": ["Choose active, archived or all."]}
        )
    text = (request.query_params.get("q") or "")[:SEARCH_MAX_LENGTH]
    return Customer.objects.with_status(status_).search(text)


def represent(customer: Customer) -> dict[str, Any]:
    return dict(CustomerSerializer(customer).data)


def tag(customer: Customer) -> str:
    return str(customer.version)
