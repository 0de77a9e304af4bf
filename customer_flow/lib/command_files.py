"""Files for management commands: a PATH, or ``-`` for standard input/output."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import IO, Any, TextIO, cast

from django.core.management import BaseCommand, CommandError


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[bytes]]:
    """``path`` opened for reading bytes, or standard input for ``-``. (A file,
    not its bytes: the importer then holds the only copy and frees it early.)"""
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        file = open(path, "rb")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
    with file:
        yield file


def read_at_most(path: str, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``path`` (``-``: standard input)."""
    if path == "-":
        return sys.stdin.buffer.read(limit)
    with open(path, "rb") as file:
        return file.read(limit)


def to_stdout(path: str | None) -> bool:
    return path in (None, "-")


@contextlib.contextmanager
def open_output(
    command: BaseCommand, path: str | None, *, binary: bool = False
) -> Iterator[IO[Any]]:
    """A file to write data to: ``path``, or the command's standard output (as
    UTF-8 whatever the locale, with nothing else written there)."""
    if path is None or path == "-":
        with _standard_output(command, binary=binary) as out:
            yield out
        return
    try:
        if binary:
            file: IO[Any] = open(path, "wb")
        else:
            file = open(path, "w", encoding="utf-8", newline="")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
    with file:
        yield file


@contextlib.contextmanager
def _standard_output(command: BaseCommand, *, binary: bool) -> Iterator[IO[Any]]:
    # The real stream, without OutputWrapper's line endings.
    out = cast(TextIO, command.stdout._out)
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # an in-memory stream, as in call_command(stdout=...)
        if binary:
            raise CommandError("Give a file name to write this format.")
        yield out
        return
    try:
        if binary:
            yield buffer
            buffer.flush()
            return
        text = io.TextIOWrapper(
            buffer, encoding="utf-8", newline="", write_through=True
        )
        try:
            yield text
        finally:
            text.flush()
            text.detach()
    except BrokenPipeError:
        _stop_quietly(buffer)


# The exit status of a program that a closed pipe stopped (128 + SIGPIPE), as
# for `seq 1000000 | head` under `set -o pipefail`.
EXIT_BROKEN_PIPE = 141


def _stop_quietly(buffer: IO[bytes]) -> None:
    """The reader closed the pipe (``export_customers | head``): stop with no
    traceback and no message, the way other command-line tools do."""
    # Whatever is still buffered can never be written: point the descriptor at
    # /dev/null so that the interpreter's final flush does not complain either.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, buffer.fileno())
        os.close(devnull)
    raise SystemExit(EXIT_BROKEN_PIPE)
