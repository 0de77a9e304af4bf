"""The rules for a customer's fields: the one validation path.

The model fields, the web form, the admin and the importer all call these functions,
so the same bad value gets the same message everywhere. Each ``clean_*`` function
takes the raw text as typed or read from a file and returns the value to store, or
raises ``ValidationError`` with a message that says what is wrong and how to fix it.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 40
MAX_CUSTOMER_ID = 2**63 - 1

REQUIRED = "This field is required."
EMAIL_TAKEN = "A customer with this email already exists (customer %(id)s)."

# Characters people paste by accident around a value: Unicode spaces (str.strip
# handles those, Excel's no-break space included) and the invisible format marks.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Line breaks inside a quoted field are data, not damage; every other control
# character (NUL, tab, escape, ...) is refused.
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_PHONE_RE = re.compile(
    r"^(?P<number>\+?[0-9 ()\-./]+?)"
    r"(?:\s*(?:x|ext\.?)\s*(?P<extension>[0-9]{1,6}))?$",
    re.IGNORECASE,
)
# UTF-8 text once read as Windows-1252 or Latin-1 and saved again: the two bytes
# of é (C3 A9) show as Ã©, ß (C3 9F) as ÃŸ, É (C3 89) as Ã‰, ł (C5 82) as Å‚; a
# no-break space as Â followed by one; a curly quote as â€™. A lead byte C2-C5
# (Â Ã Ä Å: the Latin letters of European languages) followed by a continuation
# byte 80-BF read as cp1252 or Latin-1. Literal characters only, so that RE2 (the
# importer's fast path, pyarrow) runs the very same pattern.
_CONTINUATION = "".join(
    sorted(
        {bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xC0)}
        | {chr(b) for b in range(0x80, 0xC0)} - {""}
    )
)
GARBLED_PATTERN = f"[ÂÃÄÅ][{re.escape(_CONTINUATION)}]|â€|â„¢"
_GARBLED_RE = re.compile(GARBLED_PATTERN)
_SPREADSHEET_NUMBER_RE = re.compile(r"^[0-9.,]+E\+?[0-9]+$", re.IGNORECASE)
# A number a spreadsheet stored as a float and wrote back with its decimals.
FLOAT_SUFFIX_PATTERN = r"^\+?[0-9]+[.,]0+$"
_FLOAT_SUFFIX_RE = re.compile(FLOAT_SUFFIX_PATTERN)
_email_validator = EmailValidator()


def normalize(value: object) -> str:
    """Trim spaces and invisible marks from both ends of a value and return text,
    in Unicode's composed form (NFC), so that é typed as e + ◌́ is the same é."""
    if value is None:
        return ""
    text = str(value).strip().strip(_INVISIBLE).strip()
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def check_no_control_characters(value: str) -> None:
    match = _CONTROL_RE.search(value)
    if match:
        raise ValidationError(
            "Contains the invisible control character %(char)s; remove it.",
            code="control_character",
            params={"char": f"U+{ord(match.group()):04X}"},
        )


def check_not_garbled(value: str) -> None:
    match = _GARBLED_RE.search(value)
    if match:
        raise ValidationError(
            "Looks garbled by a wrong encoding (%(text)s, as when é shows as Ã©); "
            "correct the text, or the encoding of the file it came from.",
            code="garbled",
            params={"text": match.group()},
        )


def clean_name(value: object) -> str:
    name = normalize(value)
    if not name:
        raise ValidationError(REQUIRED, code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            "Ensure this value has at most %(limit)d characters (it has %(length)d).",
            code="max_length",
            params={"limit": NAME_MAX_LENGTH, "length": len(name)},
        )
    check_no_control_characters(name)
    check_not_garbled(name)
    return name


def clean_email(value: object) -> str:
    email = normalize(value)
    if not email:
        raise ValidationError(REQUIRED, code="required")
    check_no_control_characters(email)
    check_not_garbled(email)
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            "Ensure this value has at most %(limit)d characters (it has %(length)d).",
            code="max_length",
            params={"limit": EMAIL_MAX_LENGTH, "length": len(email)},
        )
    try:
        _email_validator(email)
    except ValidationError:
        raise ValidationError(
            "Enter a valid email address, like name@example.com.", code="invalid"
        ) from None
    return email


def clean_phone(value: object) -> str:
    """Return the phone exactly as entered (trimmed), or refuse it."""
    phone = normalize(value)
    if not phone:
        return ""
    check_no_control_characters(phone)
    if _SPREADSHEET_NUMBER_RE.match(phone):
        raise ValidationError(
            "Looks like a spreadsheet turned this phone number into a number "
            "(%(value)s); format the column as text and export again.",
            code="spreadsheet_number",
            params={"value": phone},
        )
    if _FLOAT_SUFFIX_RE.match(phone):
        raise ValidationError(
            "Looks like a spreadsheet stored this phone number as a decimal number "
            "(%(value)s, with %(suffix)s added); format the column as text and "
            "export again, or remove the %(suffix)s.",
            code="float_suffix",
            params={"value": phone, "suffix": phone[phone.rfind(".") :]},
        )
    if len(phone) > PHONE_MAX_LENGTH:
        raise ValidationError(
            "Ensure this value has at most %(limit)d characters (it has %(length)d).",
            code="max_length",
            params={"limit": PHONE_MAX_LENGTH, "length": len(phone)},
        )
    match = _PHONE_RE.match(phone)
    if not match:
        raise ValidationError(
            "Enter a phone number using digits, spaces and + ( ) - . / only, "
            "with an optional extension like x123.",
            code="invalid",
        )
    digits = sum(ch.isdigit() for ch in match.group("number"))
    if not 7 <= digits <= 15:
        raise ValidationError(
            "A phone number needs 7 to 15 digits (this one has %(digits)d).",
            code="digits",
            params={"digits": digits},
        )
    return phone


def clean_customer_id(value: object) -> int | None:
    """Return the customer ID as an int, or None when it is empty (a new customer)."""
    text = normalize(value)
    if not text:
        return None
    if _FLOAT_SUFFIX_RE.match(text) and not text.startswith("+"):
        whole = re.split(r"[.,]", text)[0]
        raise ValidationError(
            "Looks like a spreadsheet stored this ID as a decimal number (%(value)s); "
            "write it as %(whole)s, or format the column as text and export again.",
            code="float_suffix",
            params={"value": text, "whole": whole},
        )
    if not text.isascii() or not text.isdigit():
        hint = (
            " (a spreadsheet may have added decimals)" if _looks_decimal(text) else ""
        )
        raise ValidationError(
            "The ID must be a whole number such as 42%(hint)s.",
            code="invalid",
            params={"hint": hint},
        )
    number = int(text)
    if number < 1:
        raise ValidationError("The ID must be 1 or more.", code="min_value")
    if number > MAX_CUSTOMER_ID:
        raise ValidationError("The ID is too large.", code="max_value")
    return number


def _looks_decimal(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+[.,][0-9]+|[0-9.,]+E\+?[0-9]+", text, re.I))


# Model field validators: the same rules, for model.full_clean() callers.
def validate_name(value: object) -> None:
    clean_name(value)


def validate_email(value: object) -> None:
    clean_email(value)


def validate_phone(value: object) -> None:
    clean_phone(value)
