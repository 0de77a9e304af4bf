"""Merging customers over the API: ``POST /api/v1/customers/{id}/merge/`` keeps
customer {id} and merges others into it, ``POST /api/v1/merges/{id}/undo/`` puts
everything back. The same ``customers.merging`` as the pages and
``manage.py merge_customers``; a refusal is 409 with the reason, nothing changed."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customer_flow.api.permissions import caller
from customers.merging import (
    MERGEABLE_FIELDS,
    MergeRefused,
    merge_customers,
    undo_merge,
)
from customers.models import CustomerMerge

PERMISSION = "customers.merge_customer"
REFUSED = {400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT}


class MergeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerMerge
        fields = ["id", "survivor", "merged_ids", "created_at", "undone_at"]
        read_only_fields = fields


class MergeInputSerializer(serializers.Serializer):
    others = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=100,
        help_text="IDs of the customers to merge into this one.",
    )
    take = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="Field → ID of the customer whose value is kept, e.g. "
        '{"email": 42}; a field not named keeps this customer\'s value.',
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text="Customer ID → the version you saw (their ETag): the merge is "
        "refused (409) if one of them changed since.",
    )

    def validate_take(self, take: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(take) - set(MERGEABLE_FIELDS))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown field {', '.join(unknown)}: choose among "
                f"{', '.join(MERGEABLE_FIELDS)}."
            )
        return take


class UndoInputSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Undo even over edits made since the merge (refused otherwise).",
    )


def merge_into(request: Request, survivor_id: int) -> Response:
    """The customers action ``merge``: what ``CustomerViewSet.merge`` answers."""
    data = MergeInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    try:
        versions = {int(pk): v for pk, v in values.get("versions", {}).items()}
    except ValueError:
        raise serializers.ValidationError(
            {"versions": ["Keys are customer IDs (whole numbers)."]}
        ) from None
    try:
        merge = merge_customers(
            survivor_id=survivor_id,
            other_ids=values["others"],
            take=values.get("take", {}),
            by=caller(request),
            expected_versions=versions,
        )
    except MergeRefused as refused:
        return Response({"detail": refused.message}, status=status.HTTP_409_CONFLICT)
    response = Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)
    response["Location"] = f"/api/v1/merges/{merge.pk}/"
    return response


class MergeViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """/api/v1/merges/{id}/: a merge, and its undo."""

    queryset = CustomerMerge.objects.all()
    serializer_class = MergeSerializer
    lookup_value_converter = "int"
    permissions = {"retrieve": PERMISSION, "undo": PERMISSION}

    @extend_schema(
        request=UndoInputSerializer, responses={200: MergeSerializer, **REFUSED}
    )
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Put back every record and every moved row; 409 names what changed
        since the merge unless ``force``."""
        merge = self.get_object()
        data = UndoInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            merge = undo_merge(
                merge_id=merge.pk,
                by=caller(request),
                force=data.validated_data["force"],
            )
        except MergeRefused as refused:
            return Response(
                {"detail": refused.message}, status=status.HTTP_409_CONFLICT
            )
        return Response(MergeSerializer(merge).data)
