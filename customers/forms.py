from __future__ import annotations

from django import forms

from customers import validation
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
