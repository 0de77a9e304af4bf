"""/api/v1/tickets/: the queue's list and filters, read, open, change with
If-Match, and the conversation (comments; replies and notes with attachments).

Every change goes through the pages' forms and ``tickets.conversation``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from customer_flow.api import concurrency
from customer_flow.api.forms import form_data, form_errors, validated
from customer_flow.api.permissions import caller
from customer_flow.body_limits import accepts_upload
from customer_flow.lib.upload_limits import AttachmentLimitHandler
from customers.models import Customer
from tickets import conversation, services
from tickets.conversation_forms import NoteForm, ReplyForm
from tickets.conversation_views import attachment_download
from tickets.forms import TicketChangeForm, TicketFilterForm, TicketForm
from tickets.models import Attachment, Ticket, TicketComment, TicketQuerySet

CREATE_FIELDS = ["ticket_type", "subject", "description", "priority", "assignee"]
CHANGE_FIELDS = ["status", "priority", "ticket_type", "assignee"]
FILTERS = ["status", "ticket_type", "priority", "assignee", "customer"]


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = [
            "id",
            "customer",
            "ticket_type",
            "subject",
            "description",
            "status",
            "priority",
            "assignee",
            "opened_by",
            "created_at",
            "updated_at",
            "closed_at",
            "first_response_at",
            "version",
        ]
        read_only_fields = fields


class TicketCreateSerializer(serializers.Serializer):
    """Checked by the pages' ticket form (active types, assignable users)."""

    customer = serializers.IntegerField()
    ticket_type = serializers.IntegerField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(Ticket.Priority.choices, required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)


class TicketChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(Ticket.Status.choices, required=False)
    ticket_type = serializers.IntegerField(required=False)
    priority = serializers.ChoiceField(Ticket.Priority.choices, required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "sha256"]
        read_only_fields = fields


class CommentSerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketComment
        fields = [
            "id",
            "kind",
            "author",
            "body",
            "created_at",
            "send_state",
            "send_error",
            "attachments",
        ]
        read_only_fields = fields


class MessageSerializer(serializers.Serializer):
    """A reply or a note; with multipart/form-data, files in ``attachments``."""

    body = serializers.CharField(max_length=100_000)
    attachments = serializers.ListField(child=serializers.FileField(), required=False)


CHANGE_HEADERS = [
    OpenApiParameter(
        "If-Match",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="The ETag of the ticket as you read it.",
    )
]
FILTER_PARAMETERS = [
    OpenApiParameter("status", str, enum=["queue", *Ticket.Status.values, "all"]),
    OpenApiParameter("ticket_type", int),
    OpenApiParameter("priority", int, enum=Ticket.Priority.values),
    OpenApiParameter("assignee", str, description="me, none or a user ID"),
    OpenApiParameter("customer", int),
]
CHANGED = {200: TicketSerializer, 412: OpenApiTypes.OBJECT, 428: OpenApiTypes.OBJECT}


