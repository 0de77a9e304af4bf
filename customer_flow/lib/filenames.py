"""File names from outside (uploads, email attachments) made safe to show and save."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 150
# Characters Windows, macOS or a shell treat specially, and every control character.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]')
_SPACES = re.compile(r"\s+")
_WINDOWS_DEVICES = {
    "con", "prn", "aux", "nul",
    *(f"com{n}" for n in range(1, 10)),
    *(f"lpt{n}" for n in range(1, 10)),
}  # fmt: skip


def safe_filename(name: str | None, *, default: str = "attachment") -> str:
    """A name with no directory, no control or reserved characters, at most 150
    characters (the extension kept), never hidden and never a Windows device."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in {"Cf", "Cc"})
    text = _UNSAFE.sub("_", text)
    text = _SPACES.sub(" ", text).strip(" .")
    if not text.strip("_"):
        return default
    if text.split(".")[0].lower() in _WINDOWS_DEVICES:
        text = f"_{text}"
    return _shorten(text)


def _shorten(text: str) -> str:
    if len(text) <= MAX_LENGTH:
        return text
    stem, dot, extension = text.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return stem[: MAX_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
    return text[:MAX_LENGTH].rstrip(" .")
