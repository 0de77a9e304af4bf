"""Forms of the conversation: reply, note, saved replies, notification settings."""

from __future__ import annotations

from typing import Any

from django import forms

from tickets.canned import PLACEHOLDERS, CannedReply
from tickets.notifications import NotificationSettings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (none is fine); the size limits are enforced while the
    upload is read (``customer_flow.lib.upload_limits``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Sent by email to the customer.",
        max_length=100_000,
    )
    attachments = MultipleFileField(label="Attach files")
    canned = forms.ModelChoiceField(
        queryset=CannedReply.objects.none(),
        required=False,
        label="Saved reply",
        empty_label="Choose a saved reply",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Two forms on one page: their fields need IDs of their own.
        kwargs.setdefault("auto_id", "reply_%s")
        super().__init__(*args, **kwargs)
        self.fields["canned"].queryset = CannedReply.objects.all()  # type: ignore[attr-defined]


class InsertCannedForm(forms.Form):
    """The "Insert" button beside the saved replies: no body required yet."""

    body = forms.CharField(required=False, widget=forms.Textarea)
    canned = forms.ModelChoiceField(
        queryset=CannedReply.objects.all(), label="Saved reply"
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Your note",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only staff see notes. Type @username to notify a colleague.",
        max_length=100_000,
    )
    attachments = MultipleFileField(label="Attach files")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body": "Plain text. You can use "
            + ", ".join(f"{{{{ {n} }}}} ({m})" for n, m in PLACEHOLDERS.items())
            + "."
        }


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["email_enabled"]
