"""The pages' forms as the API's validators: one validation path, the same
message for the same bad value on a page, in the admin, in an import and here."""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework import serializers


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """A bound, invalid form's errors in DRF's shape."""
    return {
        ("non_field_errors" if field == "__all__" else field): [
            str(m) for m in messages
        ]
        for field, messages in form.errors.items()
    }


def validated(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data, or a 400 with its errors."""
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form))
    return form.cleaned_data


def form_data(data: Any, fields: list[str]) -> dict[str, Any]:
    """The request's values of ``fields`` as a form reads them: JSON ``null``
    is an empty value; other values are passed as sent (the form refuses what
    it cannot take)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": ["Send a JSON object with the fields."]}
        )
    values = {field: data[field] for field in fields if field in data}
    wrong = [f for f, v in values.items() if isinstance(v, list | dict | tuple)]
    if wrong:
        raise serializers.ValidationError(
            {field: ["Send one value (text or a number)."] for field in wrong}
        )
    return {f: ("" if v is None else v) for f, v in values.items()}
