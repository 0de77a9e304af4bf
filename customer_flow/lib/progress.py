"""Progress bars for management commands: on a terminal only, never in logs."""

from __future__ import annotations

from typing import TextIO

from tqdm import tqdm


class TerminalProgress:
    """A ``progress(step, done, total)`` callback drawing a tqdm bar per step.

    It draws nothing unless ``stream`` is a terminal, ``verbosity`` is above 0 and
    the step has more than ``threshold`` rows. Use it as a context manager so the
    last bar is closed.
    """

    def __init__(
        self, stream: TextIO, *, verbosity: int = 1, threshold: int = 5000
    ) -> None:
        isatty = getattr(stream, "isatty", lambda: False)
        self.stream = stream
        self.enabled = verbosity > 0 and isatty()
        self.threshold = threshold
        self.bar: tqdm | None = None
        self.step = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.enabled or max(done, total) <= self.threshold:
            return
        if self.bar is None or step != self.step:
            self.close()
            self.step = step
            # (Reading counts bytes; the other steps count rows.)
            in_bytes = step == "reading"
            self.bar = tqdm(
                total=total or None,
                desc=step,
                unit="B" if in_bytes else " rows",
                unit_scale=in_bytes,
                file=self.stream,
            )
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
