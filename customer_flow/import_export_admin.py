"""django-import-export, wired to our importers and our formula neutralisation.

The admin keeps django-import-export's pages but not its row-by-row import. A
customers file goes to the staff pages' background check (``CustomerAdmin``); a
ticket-types file reaches our importer as raw bytes on the library's upload,
preview and confirm pages, kept in between in ``AdminUploadStorage`` under a name
only the uploading user may confirm. Exports go through ``neutralise_formula``
(the library's own escaping only strips a leading ``=``).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from typing import Any

import tablib
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    SuspiciousFileOperation,
    ValidationError,
)
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.results import InvalidRow, Result, RowResult
from import_export.tmp_storages import MediaStorage

from customer_flow.body_limits import upload_too_large
from customer_flow.lib.formulas import neutralise_formula
from tickets.importing import TicketTypeReport

_UPLOADS_KEY = "admin_import_uploads"


class AdminUploadStorage(MediaStorage):
    """Where the admin keeps an uploaded file between preview and confirm
    (``IMPORT_EXPORT_TMP_STORAGE_CLASS``): a folder of the media storage that holds
    nothing else, under a random name the upload got. The library's default
    reads and then deletes ``/tmp/<any name the form posts>``; here a name that
    is not such a random name is refused, and ``ImporterAdminMixin`` accepts only
    names of the signed-in user's own uploads."""

    FOLDER = "admin-imports"
    name: str | None

    def __init__(self, **kwargs: Any) -> None:
        name = kwargs.get("name")
        if name is not None and not re.fullmatch(r"[0-9a-f]{32}", str(name)):
            raise SuspiciousFileOperation("Not the name of an uploaded import file.")
        super().__init__(**{**kwargs, "MEDIA_FOLDER": self.FOLDER})

    def save(self, data: bytes | str) -> None:
        if not self.name:
            self.name = uuid.uuid4().hex
        if isinstance(data, str):
            data = data.encode("utf-8")
        super().save(data)


class RawFile(tablib.Dataset):
    """An uploaded file, unparsed: our importers read the bytes themselves."""

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self.raw = raw

    def __bool__(self) -> bool:
        # django-import-export refuses an empty dataset with its own message; an
        # empty file gets ours instead.
        return True


class RawImportFormat(base_formats.Format):
    """Hands the uploaded bytes to the model admin's importer."""

    title = "CSV"
    extension = "csv"
    content_type = "text/csv"

    def __init__(self, encoding: str | None = None) -> None:
        # The importer decodes the bytes itself; the admin's encoding is unused.
        self.encoding = encoding

    def get_title(self) -> str:
        return self.title

    def create_dataset(self, in_stream: bytes) -> RawFile:
        return RawFile(in_stream)

    def get_extension(self) -> str:
        return self.extension

    def get_content_type(self) -> str:
        return self.content_type

    def can_import(self) -> bool:
        return True


def _neutralised(dataset: tablib.Dataset) -> tablib.Dataset:
    safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        safe.append([neutralise_formula(c) if isinstance(c, str) else c for c in row])
    return safe


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        # The same line ends as export_customers, so both give the same bytes.
        kwargs.setdefault("lineterminator", "\n")
        return _neutralised(dataset).export("csv", **kwargs)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> bytes:
        return _neutralised(dataset).export("xlsx", **kwargs)


class PlainJSON(base_formats.JSON):
    """JSON is not for spreadsheets: values are exported unchanged."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return dataset.export("json", **kwargs)


class SizeLimitedImportForm(ImportForm):
    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        if too_large:  # the file was dropped unread: say why, not "required"
            self.fields["import_file"].required = False

    def clean_import_file(self) -> UploadedFile:
        file = self.cleaned_data["import_file"]
        limit = settings.ADMIN_IMPORT_MAX_BYTES
        if self.too_large or file.size > limit:
            raise ValidationError(
                f"This file is larger than {limit:,} bytes; import it with the "
                "import_customers management command instead."
            )
        return file


def report_to_result(report: TicketTypeReport, headers: list[str]) -> Result:
    """django-import-export's Result for one of our reports, keeping the report
    itself as ``result.report`` for our templates."""
    result = Result()
    result.report = report
    result.diff_headers = headers
    result.totals[RowResult.IMPORT_TYPE_NEW] = report.created
    result.totals[RowResult.IMPORT_TYPE_UPDATE] = report.updated
    result.totals[RowResult.IMPORT_TYPE_SKIP] = report.unchanged
    result.totals[RowResult.IMPORT_TYPE_INVALID] = report.invalid
    if report.refused:
        by_line: defaultdict[int, defaultdict[str, list[str]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for error in report.errors:
            text = str(error)
            by_line[error.line or 0][error.column or NON_FIELD_ERRORS].append(text)
        for line, errors in sorted(by_line.items()):
            result.invalid_rows.append(
                InvalidRow(line, ValidationError(dict(errors)), values=())
            )
    return result


class ImporterAdminMixin(ImportExportMixin):
    """Import and export in the admin through our importer (see module doc)."""

    import_form_class = SizeLimitedImportForm
    import_template_name = "admin/import_with_report.html"
    skip_admin_log = True  # history rows and the import record are the log

    def get_import_form_kwargs(self, request: HttpRequest) -> dict:
        # RequestBodyLimitMiddleware stopped storing an oversized file
        # (settings.UPLOAD_ENDPOINTS lists the import pages).
        kwargs = super().get_import_form_kwargs(request)
        if upload_too_large(request):
            kwargs.update(data=request.POST, too_large=True)
        return kwargs

    def add_success_message(self, result: Result, request: HttpRequest) -> None:
        report = result.report
        if report.refused:
            for error in report.errors[:20]:
                messages.error(request, str(error))
            messages.error(request, f"Import {report.summary()}.")
        else:
            messages.success(request, f"Imported: {report.summary()}.")

    def create_confirm_form(self, request: HttpRequest, import_form: Any = None) -> Any:
        if import_form is not None:  # the upload: remember it is this user's
            name = import_form.cleaned_data["import_file"].tmp_storage_name
            uploads = request.session.get(_UPLOADS_KEY, [])[-20:]
            request.session[_UPLOADS_KEY] = [*uploads, name]
        return super().create_confirm_form(request, import_form=import_form)

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # Confirm only a file this user uploaded: the form's file name is theirs
        # to change.
        name = request.POST.get("import_file_name", "")
        uploads = request.session.get(_UPLOADS_KEY, [])
        if name not in uploads:
            raise PermissionDenied("Not a file you uploaded: upload it again.")
        request.session[_UPLOADS_KEY] = [u for u in uploads if u != name]
        return super().process_import(request, **kwargs)

    #: shown above the preview: how the file's rows are matched
    import_help = ""

    def get_import_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_import_context_data(**kwargs),
            "import_help": self.import_help,
        }
