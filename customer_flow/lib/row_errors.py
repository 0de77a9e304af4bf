"""Why a file or a row was refused, as ``line N, column X: reason``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One reason a file or a row was refused, as ``line N, column X: reason``."""

    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.value is not None:
            text += f" ({show_value(self.value)})"
        return text

    @property
    def reason(self) -> str:
        """The column and message, as in a rejected-rows report's error cell."""
        return f"{self.column}: {self.message}" if self.column else self.message


def show_value(value: str, limit: int = 60) -> str:
    """Quote a value for a message, with invisible characters made visible."""
    shown = "".join(
        ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in value[:limit]
    )
    return f'"{shown}…"' if len(value) > limit else f'"{shown}"'


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing in it was looked at further."""

    def __init__(
        self, message: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        super().__init__(message)
        self.error = RowError(line, column, None, message)
