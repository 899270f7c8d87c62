"""Benchmark: didhub.numbers.e164.parse against phonenumbers.

Usage::

    .venv/bin/python bench/e164.py [--count N] [--seed S] [--runs R] [--subset M]

Generates ``N`` (default 1,000,000) realistic E.164 numbers with
:func:`bench.inventory.realistic_numbers`, then

* runs the baseline ``phonenumbers.parse`` + ``is_valid_number`` +
  ``format_number(E164)`` once over every number and compares its verdict and
  canonical E.164 with ``didhub.numbers.e164.parse`` (0 disagreements
  expected; exit status 1 otherwise);
* times both per number (median of ``R`` interleaved runs, ``time.perf_counter``).
  When the full baseline run takes longer than ``--full-baseline-limit``
  seconds (default 10), the baseline timing runs use the first ``M`` (default
  200,000) numbers instead, and the output says so;
* does the same with tables compiled without the regex prover
  (``didhub.numbers.e164.prover``: every ``general_desc`` look-ahead kept, the
  national prefix tried on every number), in the same interleaved runs (both table
  sets twice per run, in both orders; wall-clock and CPU time), and times both table
  builds (median of ``R`` builds each, after a first build that also loads the
  metadata): what the prover buys, as ratios of one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import phonenumbers

from bench.inventory import DEFAULT_SEED, realistic_numbers
from didhub.numbers import e164
from didhub.numbers.e164 import compiler, matcher, prover


def run_baseline(numbers: list[str]) -> list[str | None]:
    """phonenumbers: canonical E.164 of each valid number, None for invalid ones."""
    parse = phonenumbers.parse
    is_valid_number = phonenumbers.is_valid_number
    format_number = phonenumbers.format_number
    e164_format = phonenumbers.PhoneNumberFormat.E164
    parse_error = phonenumbers.NumberParseException
    out: list[str | None] = []
    append = out.append
    for number in numbers:
        try:
            parsed = parse(number)
        except parse_error:
            append(None)
            continue
        append(format_number(parsed, e164_format) if is_valid_number(parsed) else None)
    return out


def run_didhub(numbers: list[str]) -> list[str | None]:
    """didhub.numbers.e164.parse: canonical E.164 of each valid number, None otherwise."""
    parse = e164.parse
    number_error = e164.NumberError
    out: list[str | None] = []
    append = out.append
    for number in numbers:
        try:
            append(parse(number).e164)
        except number_error:
            append(None)
    return out


def timed(func, argument):
    started = time.perf_counter()
    result = func(argument)
    return time.perf_counter() - started, result


def timed_both(func, argument):
    """Wall-clock and CPU seconds of one call (CPU time hides most of a shared load),
    and its result."""
    started, cpu = time.perf_counter(), time.process_time()
    result = func(argument)
    return (time.perf_counter() - started, time.process_time() - cpu), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--subset", type=int, default=200_000)
    parser.add_argument(
        "--full-baseline-limit",
        type=float,
        default=10.0,
        help="seconds; above this a full baseline run is too slow to repeat",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    numbers = realistic_numbers(args.count, seed=args.seed)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    e164.warm_up()
    warm = time.perf_counter() - started
    proved = matcher.tables()
    build_times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    built = {}
    for _ in range(args.runs):
        for prove in (True, False):
            seconds, built[prove] = timed_both(compiler.build, prove)
            build_times[prove].append(seconds)
    unproved = built[False]

    # Agreement over every number (also the first baseline timing, if it is fast enough).
    full_seconds, expected = timed(run_baseline, numbers)
    disagreements = {}
    for name, tables in (("with", proved), ("without", unproved)):
        matcher.use(tables)
        got = run_didhub(numbers)
        disagreements[name] = [
            (n, a, b) for n, a, b in zip(numbers, expected, got, strict=True) if a != b
        ]
    n_valid = sum(1 for x in expected if x is not None)

    count = len(numbers)
    if full_seconds <= args.full_baseline_limit:
        base_numbers = numbers
        base_note = ""
    else:
        base_numbers = numbers[: args.subset]
        base_note = (
            f"* baseline timed on the first {len(base_numbers):,} numbers per run: one full "
            f"run over all {count:,} took {full_seconds:.1f} s (used for the agreement check)"
        )
    # Interleave the runs so that all three see the same machine load; the two table
    # sets run twice per run, in both orders.
    base_times = []
    didhub_times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(args.runs):
        base_times.append(timed(run_baseline, base_numbers)[0])
        for prove in (True, False, False, True):
            matcher.use(proved if prove else unproved)
            didhub_times[prove].append(timed_both(run_didhub, numbers)[0])
    matcher.use(proved)

    base_median = statistics.median(base_times)
    ours_median = statistics.median(wall for wall, _ in didhub_times[True])
    unproved_median = statistics.median(wall for wall, _ in didhub_times[False])
    cpu_ratio = statistics.median(cpu for _, cpu in didhub_times[False]) / statistics.median(
        cpu for _, cpu in didhub_times[True]
    )
    base_rate = len(base_numbers) / base_median
    ours_rate = count / ours_median
    unproved_rate = count / unproved_median
    ratio = ours_rate / base_rate

    print(
        f"E.164 parse benchmark: {count:,} realistic numbers (seed {args.seed}), "
        f"median of {args.runs} runs"
    )
    print(f"  generated in {generated:.1f} s; e164 tables built in {warm * 1000:.0f} ms")
    print()
    columns = ("implementation", "numbers", "median s", "numbers/s", "µs/num")
    header = "  {:<44} {:>11} {:>9} {:>11} {:>7}".format(*columns)
    print(header)
    print("  " + "-" * (len(header) - 2))
    star = "*" if base_note else ""
    rows = (
        (
            "phonenumbers parse+is_valid+format(E164)",
            f"{len(base_numbers):,}{star}",
            base_median,
            base_rate,
        ),
        ("didhub.numbers.e164.parse", f"{count:,}", ours_median, ours_rate),
        ("the same, tables built without the prover", f"{count:,}", unproved_median, unproved_rate),
    )
    for name, n, seconds, rate in rows:
        print(f"  {name:<44} {n:>11} {seconds:>9.2f} {rate:>11,.0f} {1e6 / rate:>7.2f}")
    print()
    print(f"  speed-up: {ratio:.1f}x (target >= 20x: {'met' if ratio >= 20 else 'NOT met'})")
    print(
        f"  without the prover: {unproved_rate / base_rate:.1f}x; the prover's tables parse "
        f"{ours_rate / unproved_rate:.3f} times as many numbers/s "
        f"({cpu_ratio:.3f} times by CPU time; medians of {2 * args.runs} runs each)"
    )
    status = "on" if proved.proved else f"OFF ({prover.unavailable_reason()})"
    build_with = statistics.median(wall for wall, _ in build_times[True])
    build_without = statistics.median(wall for wall, _ in build_times[False])
    build_cpu = statistics.median(cpu for _, cpu in build_times[True]) / statistics.median(
        cpu for _, cpu in build_times[False]
    )
    print(
        f"  table build, median of {args.runs}: {build_with * 1000:.0f} ms with the prover "
        f"({status}), {build_without * 1000:.0f} ms without ({build_with / build_without:.2f}x; "
        f"{build_cpu:.2f}x by CPU time)"
    )
    for name, found in disagreements.items():
        print(
            f"  agreement {name} the prover: {count:,} numbers compared, {len(found)} "
            f"disagreements ({n_valid:,} valid, {count - n_valid:,} invalid per phonenumbers)"
        )
        for number, want, have in found[:20]:
            print(f"    DISAGREE {number}: phonenumbers={want} didhub={have}")
    if base_note:
        print(f"  {base_note}")
    return 1 if any(disagreements.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
