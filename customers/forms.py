from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core import signing
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat

from customers import search, validation
from customers.models import Customer


class CustomerForm(forms.ModelForm):
    """The customer form of the staff pages and the admin.

    Each field is cleaned by the shared rules in ``customers.validation``, the same
    functions the importer calls, so both give the same message for the same value.
    """

    # A plain text field: the email rule and its message come from validation.py.
    email = forms.CharField(
        max_length=validation.EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="Unique ignoring case.",
    )

    class Meta:
        model = Customer
        fields = ["name", "email", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel"})}

    def clean_name(self) -> str:
        return validation.clean_name(self.cleaned_data["name"])

    def clean_email(self) -> str:
        return validation.clean_email(self.cleaned_data["email"])

    def clean_phone(self) -> str:
        return validation.clean_phone(self.cleaned_data["phone"])


class CustomerEditForm(CustomerForm):
    """The customer form plus what it needs to refuse a lost update.

    ``version`` is the version the person started from; ``seen`` is a signed copy of
    the values they saw, so a refusal can say exactly what the other person changed.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["seen"] = sign_values(self.instance)

    def refuse_conflict(self, current: Customer, changed_by: str | None) -> None:
        """Explain what changed since the form was opened; a second save overwrites."""
        seen = unsign_values(self.data.get("seen", ""))
        changes = [
            f"{str(self[field].label).capitalize()}: "
            f"“{seen.get(field, '?')}” → “{getattr(current, field)}”"
            for field in EDITABLE
            if seen.get(field) != getattr(current, field)
        ]
        self.add_error(
            None,
            f"{changed_by or 'Someone else'} saved this customer while you were "
            "editing. "
            "Your changes are not saved yet; they are still in the form below. "
            "Their changes: "
            + ("; ".join(changes) or "no visible field changed")
            + ". Review, then save again to keep your version.",
        )
        # Saving again now means "overwrite with mine", on top of their version.
        data = cast(QueryDict, self.data).copy()  # bound to request.POST
        data["version"] = str(current.version)
        data["seen"] = sign_values(current)
        self.data = data


EDITABLE = tuple(CustomerForm.Meta.fields)
_SALT = "customers.edit.seen"


def sign_values(customer: Customer) -> str:
    return signing.dumps({f: getattr(customer, f) for f in EDITABLE}, salt=_SALT)


def unsign_values(token: str) -> dict[str, str]:
    try:
        return signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return {}


SEARCH_MAX_LENGTH = 200


class CustomerSearchForm(forms.Form):
    """The search box, status filter and sort of the customer list (all optional)."""

    q = forms.CharField(
        label="Search customers",
        required=False,
        help_text="ID, a name or any word of it, the start of an email or @domain, "
        "or a phone number's first or last digits. Case and accents don't matter.",
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "data-search": ""}
        ),
    )
    status = forms.ChoiceField(
        choices=[("active", "Active"), ("archived", "Archived"), ("all", "All")],
        required=False,
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for key in [search.RELEVANCE, *search.ORDERINGS]],
        required=False,
    )

    def values(self) -> tuple[str, str, str]:
        """(search text, status, sort); a bad value falls back to its default."""
        self.is_valid()
        data = self.cleaned_data  # only the fields that were valid
        text = (data.get("q") or "")[:SEARCH_MAX_LENGTH]
        default = search.RELEVANCE if text.strip() else "id"
        sort = data.get("sort") or default
        if sort == search.RELEVANCE and not text.strip():
            sort = "id"
        return text, data.get("status") or "active", sort


ENCODINGS = [
    ("", "Automatic: UTF-8, or UTF-16 with a byte-order mark"),
    ("cp1252", "Windows-1252 (older Excel on Windows)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("mac-roman", "Mac Roman"),
    ("utf-16-le", "UTF-16 little-endian, without a byte-order mark"),
    ("utf-16-be", "UTF-16 big-endian, without a byte-order mark"),
]


class ImportUploadForm(forms.Form):
    """The "Import customers" page: a CSV file and how to import it."""

    # The mode first: the upload handler stops at an oversized file, and only the
    # fields before it are read.
    mode = forms.ChoiceField(
        label="If some rows are invalid",
        choices=[
            ("all_or_nothing", "Import nothing (all or nothing)"),
            ("skip_invalid", "Import the valid rows only"),
        ],
        initial="all_or_nothing",
        widget=forms.RadioSelect,
    )
    encoding = forms.ChoiceField(label="Encoding", required=False, choices=ENCODINGS)
    file = forms.FileField(
        label="CSV file",
        help_text="Columns ID, Name, Email and optionally Phone, in any order.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(
        self, *args: Any, limit: int, too_large: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.too_large = too_large
        if too_large:  # the file was dropped unread: say why, not "required"
            self.fields["file"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        file = cleaned.get("file")
        if self.too_large or (file is not None and file.size > self.limit):
            self.add_error(
                "file",
                f"This file is larger than {filesizeformat(self.limit)}, the limit "
                "for uploads. Ask an operator to import it with the "
                "import_customers management command (it previews with --dry-run).",
            )
        return cleaned


class CheckAgainForm(forms.Form):
    """Check a kept upload again, in another encoding if need be."""

    encoding = forms.ChoiceField(label="Encoding", required=False, choices=ENCODINGS)


class BatchModeForm(forms.Form):
    mode = forms.ChoiceField(
        label="If some rows are invalid",
        choices=[
            ("all_or_nothing", "Import nothing (all or nothing)"),
            ("skip_invalid", "Import the valid rows only"),
        ],
        widget=forms.RadioSelect,
    )


class ApplyBatchForm(forms.Form):
    again = forms.BooleanField(label="Import this file again anyway", required=False)


class RevertBatchForm(forms.Form):
    force = forms.BooleanField(
        label="Revert anyway, overwriting the later changes of these customers",
        required=False,
    )
