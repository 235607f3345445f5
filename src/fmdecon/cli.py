"""The ``fmdecon`` command line: ``fmdecon diff OLD NEW`` and ``fmdecon validate CONFIG``.

Exit status: 0 = success (``diff``: equal within tolerance), 1 = ``diff``: the data differ,
2 = error (unreadable file, different quantities, invalid configuration, bad usage). Errors
are one message on stderr naming the file or argument, without a traceback; nothing is
written on error (``--output`` and ``--plot`` files are written atomically).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["main"]

EXIT_OK, EXIT_DIFFERS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "markdown", "json")


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0; got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0; got {text!r}")
    return value


def _error(command: str, message: object) -> int:
    text = str(message).strip().replace("\n", " ") if command == "diff" else str(message)
    print(f"fmdecon {command}: error: {text}", file=sys.stderr)
    return EXIT_ERROR


def _emit(text: str) -> None:
    """Write to stdout; a closed pipe (``fmdecon diff ... | head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _check_target(option: str, path: Path) -> None:
    from fmdecon.diff import DiffError

    if path.is_dir():
        raise DiffError(f"{option} {path}: is a directory")
    if not path.parent.is_dir():
        raise DiffError(f"{option} {path}: directory {path.parent} does not exist")


def _run_diff(args: argparse.Namespace) -> int:
    from fmdecon.diff import DiffError, diff_paths
    from fmdecon.diff.plot import plot_diff, plot_format
    from fmdecon.study.cube import write_text

    try:
        if args.plot is not None:
            _check_target("--plot", args.plot)
            plot_format(args.plot)
        if args.output is not None:
            _check_target("--output", args.output)
        report = diff_paths(
            args.old, args.new, rtol=args.rtol, atol=args.atol, max_points=args.max_points
        )
        if args.format == "json":
            text = json.dumps(report.to_json(), indent=2, allow_nan=False) + "\n"
        elif args.format == "markdown":
            text = report.to_markdown()
        else:
            text = report.to_text()
        if args.plot is not None:
            plot_diff(report, args.plot)
        if args.output is not None:
            write_text(args.output, text)
    except (DiffError, ValueError, OSError) as exc:
        return _error("diff", exc)
    if args.output is None:
        _emit(text)
    return EXIT_OK if report.equal else EXIT_DIFFERS


def _run_validate(args: argparse.Namespace) -> int:
    from fmdecon.study import Study
    from fmdecon.study.config import ConfigError, load_config

    status = EXIT_OK
    for path in args.configs:
        try:
            study = Study(load_config(path))
        except (ConfigError, ValueError, OSError) as exc:
            status = _error("validate", exc)
            continue
        jobs = sum(len(study.chunks(law)) for law in study.laws)
        _emit(
            f"ok: {study.name} ({path}): {len(study.laws)} law(s) ({', '.join(study.laws)}), "
            f"methods {', '.join(study.methods)}, {study.amplitudes.size} amplitudes, "
            f"{jobs} deconvolution job(s)\n"
        )
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``fmdecon`` with its subcommands."""
    from fmdecon import __version__

    parser = argparse.ArgumentParser(
        prog="fmdecon",
        description="Force deconvolution for FM-AFM: tools for the study pipeline's results.",
    )
    parser.add_argument("--version", action="version", version=f"fmdecon {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    diff = commands.add_parser(
        "diff",
        help="compare two metric cubes or two results directories",
        description=(
            "Compare two netCDF result files, or the metrics/ and curves/ files of two results "
            "directories. A summary first (result, differing config keys, each differing "
            "variable with its largest difference and where), then per file: the largest "
            "absolute and relative difference (|new - old| / max(|old|, |new|)) of each "
            "variable, the coordinates where values differ beyond the tolerance, coordinates "
            "present on one side only, z grids compared by interpolation, and provenance "
            "differences (versions, config; they do not count as a difference)."
        ),
        epilog="exit status: 0 = equal within tolerance, 1 = differs, 2 = error",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="old file or results directory")
    diff.add_argument("new", type=Path, metavar="NEW", help="new file or results directory")
    diff.add_argument(
        "--rtol",
        type=_tolerance,
        default=1e-12,
        help="relative tolerance: differs if |new - old| > atol + rtol*max(|old|, |new|) "
        "(default 1e-12)",
    )
    diff.add_argument(
        "--atol", type=_tolerance, default=0.0, help="absolute tolerance (default 0)"
    )
    diff.add_argument("--format", choices=FORMATS, default="text", help="report format")
    diff.add_argument(
        "--max-points",
        type=_count,
        default=20,
        metavar="N",
        help="differing points listed per variable (default 20)",
    )
    diff.add_argument(
        "--plot", type=Path, metavar="PATH", help="write CoD(A), old vs new, to this image"
    )
    diff.add_argument(
        "--output", "-o", type=Path, metavar="PATH", help="write the report here, not stdout"
    )
    diff.set_defaults(handler=_run_diff)

    validate = commands.add_parser(
        "validate",
        help="check study configuration files",
        description="Validate study configurations (YAML) against the schema and the sweeps.",
        epilog="exit status: 0 = all valid, 2 = an invalid or unreadable configuration",
    )
    validate.add_argument("configs", nargs="+", type=Path, metavar="CONFIG")
    validate.set_defaults(handler=_run_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fmdecon`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 ``diff`` found differences, 2 error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("fmdecon: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
