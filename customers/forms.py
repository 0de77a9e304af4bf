from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core import signing
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat

from customer_flow.lib.three_way import Merge, merge
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
    """The customer form plus what a three-way merge of a stale save needs.

    ``version`` is the version the person started from; ``seen`` is a signed copy
    of the values they saw. When someone saved in between, fields only they
    changed keep their value and only fields both changed are shown side by side
    (``show_conflict``), each with a choice between the two values.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflicts: list[dict[str, Any]] = []
        if not self.is_bound:
            self.initial["version"] = self.instance.version
            self.initial["seen"] = sign_values(self.instance)

    def seen_values(self) -> dict[str, str]:
        return unsign_values(self.data.get("seen", ""))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # A conflict resolved in favour of the colleague: their value is the one
        # the form saw last (signed), so the save leaves the field as it is.
        seen = self.seen_values()
        for name in EDITABLE:
            if self.data.get(f"choice_{name}") == "theirs" and name in seen:
                cleaned[name] = seen[name]
                self.errors.pop(name, None)
        return cleaned

    def show_conflict(
        self, current: Customer, result: Merge, changed_by: str | None
    ) -> None:
        """Show the fields both people changed side by side; keep the rest merged.

        The form then stands on the colleague's version: saving again writes the
        values chosen for the conflicting fields and keeps every other field of
        theirs.
        """
        who = changed_by or "Someone else"
        self.conflicts = [
            {
                "field": c.field,
                "label": str(self[c.field].label).capitalize(),
                "base": c.base,
                "mine": c.mine,
                "theirs": c.theirs,
                "who": who,
            }
            for c in result.conflicts
        ]
        for c in self.conflicts:
            self.add_error(
                c["field"],
                f"{who} changed this to “{c['theirs']}” (it was “{c['base']}”); "
                f"yours is “{c['mine']}”.",
            )
        labels = ", ".join(c["label"] for c in self.conflicts)
        self.add_error(
            None,
            f"{who} saved this customer while you were editing and changed "
            f"{labels} too. Nothing is saved yet: choose which value to keep for "
            "each, then save. Their other changes are kept.",
        )
        data = cast(QueryDict, self.data).copy()  # bound to request.POST
        for name, value in result.values.items():
            data[name] = value
        data["version"] = data["base_version"] = str(current.version)
        data["seen"] = sign_values(current)
        self.data = data


class CustomerAdminForm(CustomerEditForm):
    """The admin's customer form: a stale save is merged like the staff page's
    (the admin reads the customer afresh for each request, so ``instance`` holds
    what is saved now). Its version field has another name: the admin builds its
    form from the model and refuses the name of the model's non-editable field."""

    version = None  # type: ignore[assignment]
    # Optional: a post without it (a script) saves as the admin always did.
    base_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["base_version"] = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        version = cleaned.get("base_version")
        if self.instance.pk is None or version is None or self.errors:
            return cleaned
        if version == self.instance.version:
            return cleaned
        theirs = {name: getattr(self.instance, name) for name in EDITABLE}
        mine = {name: cleaned[name] for name in EDITABLE}
        result = merge(self.seen_values(), mine, theirs)
        if result.conflicts:
            self.show_conflict(self.instance, result, None)
        else:
            cleaned.update(result.values)
        return cleaned


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


class ColumnMappingForm(forms.Form):
    """The import's mapping step: which of the file's columns holds each field."""

    FIELDS = {
        "id": ("ID", False),
        "name": ("Name", True),
        "email": ("Email", True),
        "phone": ("Phone", False),
    }

    def __init__(
        self,
        *args: Any,
        header: list[str],
        suggestion: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [("", "— not in this file —")] + [
            (str(index), cell.strip() or f"(unnamed column {index + 1})")
            for index, cell in enumerate(header)
        ]
        for key, (label, required) in self.FIELDS.items():
            cell = suggestion.get(key)
            self.fields[key] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=required,
                initial=str(header.index(cell)) if cell in header else "",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen: dict[str, str] = {}
        for key, (label, _) in self.FIELDS.items():
            index = cleaned.get(key)
            if not index:
                continue
            if index in chosen:
                self.add_error(
                    key, f"This column is already chosen for {chosen[index]}."
                )
            chosen[index] = label
        return cleaned

    def columns(self) -> dict[str, str]:
        """The mapping as ``{"id": "Customer ID", ...}`` (header cells)."""
        return {
            key: self.header[int(self.cleaned_data[key])]
            for key in self.FIELDS
            if self.cleaned_data.get(key)
        }

    def unmapped(self) -> list[str]:
        """The file's columns no field takes (as chosen so far)."""
        data = self.data if self.is_bound else None
        used = {
            (data.get(key) if data is not None else self.fields[key].initial) or ""
            for key in self.FIELDS
        }
        return [
            cell.strip() or f"(unnamed column {index + 1})"
            for index, cell in enumerate(self.header)
            if str(index) not in used
        ]
