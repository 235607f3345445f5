"""The ``fmdecon`` command line: ``fmdecon deconvolve FILE...``, ``fmdecon diff OLD NEW``,
``fmdecon validate CONFIG`` and ``fmdecon plan CONFIG``.

Exit status: 0 = success (``diff``: equal within tolerance), 1 = ``diff``: the data differ,
``deconvolve`` of several files: at least one failed (the others are written),
2 = error (unreadable file, different quantities, invalid configuration, bad usage, the one
file of ``deconvolve`` failed). Errors are one message on stderr naming the file or
argument, without a traceback; nothing is written on error (``--output`` and ``--plot``
files are written atomically). ``deconvolve`` checks every target before it reads any file:
a target that is one of the inputs (also through a link), a target shared by two inputs,
or an existing one without ``--overwrite`` is a usage error (2) and nothing is written.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from fmdecon._version import __version__

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
    from fmdecon.diff.report import render_markdown, render_text, to_json
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
            text = json.dumps(to_json(report), indent=2, allow_nan=False) + "\n"
        elif args.format == "markdown":
            text = render_markdown(report)
        else:
            text = render_text(report)
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


def _cores(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1; got {text!r}")
    return value


def _machine_cores() -> int:
    """Cores this process may use (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _run_plan(args: argparse.Namespace) -> int:
    from fmdecon.figures import available
    from fmdecon.study import Study
    from fmdecon.study.config import ConfigError, load_config
    from fmdecon.study.plan import plan_study, render_plan

    cores = args.cores if args.cores is not None else _machine_cores()
    try:
        config = load_config(args.config)
        plan = plan_study(Study(config), cores, available(config))
    except (ConfigError, ValueError, OSError) as exc:
        return _error("plan", exc)
    _emit(render_plan(plan, str(args.config)))
    return EXIT_OK


def _expand_inputs(patterns: Sequence[str]) -> list[Path]:
    """Input files: each argument as is if it exists, else as a glob pattern."""
    files: list[Path] = []
    for pattern in patterns:
        if Path(pattern).exists() or not any(c in pattern for c in "*?["):
            files.append(Path(pattern))
        else:
            matches = sorted(glob.glob(pattern))
            files += [Path(m) for m in matches] or [Path(pattern)]
    return files


def _target(
    option: str, given: Path | None, source: Path, several: bool, suffix: str
) -> Path | None:
    """Output path for ``source``: a file, a directory (``<dir>/<stem><suffix>``) or a pattern
    with ``{stem}`` / ``{name}``."""
    if given is None:
        return None
    text = str(given)
    if "{" in text:
        try:
            return Path(text.format(stem=source.stem, name=source.name))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"{option} {text}: bad pattern ({exc}); use {{stem}} or {{name}}"
            ) from None
    if given.is_dir() or text.endswith(os.sep) or (several and not given.suffix):
        return given / f"{source.stem}{suffix}"
    if several:
        raise ValueError(
            f"{option} {text}: several input files need a directory or a pattern such as "
            f"'out/{{stem}}{suffix}'"
        )
    return given