@extend_schema_view(
    list=extend_schema(parameters=FILTER_PARAMETERS),
    create=extend_schema(request=TicketCreateSerializer),
    partial_update=extend_schema(
        request=TicketChangeSerializer, parameters=CHANGE_HEADERS, responses=CHANGED
    ),
)
class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TicketSerializer
    lookup_value_converter = "int"
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    permissions = {
        "list": "tickets.view_ticket",
        "retrieve": "tickets.view_ticket",
        "create": "tickets.add_ticket",
        "partial_update": "tickets.change_ticket",
        "comments": "tickets.view_ticket",
        "replies": "tickets.reply_ticketcomment",
        "notes": "tickets.add_ticketcomment",
    }
    orderings = {
        "queue": ("-priority", "created_at", "id"),
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
        "id": ("id",),
        "-id": ("-id",),
    }

    def get_queryset(self) -> TicketQuerySet:
        tickets = Ticket.objects.select_related("ticket_type")
        if self.action != "list":
            return tickets
        form = TicketFilterForm(self.request.query_params)
        tickets = form.filter(tickets, caller(self.request))
        if form.errors:
            raise serializers.ValidationError(form_errors(form))
        return tickets

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: the session's CSRF check reads the body.
        if self.action in {"replies", "notes"} and request.method == "POST":
            self.limiter = AttachmentLimitHandler(
                request._request,
                per_file=settings.ATTACHMENT_MAX_BYTES,
                per_message=settings.MESSAGE_MAX_BYTES,
            )
            handlers = request._request.upload_handlers
            request._request.upload_handlers = [self.limiter, *handlers]
        super().initial(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        return concurrency.with_etag(Response(represent(ticket)), tag(ticket))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = form_data(request.data, ["customer", *CREATE_FIELDS])
        customer = customer_for_ticket(data.pop("customer", ""))
        data.setdefault("priority", Ticket.Priority.NORMAL)
        form = TicketForm(data)
        validated(form)
        ticket = form.save(commit=False)
        ticket.customer = customer
        ticket.opened_by = caller(request)
        ticket.save()
        conversation.ticket_assigned(
            ticket=ticket, previous_assignee_id=None, by=caller(request)
        )
        response = Response(represent(ticket), status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path}{ticket.pk}/"
        return concurrency.with_etag(response, tag(ticket))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        sent = form_data(request.data, CHANGE_FIELDS)
        with transaction.atomic():
            # Locked from the If-Match check to the write: a match is current.
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if not concurrency.matches(request, tag(ticket)):
                return concurrency.precondition_failed(represent(ticket), tag(ticket))
            data = {
                "status": ticket.status,
                "priority": ticket.priority,
                "ticket_type": ticket.ticket_type_id,
                "assignee": ticket.assignee_id or "",
                **sent,
                "version": ticket.version,
            }
            form = TicketChangeForm(data, instance=Ticket.objects.get(pk=ticket.pk))
            validated(form)
            update = services.ticket_update(
                ticket=ticket,
                seen=ticket.editable_values(),
                values=form.values(),
                expected_version=ticket.version,
                user=caller(request),
            )
        conversation.ticket_assigned(
            ticket=update.ticket,
            previous_assignee_id=update.previous_assignee_id,
            by=caller(request),
        )
        current = update.ticket
        return concurrency.with_etag(Response(represent(current)), tag(current))

    @extend_schema(responses=CommentSerializer(many=True))
    @action(
        detail=True, methods=["get"], orderings={"created_at": ("created_at", "id")}
    )
    def comments(self, request: Request, pk: int) -> Response:
        """The conversation: replies, notes and the customer's messages."""
        ticket = get_object_or_404(Ticket, pk=pk)
        comments = ticket.comments.select_related("author").prefetch_related(
            "attachments"
        )
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(request=MessageSerializer, responses={201: CommentSerializer})
    @accepts_upload(
        permission="tickets.reply_ticketcomment", max_bytes="MESSAGE_MAX_BYTES"
    )
    @action(detail=True, methods=["post"])
    def replies(self, request: Request, pk: int) -> Response:
        """Reply to the customer by email (queued; ``send_state`` follows it)."""
        return self._message(request, pk, ReplyForm, conversation.reply_create)

    @extend_schema(request=MessageSerializer, responses={201: CommentSerializer})
    @accepts_upload(
        permission="tickets.add_ticketcomment", max_bytes="MESSAGE_MAX_BYTES"
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: int) -> Response:
        """An internal note; ``@username`` notifies a colleague."""
        return self._message(request, pk, NoteForm, conversation.note_create)

    def _message(
        self, request: Request, pk: int, form_class: Any, create: Any
    ) -> Response:
        ticket = get_object_or_404(Ticket.objects.select_related("customer"), pk=pk)
        data = form_data(request.data, ["body"])
        files = QueryDict(mutable=True)
        files.setlist("attachments", request.FILES.getlist("attachments"))
        form = form_class(data, files)
        if self.limiter.refused:
            form.add_error("attachments", self.limiter.refused)
        cleaned = validated(form)
        comment = create(
            ticket=ticket,
            author=caller(request),
            body=cleaned["body"],
            files=cleaned["attachments"],
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


def customer_for_ticket(value: object) -> Customer:
    """The customer a new ticket is for: one that exists and is not archived."""
    customer_id = str(value).strip()
    if not customer_id.isdigit() or len(customer_id) > 18:
        raise serializers.ValidationError({"customer": ["Give the customer's ID."]})
    customer = Customer.objects.filter(pk=int(customer_id)).first()
    if customer is None:
        raise serializers.ValidationError({"customer": ["There is no such customer."]})
    if customer.is_archived:
        raise serializers.ValidationError(
            {"customer": ["Restore this customer before opening a ticket."]}
        )
    return customer


def represent(ticket: Ticket) -> dict[str, Any]:
    return dict(TicketSerializer(ticket).data)


def tag(ticket: Ticket) -> str:
    """The ticket's version, raised on every save (the page compares it too)."""
    return str(ticket.version)


class AttachmentViewSet(viewsets.GenericViewSet):
    """/api/v1/attachments/{id}/: download a file of a reply, note or message,
    with the same headers as the page's download."""

    queryset = Attachment.objects.all()
    lookup_value_converter = "int"
    permissions = {"retrieve": "tickets.view_attachment"}

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def retrieve(self, request: Request, pk: int) -> FileResponse:
        return attachment_download(request._request, pk)
