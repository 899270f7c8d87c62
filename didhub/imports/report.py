"""The validation report of ``didhub numbers check`` and ``didhub import``, and their progress bar.

A progress bar (rich) on a terminal, nothing in a pipe; the report is plain text either
way, so it reads the same in a log.
"""

from contextlib import contextmanager


@contextmanager
def progress_bar(stream, label: str):
    """Yield ``update(done, total)``; draws a bar only when ``stream`` is a terminal."""
    if not (hasattr(stream, "isatty") and stream.isatty()):
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        label,
        BarColumn(),
        MofNCompleteColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done) or None)

        yield update


def write_report(out, *, counts: dict, notes: list[str], errors, limit: int) -> None:
    """Counts, notes, then up to ``limit`` rejected rows (line, column, value, reason)."""
    line = (
        f"{counts['total']:,} rows: {counts['valid']:,} valid, {counts['invalid']:,} invalid, "
        f"{counts['duplicate']:,} duplicate"
    )
    if counts.get("present") is not None:
        line += f" ({counts['present']:,} of the valid ones already present)"
    out.write(line + "\n")
    for note in notes:
        out.write(f"note: {note}\n")
    for shown, error in enumerate(errors):
        if shown == limit:
            out.write(f"... more rejected rows not shown (--limit {limit}).\n")
            break
        value = f" {error.value!r}" if error.value else ""
        out.write(f"line {error.line}, {error.column}{value}: {error.message} [{error.code}]\n")
