"""/api/v1/imports/: upload an id.csv (multipart or raw body) and get a
previewed batch, read its rows by kind, apply, discard, undo, download the
rejected rows. The same functions as the web pages (``customers.importing``),
under the same permission (``customers.import_customer``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import (
    FileUploadParser,
    FormParser,
    JSONParser,
    MultiPartParser,
)
from rest_framework.request import Request
from rest_framework.response import Response

from customer_flow.api.forms import validated
from customer_flow.api.permissions import caller
from customer_flow.api.uploads import RawUploadTooLarge, raw_upload
from customer_flow.body_limits import UploadPolicy, upload_too_large
from customers import import_jobs, importing
from customers.column_mapping import batch_map_columns
from customers.forms import ImportUploadForm
from customers.import_views import rejected_rows_download
from customers.models import ImportBatch, ImportBatchRow

PERMISSION = "customers.import_customer"


class BatchSerializer(serializers.ModelSerializer):
    """An import batch: its status, counts and the progress of its job."""

    percent = serializers.IntegerField(read_only=True, allow_null=True)
    seconds_left = serializers.IntegerField(read_only=True, allow_null=True)
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    applied_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reverted_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "status",
            "mode",
            "file_name",
            "file_size",
            "sha256",
            "created",
            "updated",
            "unchanged",
            "invalid",
            "header",
            "warnings",
            "created_at",
            "created_by",
            "applied_at",
            "applied_by",
            "reverted_at",
            "reverted_by",
            "job",
            "job_state",
            "phase",
            "rows_done",
            "rows_total",
            "percent",
            "seconds_left",
            "failure",
            "outcome",
            "suggested_encoding",
        ]
        read_only_fields = fields


class BatchRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportBatchRow
        fields = [
            "line",
            "kind",
            "customer_id",
            "name",
            "email",
            "phone",
            "old_name",
            "old_email",
            "old_phone",
            "values",
            "problems",
        ]
        read_only_fields = fields


ENCODINGS = ["", "cp1252", "latin-1", "mac-roman"]
COLUMNS_HELP = (
    "For a file from another system: which of its columns holds each field, as "
    'for import_customers --columns: "ID=Customer ID,Name=Full name,'
    'Email=E-mail address,Phone=Telephone" (leave out ID= when it has none).'
)


class UploadSerializer(serializers.Serializer):
    """multipart/form-data; or the file as the raw body (``text/csv``) with the
    options in the query string."""

    file = serializers.FileField()
    mode = serializers.ChoiceField(ImportBatch.Mode.choices, required=False)
    encoding = serializers.ChoiceField(ENCODINGS, required=False)
    columns = serializers.CharField(required=False, help_text=COLUMNS_HELP)


class CheckAgainSerializer(serializers.Serializer):
    encoding = serializers.ChoiceField(ENCODINGS, required=False)


class ColumnsSerializer(serializers.Serializer):
    columns = serializers.CharField(help_text=COLUMNS_HELP)


class ApplySerializer(serializers.Serializer):
    again = serializers.BooleanField(
        required=False, help_text="Import a file that was imported before anyway."
    )


class UndoSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        required=False,
        help_text="Undo even though some of these customers changed since.",
    )


class RawCsvParser(FileUploadParser):
    """The file as the whole body: ``text/csv`` or ``application/octet-stream``."""

    media_type = "text/csv"


class RawBinaryParser(FileUploadParser):
    media_type = "application/octet-stream"


UPLOAD_OPTIONS = ("mode", "encoding", "columns")
COLUMNS_EXAMPLE = '"ID=Customer ID,Name=Full name,Email=E-mail address"'
KIND = OpenApiParameter("kind", str, enum=ImportBatchRow.Kind.values)
REFUSED = {400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT}


@extend_schema_view(
    create=extend_schema(
        request={
            "multipart/form-data": UploadSerializer,
            "text/csv": OpenApiTypes.BINARY,
        },
        parameters=[
            OpenApiParameter("mode", str, enum=ImportBatch.Mode.values),
            OpenApiParameter("encoding", str),
            OpenApiParameter("columns", str, description=COLUMNS_HELP),
            OpenApiParameter("file_name", str),
        ],
        responses={
            202: BatchSerializer,
            400: OpenApiTypes.OBJECT,
            413: OpenApiTypes.OBJECT,
        },
    ),
)
class ImportBatchViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ImportBatch.objects.select_related(
        "created_by", "applied_by", "reverted_by"
    )
    serializer_class = BatchSerializer
    lookup_value_converter = "int"
    # Read by the body-limit middleware before anything parses the body.
    upload_policy = UploadPolicy(PERMISSION, "IMPORT_UPLOAD_MAX_BYTES")
    parser_classes = [
        JSONParser,
        FormParser,
        MultiPartParser,
        RawCsvParser,
        RawBinaryParser,
    ]
    permissions = dict.fromkeys(
        ["list", "retrieve", "create", "rows", "apply", "check_again"]
        + ["map_columns", "discard", "undo", "rejected"],
        PERMISSION,
    )
    orderings = {"-created_at": ("-created_at", "-id")}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limit = settings.IMPORT_UPLOAD_MAX_BYTES
        try:
            options, files = self._upload(request, limit)
        except RawUploadTooLarge:
            options, files = {}, {}
            too_large = True
        else:
            too_large = upload_too_large(request._request)
        form = ImportUploadForm(options, files, limit=limit, too_large=too_large)
        if too_large:
            form.is_valid()
            return Response(
                {"file": form.errors.get("file", [])},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        cleaned = validated(form)
        columns = _columns(options["columns"]) if options.get("columns") else None
        upload = cleaned["file"]
        # The web upload's own service: the file is kept and a worker checks it.
        batch = import_jobs.start_preview(
            upload,
            user=caller(request),
            skip_invalid=cleaned["mode"] == ImportBatch.Mode.SKIP_INVALID,
            file_name=upload.name,
            encoding=cleaned["encoding"],
            columns=columns,
        )
        return accepted(request, batch, f"{request.path}{batch.pk}/")

    def _upload(
        self, request: Request, limit: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The form's fields and files, from multipart or from a raw body."""
        content_type = request.content_type.split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            fields = {k: request.data.get(k) for k in UPLOAD_OPTIONS}
            options = {k: v for k, v in fields.items() if isinstance(v, str)}
            options.setdefault("mode", ImportBatch.Mode.ALL_OR_NOTHING)
            file = request.FILES.get("file")
            return options, ({"file": file} if file is not None else {})
        query = request.query_params
        options = {k: query[k] for k in UPLOAD_OPTIONS if k in query}
        options.setdefault("mode", ImportBatch.Mode.ALL_OR_NOTHING)
        name = query.get("file_name") or "id.csv"
        file = raw_upload(request._request, limit=limit, name=name)
        return options, ({"file": file} if file is not None else {})

    @extend_schema(parameters=[KIND], responses=BatchRowSerializer(many=True))
    @action(detail=True, methods=["get"], orderings={"line": ("line", "id")})
    def rows(self, request: Request, pk: int) -> Response:
        """The preview's rows, in file order; ``?kind=`` for one kind."""
        batch = self.get_object()
        rows = batch.rows.all()
        kind = request.query_params.get("kind")
        if kind:
            if kind not in ImportBatchRow.Kind.values:
                raise ValidationError(
                    {
                        "kind": [
                            f"Choose one of: {', '.join(ImportBatchRow.Kind.values)}."
                        ]
                    }
                )
            rows = rows.filter(kind=kind)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(BatchRowSerializer(page, many=True).data)

    @extend_schema(request=ApplySerializer, responses={202: BatchSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: int) -> Response:
        """Write the preview exactly as previewed (409 if it cannot be)."""
        batch = self.get_object()
        again = _flag(request, "again")
        import_jobs.start_apply(batch, user=caller(request), force=again)
        return accepted(request, batch, batch_url(request, batch))

    @extend_schema(
        request=CheckAgainSerializer, responses={202: BatchSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"], url_path="check")
    def check_again(self, request: Request, pk: int) -> Response:
        """Check a refused or interrupted upload again (``encoding``: another one)."""
        batch = self.get_object()
        encoding = (
            request.data.get("encoding") if isinstance(request.data, dict) else None
        )
        if encoding is not None and encoding not in ENCODINGS:
            raise ValidationError(
                {"encoding": [f"Choose one of: {', '.join(ENCODINGS)}."]}
            )
        with transaction.atomic():
            import_jobs.check_again(batch, encoding=encoding)
        return accepted(request, batch, batch_url(request, batch))

    @extend_schema(
        request=ColumnsSerializer, responses={202: BatchSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"], url_path="columns")
    def map_columns(self, request: Request, pk: int) -> Response:
        """Map the columns of an upload refused for its header, remember the
        mapping for files with the same headers, and check it again."""
        batch = self.get_object()
        data = request.data if isinstance(request.data, dict) else {}
        columns = _columns(data.get("columns"))
        try:
            batch_map_columns(batch=batch, columns=columns, user=caller(request))
        except ValueError as error:
            raise ValidationError({"columns": [str(error)]}) from None
        return accepted(request, batch, batch_url(request, batch))

    @extend_schema(request=None, responses={200: BatchSerializer, **REFUSED})
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: int) -> Response:
        """Drop a preview; nothing is imported."""
        batch = self.get_object()
        import_jobs.discard(batch)
        return Response(BatchSerializer(batch).data)

    @extend_schema(
        request=UndoSerializer,
        responses={200: BatchSerializer, 202: BatchSerializer, **REFUSED},
    )
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: int) -> Response:
        """Undo an applied import; 409 lists the customers changed since. A large
        one is undone by a worker, as the pages do: 202, poll the batch."""
        batch = self.get_object()
        user, force = caller(request), _flag(request, "force")
        try:
            if import_jobs.undoes_in_background(batch):
                import_jobs.start_revert(batch, user=user, force=force)
                return accepted(request, batch, batch_url(request, batch))
            importing.revert_import(batch=batch, user=user, force=force)
        except importing.RevertRefused as refused:
            conflicts = [
                {"id": c.id, "name": c.name, "removed": c.removed}
                for c in refused.conflicts
            ]
            body = {"detail": refused.message, "conflicts": conflicts}
            return Response(body, status=status.HTTP_409_CONFLICT)
        batch.refresh_from_db()
        return Response(BatchSerializer(batch).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="rejected")
    def rejected(self, request: Request, pk: int) -> HttpResponse:
        """The invalid rows as CSV: the original columns plus line and error."""
        return rejected_rows_download(self.get_object())


def batch_url(request: Request, batch: ImportBatch) -> str:
    return reverse("api:import-detail", args=[batch.pk])


def accepted(request: Request, batch: ImportBatch, url: str) -> Response:
    """202: a worker does it; poll the batch at ``Location`` until its
    ``job_state`` is done (or failed) and read its ``status``."""
    batch.refresh_from_db()  # what the job did, if it ran already
    response = Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
    response["Location"] = url
    return response


def _columns(text: Any) -> dict[str, str]:
    """The ``columns`` option, read as the command reads ``--columns``."""
    from customers.importing.intake import parse_columns  # loads pyarrow

    try:
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"Send the mapping as text, e.g. {COLUMNS_EXAMPLE}.")
        return parse_columns(text)
    except ValueError as error:
        raise ValidationError({"columns": [str(error)]}) from None


def _flag(request: Request, name: str) -> bool:
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(name, False)
    if isinstance(value, bool):
        return value
    if str(value).lower() in {"true", "1", "on", "yes"}:
        return True
    if str(value).lower() in {"false", "0", "off", "no", ""}:
        return False
    raise ValidationError({name: ["Send true or false."]})
