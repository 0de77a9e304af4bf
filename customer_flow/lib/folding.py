"""Text folded for comparing what people type with what is stored.

``fold`` is the search rule: case folding, compatibility forms, accents dropped,
and the few letters that have no decomposition transliterated (ø → o, ł → l,
æ → ae), so "JIMÉNEZ", "jimenez" and "Jiménez" are one key, and "norgaard" finds
"Nørgaard". ``email_identity`` is the identity rule for an email address: the
local part case folded and in NFC, the domain in its IDNA (ASCII) form.

Each has a column version for pyarrow arrays (the importer's batches): ASCII
values are folded by pyarrow's vectorised kernels, the others one by one by the
same Python function, and a test holds the two to the same results.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pyarrow is loaded by the importer only, when used
    import pyarrow as pa


# Letters without a decomposition, after case folding (so lower case only).
_TRANSLITERATE = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ŀ": "l",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ƒ": "f",
        "ĸ": "q",
    }
)
# Joining punctuation inside a name disappears ("O'Brien" is "obrien"); dashes
# separate words ("Jean-Luc" is "jean luc").
_DROPPED = "'’‘`´.·"
_SEPARATORS = "-‐‑‒–—,;/()"
_FOLD_TABLE = str.maketrans(
    {**{ch: "" for ch in _DROPPED}, **{ch: " " for ch in _SEPARATORS}}
)
KEY_MAX_LENGTH = 400


def fold(text: str) -> str:
    """The search form of a text: "Ana-María  Nørgaard" → "ana maria norgaard"."""
    if text.isascii():
        return " ".join(text.lower().translate(_FOLD_TABLE).split())[:KEY_MAX_LENGTH]
    words = " ".join(_fold_word(word) for word in text.split())
    return " ".join(words.split())[:KEY_MAX_LENGTH]


@functools.lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    # Names repeat word by word (first names, surnames): fold each word once.
    text = unicodedata.normalize("NFKD", word.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_TRANSLITERATE).translate(_FOLD_TABLE)


def email_identity(email: str) -> str:
    """The one form of an address: "ÄDA@Bücher.DE" → "äda@xn--bcher-kva.de".

    Two emails with the same identity are the same address for this product
    (one customer each), whatever their case or Unicode normalisation.
    """
    local, at, domain = email.rpartition("@")
    if not at:
        local, domain = email, ""
    local = unicodedata.normalize("NFC", local.casefold())
    return f"{local}{at}{domain_identity(domain)}"[:KEY_MAX_LENGTH]


def domain_identity(domain: str) -> str:
    """A domain in its IDNA form, lower case; as folded text if it has none."""
    if domain.isascii():
        return domain.lower()
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:  # an empty or over-long label: keep it comparable
        return unicodedata.normalize("NFC", domain.casefold())


def phone_digits(phone: str) -> str:
    """The digits of the number, without its extension: "+1 (555) 010 x12" →
    "1555010"."""
    number = re.split(r"(?i)x|ext", phone, maxsplit=1)[0]
    return "".join(ch for ch in number if ch.isascii() and ch.isdigit())


def _by_rows(
    values: pa.Array,
    fast: pa.Array,
    function: Callable[[str], str],
    also: pa.Array | None = None,
) -> pa.Array:
    """``fast`` where the value is ASCII (and not in ``also``), ``function(value)``
    elsewhere."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ascii_mask = np.asarray(
        pc.fill_null(pc.string_is_ascii(values), True).to_numpy(zero_copy_only=False)
    )
    if also is not None:
        ascii_mask &= ~np.asarray(
            pc.fill_null(also, False).to_numpy(zero_copy_only=False)
        )
    if ascii_mask.all():
        return fast
    other = np.flatnonzero(~ascii_mask)
    mask = np.zeros(len(values), bool)
    mask[other] = True
    converted = [
        None if value is None else function(value)
        for value in values.take(pa.array(other)).to_pylist()
    ]
    return pc.replace_with_mask(fast, pa.array(mask), pa.array(converted, pa.string()))


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        return (
            values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
        )
    return values


def fold_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``fold`` of every value of a string column."""
    import pyarrow.compute as pc

    values = _plain(values)
    # Literal replacements only (regular expressions cost ten times more); rows
    # they don't settle (other punctuation, doubled spaces) go through ``fold``.
    fast = pc.ascii_lower(values)
    for char in "'`.":
        fast = pc.replace_substring(fast, char, "")
    fast = pc.replace_substring(fast, "-", " ")
    unsettled = pc.match_substring_regex(fast, _UNSETTLED_RE)
    return _by_rows(values, fast, fold, also=unsettled)


# What the fast path of fold_column leaves to fold(): other separators, several
# spaces in a row, spaces at either end. (Names are far below KEY_MAX_LENGTH.)
_UNSETTLED_RE = r"[,;/()\t\n\r\f\v\x1c-\x1f]|  |^ | $"


def email_identity_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``email_identity`` of every value of a string column."""
    import pyarrow.compute as pc

    values = _plain(values)
    fast = pc.utf8_slice_codeunits(pc.ascii_lower(values), 0, KEY_MAX_LENGTH)
    return _by_rows(values, fast, email_identity)


def phone_digits_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``phone_digits`` of every value of a string column."""
    import pyarrow.compute as pc

    values = _plain(values)
    fast = values
    for char in " ()-./+":
        fast = pc.replace_substring(fast, char, "")
    # Anything left besides digits (an extension) goes through phone_digits.
    unsettled = pc.and_(pc.invert(pc.utf8_is_digit(fast)), pc.not_equal(fast, ""))
    return _by_rows(values, fast, phone_digits, also=unsettled)