def _same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same file through any link when both exist
    (:func:`os.path.samefile`), else the same resolved path."""
    try:
        if first.exists() and second.exists():
            return os.path.samefile(first, second)
    except OSError:
        pass
    resolved = [os.path.normcase(os.path.realpath(p)) for p in (first, second)]
    return resolved[0] == resolved[1]


def _plan_outputs(
    files: Sequence[Path],
    output: Path | None,
    plot: Path | None,
    suffix: str,
    overwrite: bool,
) -> list[tuple[Path, Path | None, Path | None]]:
    """(input, output, plot) per input file, checked before anything is computed or written.

    Raises ValueError (a usage error) for a target that is one of the inputs (the same path,
    or the same file through a link), a target shared by two inputs or by ``--output`` and
    ``--plot``, an existing target without ``overwrite``, or an unsupported plot format.
    """
    several = len(files) > 1
    plan = [
        (
            path,
            _target("--output", output, path, several, suffix),
            _target("--plot", plot, path, several, ".png"),
        )
        for path in files
    ]
    claimed: list[tuple[str, Path, Path]] = []  # (option, target, the input it is for)
    for path, *targets in plan:
        for option, target in zip(("--output", "--plot"), targets, strict=True):
            if target is None:
                continue
            if target.is_dir():
                raise ValueError(f"{option} {target}: is a directory")
            for source in files:
                if _same_file(target, source):
                    how = (
                        ""
                        if str(target) == str(source)
                        else " (the same file by another name or link)"
                    )
                    instead = source.with_suffix(suffix if option == "--output" else ".png")
                    hint = f", e.g. {instead}" if not _same_file(instead, source) else ""
                    raise ValueError(
                        f"{option} {target} is the input file {source}{how}: refusing to "
                        f"write over a measurement; choose another {option}{hint}"
                    )
            for other_option, other, other_source in claimed:
                if _same_file(target, other):
                    whose = (
                        f"of both {other_source} and {path}"
                        if other_source != path
                        else f"of both {other_option} and {option} for {path}"
                    )
                    raise ValueError(
                        f"{option} {target} is the target {whose}: give each its own file "
                        "(e.g. a pattern with {name}, or another directory)"
                    )
            if target.exists() and not overwrite:
                raise ValueError(
                    f"{option} {target} exists: pass --overwrite to replace it (nothing was "
                    "written)"
                )
            claimed.append((option, target, path))
    if plot is not None:
        from fmdecon.plot import image_format

        for _, _, target in plan:
            if target is not None:
                image_format(target)
    return plan


def _format_table(rows: Sequence[dict[str, str]]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in keys}
    lines = ["  ".join(k.ljust(widths[k]) for k in keys)]
    lines.append("  ".join("-" * widths[k] for k in keys))
    lines += ["  ".join(r[k].ljust(widths[k]) for k in keys) for r in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


#: Arguments of :func:`fmdecon.measure` -> the options of ``fmdecon deconvolve`` that set them.
_DECONVOLVE_FLAGS = {
    "amplitude": "--amplitude",
    "k": "--k",
    "f0": "--f0",
    "df_noise": "--df-noise",
    "z_unit": "--z-unit",
    "df_unit": "--df-unit",
}
#: The readers' argument names in a message (``pass z_unit``) -> the options that set them.
_READER_ARGUMENT = re.compile(r"\b(z|df)_unit\b(=)?")


def _deconvolve_message(exc: Exception) -> str:
    """The library's error, with its arguments named by the command line's options."""
    from fmdecon.measurement import ArgumentError, MissingValueError

    if isinstance(exc, ArgumentError):
        flag = _DECONVOLVE_FLAGS.get(exc.argument, exc.argument)
        text = f"{flag}: {exc.problem}"
    elif isinstance(exc, MissingValueError):
        flag = _DECONVOLVE_FLAGS.get(exc.argument, exc.argument)
        text = (
            f"{exc.path}: {exc.argument} is not in the file: give {flag} "
            f"(e.g. {flag} {exc.example})"
        )
    else:
        text = str(exc)
    return _READER_ARGUMENT.sub(lambda m: f"--{m[1]}-unit" + (" " if m[2] else ""), text)


def _refuse_input(option: str, target: Path | None, source: Path) -> None:
    """An output that would write over its input is refused (the measurement is kept)."""
    if target is not None and target.exists() and target.resolve() == source.resolve():
        raise ValueError(
            f"{option} {target}: is the input file; it is never written over (give another "
            "name, e.g. one ending in .nc or .png)"
        )


def _deconvolve_grid(
    args: argparse.Namespace, path: Path, output: Path | None, plot: Path | None, fmt: str
) -> list[str]:
    """One grid file (``.3ds``): measured and written in streamed blocks; the summary lines.

    The netCDF file and the plot are written atomically; the plot is drawn before the netCDF
    file takes its name, so that an error leaves neither."""
    from fmdecon.measurement.grid import measure_grid, summary_lines
    from fmdecon.measurement.grid_outputs import measure_grid_to_netcdf
    from fmdecon.measurement.grid_plot import render_grid_plot
    from fmdecon.study.cube import write_atomic

    if output is not None and fmt != "nc":
        raise ValueError(
            f"--format {fmt}: {path} is a grid, whose volumes are written as netCDF only "
            "(give --output with a .nc name)"
        )
    options = {
        "amplitude": args.amplitude,
        "k": args.k,
        "f0": args.f0,
        "methods": args.method,
        "sweep": args.sweep,
        "df_noise": args.df_noise,
        "subtract_offset": args.subtract_offset,
        "flip_z": args.flip_z,
        "strict": not args.allow_implausible,
    }
    images: list[bytes] = []
    plot_format = (plot.suffix.lstrip(".").lower() or "png") if plot is not None else "png"

    def draw(measurement: object) -> None:
        if plot is not None:
            images.append(render_grid_plot(measurement, plot_format, method=args.plot_method))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if output is not None:
            result = measure_grid_to_netcdf(path, output, then=draw, **options)
        else:
            result = measure_grid(path, keep_volumes=False, **options)
            draw(result)
    if plot is not None:
        write_atomic(plot, lambda tmp, data=images[0]: tmp.write_bytes(data))
    lines = summary_lines(result)
    written = [str(p) for p in (output, plot) if p is not None]
    lines.append(f"  written: {', '.join(written) if written else 'nothing (no --output)'}")
    _emit("\n".join(lines) + "\n")
    for text in result.warnings:
        print(f"fmdecon deconvolve: warning: {path.name}: {text}", file=sys.stderr)
    return lines


def _deconvolve_one(
    args: argparse.Namespace,
    path: Path,
    output: Path | None,
    plot: Path | None,
    fmt: str,
    rows: list[dict[str, str]],
) -> int:
    """One input file of ``fmdecon deconvolve``: its summary lines on stdout, its warnings
    and errors on stderr, its table rows appended to ``rows``; 1 if it failed, else 0."""
    from fmdecon.io import is_grid
    from fmdecon.measurement import MeasurementError, measure
    from fmdecon.measurement.outputs import summary_rows, to_dataset, write_csv
    from fmdecon.measurement.plot import render_plot
    from fmdecon.study.cube import write_atomic, write_dataset

    try:
        if is_grid(path):  # a grid of curves: streamed, its own summary
            _deconvolve_grid(args, path, output, plot, fmt)
            return 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = measure(
                path,
                amplitude=args.amplitude,
                k=args.k,
                f0=args.f0,
                methods=args.method,
                sweep=args.sweep,
                df_noise=args.df_noise,
                subtract_offset=args.subtract_offset,
                flip_z=args.flip_z,
                strict=not args.allow_implausible,
                z_unit=args.z_unit,
                df_unit=args.df_unit,
                tail=args.tail,
                snap=args.snap,
            )
            # everything is computed before anything is written: no partial output
            image = None
            if plot is not None:
                image = render_plot(result, plot.suffix.lstrip(".").lower() or "png")
            dataset = to_dataset(result) if output is not None and fmt == "nc" else None
        if output is not None:
            if dataset is not None:
                write_dataset(dataset, output, {})
            else:
                write_csv(result, output)
        if plot is not None and image is not None:
            write_atomic(plot, lambda tmp, data=image: tmp.write_bytes(data))
    except (MeasurementError, ValueError, OSError, MemoryError) as exc:
        text = _deconvolve_message(exc).strip().replace("\n", " ")
        if str(path) not in text and not text.startswith("--"):
            text = f"{path}: {text}"
        print(f"fmdecon deconvolve: error: {text}", file=sys.stderr)
        return 1
    lines = [
        f"{path}: {result.z.size} points, {result.curve}",
        f"  orientation: {result.orientation}",
        *([f"  grid: {result.grid}"] if result.grid else []),
        f"  amplitude = {result.amplitude}",
        f"  k = {result.k}",
        f"  f0 = {result.f0}",
        f"  df noise = {result.df_noise}",
    ]
    if result.df_offset.value:
        lines.append(f"  df offset = {result.df_offset}")
    for name, res in result.results.items():
        test = res.wellposedness
        text = f"  well-posedness ({name}): {res.verdict(result.amplitude.value)}"
        if test is not None and test.points:
            text += f"; {test.details()}"
        lines.append(text)
    if result.tail:
        lines.append(f"  {result.tail}")
    excluded = {n: r.dependent_note for n, r in result.results.items() if r.dependent is not None}
    for note in dict.fromkeys(excluded.values()):
        methods = ", ".join(n for n, text in excluded.items() if text == note)
        lines.append(f"  F_min ({methods}): {note}")
    written = [str(p) for p in (output, plot) if p is not None]
    lines.append(f"  written: {', '.join(written) if written else 'nothing (no --output)'}")
    _emit("\n".join(lines) + "\n")
    for text in result.warnings:
        print(f"fmdecon deconvolve: warning: {path.name}: {text}", file=sys.stderr)
    rows += summary_rows(result)
    return 0


def _run_deconvolve(args: argparse.Namespace) -> int:
    from fmdecon._progress import progress, show_progress
    from fmdecon.measurement.outputs import DEPENDENT_FOOTNOTE

    files = _expand_inputs(args.files)
    several = len(files) > 1
    fmt = args.format or (
        "csv" if args.output is not None and args.output.suffix.lower() == ".csv" else "nc"
    )
    try:  # usage errors: every target is checked before any file is read or written
        plan = _plan_outputs(files, args.output, args.plot, f".{fmt}", args.overwrite)
    except ValueError as exc:
        return _error("deconvolve", exc)
    rows: list[dict[str, str]] = []
    failures = 0
    with show_progress(True if args.progress else None):
        for path, output, plot in progress(
            plan, total=len(plan), description="files", seconds=2.0 * len(plan)
        ):
            failures += _deconvolve_one(args, path, output, plot, fmt, rows)
    if rows:
        footnote = any(row["F_min"].endswith("*") for row in rows)
        _emit("\n" + _format_table(rows) + (f"{DEPENDENT_FOOTNOTE}\n" if footnote else ""))
    if failures:
        return EXIT_ERROR if not several else EXIT_DIFFERS
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``fmdecon`` with its subcommands."""
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

    from fmdecon.measurement import SWEEP_CHOICES
    from fmdecon.methods import METHODS

    deconvolve = commands.add_parser(
        "deconvolve",
        help="deconvolve measured frequency-shift curves (Nanonis .dat or .3ds grids, tables)",
        description=(
            "Read Nanonis .dat Z spectroscopies, .3ds grids of them (streamed in blocks of "
            "pixels into a netCDF volume) or tables (z and df columns with units), "
            "deconvolve the force with every method, estimate its standard deviation from the "
            "frequency-shift noise, the energy and the inflection-point test (well-posedness), "
            "check the values for unit mistakes, and write netCDF or CSV and a plot. "
            "Quantities are SI numbers or carry a unit: 60pm, 0.06nm, 1.8kN/m, 32.768kHz, "
            "10mHz. Values not given are taken from the file header (f0, amplitude set-point); "
            "the output records where each came from."
        ),
        epilog=(
            "exit status: 0 = success, 1 = some of several files failed (the others are "
            "written), 2 = error (bad usage, a target that is an input or exists without "
            "--overwrite, or the one file failed)"
        ),
    )
    deconvolve.add_argument("files", nargs="+", metavar="FILE", help="input files or globs")
    deconvolve.add_argument("--amplitude", "-A", metavar="A", help="amplitude, e.g. 60pm")
    deconvolve.add_argument("--k", "-k", metavar="K", help="spring constant, e.g. 1.8kN/m")
    deconvolve.add_argument("--f0", metavar="F", help="resonance frequency, e.g. 32.768kHz")
    deconvolve.add_argument(
        "--method",
        action="append",
        choices=list(METHODS),
        metavar="NAME",
        help=f"method (repeatable; default all: {', '.join(METHODS)})",
    )
    deconvolve.add_argument(
        "--sweep",
        choices=SWEEP_CHOICES,
        default="fwd",
        help="sweeps used (their mean is deconvolved): fwd/bwd single sweeps, avg the file's "
        "average column, all both directions (default fwd)",
    )
    deconvolve.add_argument(
        "--df-noise", metavar="HZ", help="rms frequency-shift noise (default: from the data)"
    )
    deconvolve.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="PATH",
        help="output file, directory, or pattern with {stem} (several files)",
    )
    deconvolve.add_argument(
        "--plot", type=Path, metavar="PATH", help="plot file (.png/.pdf/.svg), dir or pattern"
    )
    deconvolve.add_argument(
        "--format",
        choices=("nc", "csv"),
        help="output format (default from --output, else nc; a grid: nc only)",
    )
    deconvolve.add_argument(
        "--plot-method",
        choices=list(METHODS),
        metavar="NAME",
        help="a grid's plot: the method whose maps and slices are drawn (default the first "
        "that ran)",
    )
    deconvolve.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing --output/--plot files (an input file is never written over)",
    )
    deconvolve.add_argument(
        "--subtract-offset",
        action="store_true",
        help="subtract a constant estimated from the far end (last 10 %% of the points)",
    )
    deconvolve.add_argument(
        "--flip-z",
        action="store_true",
        help="use z = -z_file (a z column growing towards the sample)",
    )
    deconvolve.add_argument(
        "--tail",
        action="store_true",
        help="extend a df that has not decayed at the far end by a fitted tail model "
        "(exponential or power law, the better fit; their spread is added to force_std)",
    )
    deconvolve.add_argument(
        "--z-unit", metavar="UNIT", help="unit of a table's z column without one, e.g. nm"
    )
    deconvolve.add_argument(
        "--df-unit", metavar="UNIT", help="unit of a table's df column(s) without one, e.g. Hz"
    )
    deconvolve.add_argument(
        "--allow-implausible",
        action="store_true",
        help="report implausible values (unit mistakes) as warnings instead of errors",
    )
    deconvolve.add_argument(
        "--no-snap",
        dest="snap",
        action="store_false",
        help="keep a z column that is uniform only to its printed digits as printed (by "
        "default it is snapped onto its uniform grid, and the deviation reported); "
        "Sader-Jarvis's sums are then direct, O(N^2)",
    )
    deconvolve.add_argument(
        "--progress",
        action="store_true",
        help="draw progress bars on stderr on long work (several files, long direct sums) "
        "even when stderr is not a terminal (tqdm, of the study extra)",
    )
    deconvolve.set_defaults(handler=_run_deconvolve)

    validate = commands.add_parser(
        "validate",
        help="check study configuration files",
        description="Validate study configurations (YAML) against the schema and the sweeps.",
        epilog="exit status: 0 = all valid, 2 = an invalid or unreadable configuration",
    )
    validate.add_argument("configs", nargs="+", type=Path, metavar="CONFIG")
    validate.set_defaults(handler=_run_validate)

    plan = commands.add_parser(
        "plan",
        help="what a study will cost, before anything runs",
        description=(
            "Print the plan of a study from the cost model the workflow's rules use "
            "(fmdecon.study.cost): parameter points per law, chunks, jobs per rule, estimated "
            "CPU hours, wall time at a core count, memory per job (largest and typical), disk "
            "kept (cubes, chunk metric files) and temporary (simulated curves). Nothing is "
            "run or written."
        ),
        epilog="exit status: 0 = planned, 2 = an invalid or unreadable configuration",
    )
    plan.add_argument("config", type=Path, metavar="CONFIG", help="study configuration (YAML)")
    plan.add_argument(
        "--cores",
        type=_cores,
        metavar="N",
        help="cores for the wall-time estimate (default: this machine's)",
    )
    plan.set_defaults(handler=_run_plan)
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
