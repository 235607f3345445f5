"""Every kind of bad input the tool handles, as one table of cases (issue 20).

Each :class:`Case` writes the files it needs into an empty folder, runs one command line
(``fmdecon ...`` in-process, :func:`fmdecon.cli.main`) or one library call there, and names
the exit status (or the exception / warning class) and a text its message must contain.
tests/test_bad_input_table.py runs every case and checks both; tools/bad_input_table.py writes
docs/bad_input.md from the same cases and the messages they actually print, and the test
checks that docs/bad_input.md is what the tool writes now.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import shlex
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

import fmdecon
from fmdecon.cli import main
from fmdecon.io import write_nanonis_grid, write_table

REPO = Path(__file__).resolve().parents[1]
NANONIS = REPO / "tests" / "data" / "nanonis" / "z.dat"
K, F0, AMPLITUDE = 1800.0, 32768.0, 100e-12
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
Z = np.linspace(0.23e-9, 5e-9, 200)
DF = MORSE.frequency_shift(Z, AMPLITUDE, K, F0)
SENSOR = ["-A", "100pm", "--k", "1800", "--f0", "32768"]
SJ = ["--method", "sader_jarvis"]

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Outcome:
    """What a case printed: ``status`` ("exit 2", "raises ValueError", "warns ...") and the
    message line (the folder's path taken out)."""

    status: str
    message: str
    stdout: str = ""
    lines: int = 0
    created: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """One kind of bad input: how to trigger it and what the tool must say."""

    kind: str
    command: str  # as shown in the docs
    status: str  # expected Outcome.status
    expect: str  # text the message must contain
    setup: Setup = field(default=lambda folder: None, repr=False)
    argv: tuple[str, ...] = ()  # a command line (without "fmdecon"), or ...
    call: Callable[[Path], object] | None = field(default=None, repr=False)  # a library call
    usage: bool = False  # an argparse usage error: "usage: ..." lines first


# -- files --------------------------------------------------------------------------------------
def table(name: str = "curve.csv", z=Z, df=DF, **options) -> Setup:
    def setup(folder: Path) -> None:
        defaults = {"f0": F0, "k": K, "amplitude": AMPLITUDE}
        write_table(folder / name, z, df, **{**defaults, **options})

    return setup


def text(name: str, content: str, encoding: str = "utf-8") -> Setup:
    return lambda folder: (folder / name).write_bytes(content.encode(encoding))


def rows(header: str, row: Callable[[int], str], count: int = 12) -> str:
    return header + "\n" + "".join(row(i) for i in range(1, count + 1))


def nanonis(name: str = "Z.dat") -> Setup:
    return lambda folder: (folder / name).write_bytes(NANONIS.read_bytes())


def aborted(name: str, *, rows_from=None, columns=None, cells=()) -> Setup:
    """z.dat with NaN written in as an aborted sweep leaves it (tests/test_readers.py)."""

    def setup(folder: Path) -> None:
        lines = NANONIS.read_text().splitlines()
        at = lines.index("[DATA]")
        labels = lines[at + 1].split("\t")
        data = [line.split("\t") for line in lines[at + 2 :]]
        for r, row in enumerate(data):
            for c, label in enumerate(labels):
                padded = rows_from is not None and r >= rows_from
                if padded or (columns and columns in label) or (r, label) in cells:
                    row[c] = "NaN"
        body = [*lines[: at + 2], *("\t".join(row) for row in data)]
        (folder / name).write_text("\n".join(body) + "\n")

    return setup


def grid_file(name: str, *, cut_header: bool = False, signal: str = "Z (m)") -> Setup:
    def setup(folder: Path) -> None:
        path = folder / name
        write_nanonis_grid(
            path,
            {"Frequency Shift (Hz)": np.zeros((2, 2, 10))},
            sweep_start=1e-9,
            sweep_end=0.0,
            f0=F0,
            sweep_signal=signal,
        )
        if cut_header:
            path.write_bytes(path.read_bytes().partition(b":HEADER_END:")[0])

    return setup


def both(*setups: Setup) -> Setup:
    def setup(folder: Path) -> None:
        for item in setups:
            item(folder)

    return setup


def link(name: str, target: str) -> Setup:
    return lambda folder: (folder / name).symlink_to(folder / target)


def config(change: Callable[[dict], None], name: str = "bad.yaml") -> Setup:
    def setup(folder: Path) -> None:
        data = copy.deepcopy(yaml.safe_load((REPO / "config" / "quick.yaml").read_text()))
        change(data)
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False))

    return setup


def put(path: str, value) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        data[last] = value

    return change


def drop(path: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        del data[last]

    return change


def geometric(n: int) -> np.ndarray:
    """A truly non-uniform grid (steps growing by a constant factor)."""
    return 0.23e-9 * np.geomspace(1.0, 40.0, n)


def printed(n: int) -> np.ndarray:
    """A uniform grid printed in nm with six decimals (uniform to its printed digits)."""
    return np.round(np.linspace(0.23, 10.23, n), 6) * 1e-9


def cli(kind: str, argv: list[str], status: int, expect: str, setup: Setup, **extra) -> Case:
    argv = [str(a) for a in argv]
    return Case(
        kind, "fmdecon " + shlex.join(argv), f"exit {status}", expect, setup, tuple(argv), **extra
    )


def library(kind: str, command: str, status: str, expect: str, call, setup: Setup = None) -> Case:
    return Case(kind, command, status, expect, setup or (lambda folder: None), call=call)


LONG = 70_000  # points: an estimated direct sum above the 60 s limit (nothing is summed)

# -- the cases ----------------------------------------------------------------------------------
CASES: list[Case] = [
    # outputs: a measurement is never written over, nothing is written on error
    cli(
        "output path is the input file",
        ["deconvolve", "Z.dat", "--k", "1800", "-o", "Z.dat"],
        2,
        "is the input file",
        nanonis(),
    ),
    cli(
        "output is the input through a symbolic link",
        ["deconvolve", "Z.dat", "--k", "1800", "-o", "link.dat"],
        2,
        "is the input file",
        both(nanonis(), link("link.dat", "Z.dat")),
    ),
    cli(
        "plot path is the input file",
        ["deconvolve", "Z.dat", "--k", "1800", "--plot", "Z.dat"],
        2,
        "is the input file",
        nanonis(),
    ),
    cli(
        "existing output without --overwrite",
        ["deconvolve", "Z.dat", "--k", "1800", "-o", "Z.nc"],
        2,
        "exists: pass --overwrite",
        both(nanonis(), text("Z.nc", "earlier result")),
    ),
    cli(
        "several files and one --output file",
        ["deconvolve", "a.csv", "b.csv", "-o", "one.nc"],
        2,
        "pattern",
        both(table("a.csv"), table("b.csv")),
    ),
    cli(
        "same file for --output and --plot",
        ["deconvolve", "curve.csv", "-o", "x.nc", "--plot", "x.nc"],
        2,
        "of both --output and --plot",
        table(),
    ),
    cli(
        "a grid written as CSV",
        ["deconvolve", "grid.3ds", *SENSOR, "-o", "grid.csv"],
        2,
        "written as netCDF only",
        grid_file("grid.3ds"),
    ),
    cli("input file does not exist", ["deconvolve", "missing.csv", *SENSOR], 2, "missing", None),
    # sensor values on the command line
    cli(
        "amplitude given in pm as a bare number",
        ["deconvolve", "curve.csv", "-A", "50", *SJ],
        2,
        "Did you mean 50pm",
        table(),
    ),
    cli(
        "amplitude with the wrong unit (nm for pm)",
        ["deconvolve", "curve.csv", "-A", "200nm", *SJ],
        2,
        "Is the unit right (e.g. 200pm)?",
        table(),
    ),
    cli(
        "amplitude twice the file's set-point",
        ["deconvolve", "curve.csv", "-A", "200pm", *SJ],
        0,
        "is 2 x the amplitude set-point in the file (100 pm)",
        table(),
    ),
    cli(
        "unknown unit",
        ["deconvolve", "Z.dat", "--k", "1.8 kN per m"],
        2,
        "unknown stiffness unit",
        nanonis(),
    ),
    cli("spring constant missing", ["deconvolve", "Z.dat"], 2, "--k", nanonis()),
    cli(
        "negative spring constant",
        ["deconvolve", "curve.csv", "--k=-1800", *SJ],
        2,
        "-1800",
        table(),
    ),
    cli(
        "k and f0 swapped",
        ["deconvolve", "curve.csv", "-A", "100pm", "--k", "32768", "--f0", "1800", *SJ],
        2,
        "swapped",
        table(k=None, f0=None, amplitude=None),
    ),
    cli(
        "noise level without a unit it can take",
        ["deconvolve", "curve.csv", "--df-noise", "0.1pm", *SJ],
        2,
        "--df-noise",
        table(),
    ),
    cli(
        "unknown method name",
        ["deconvolve", "curve.csv", "--method", "sader"],
        2,
        "invalid choice: 'sader'",
        table(),
        usage=True,
    ),
    cli(
        "unknown --sweep choice",
        ["deconvolve", "Z.dat", "--k", "1800", "--sweep", "forward"],
        2,
        "invalid choice: 'forward'",
        nanonis(),
        usage=True,
    ),
    cli(
        "--z-unit for a file that carries its units",
        ["deconvolve", "Z.dat", "--k", "1800", "--z-unit", "nm"],
        2,
        "carries its units in the file",
        nanonis(),
    ),
    # tables: encodings, separators, headers
    cli(
        "UTF-16 file (an Excel export)",
        ["deconvolve", "utf16.csv", *SJ],
        0,
        "",
        lambda folder: (
            table("good.csv")(folder)
            or (folder / "utf16.csv").write_text(
                (folder / "good.csv").read_text(encoding="utf-8"), encoding="utf-16"
            )
        ),
    ),
    cli(
        "UTF-8 file with a byte-order mark",
        ["deconvolve", "bom.csv", *SJ],
        0,
        "",
        lambda folder: (
            table("good.csv")(folder)
            or (folder / "bom.csv").write_text(
                (folder / "good.csv").read_text(encoding="utf-8"), encoding="utf-8-sig"
            )
        ),
    ),
    cli(
        "decimal commas, semicolon-separated",
        ["deconvolve", "comma.csv", *SENSOR, *SJ],
        2,
        "decimal commas",
        text("comma.csv", rows("z (nm);df (Hz)", lambda i: f"{i},0;-{i},5\n")),
    ),
    cli(
        "decimal commas, comma-separated",
        ["deconvolve", "comma.csv", *SENSOR, *SJ],
        2,
        "decimal commas",
        text("comma.csv", rows("z (nm),df (Hz)", lambda i: f"{i},0,-{i},5\n")),
    ),
    cli(
        "header names split at spaces",
        ["deconvolve", "spaced.txt", *SENSOR, *SJ],
        2,
        "split at spaces",
        text("spaced.txt", rows("z nm df Hz", lambda i: f"{i} -{i}\n")),
    ),
    cli(
        "header without units",
        ["deconvolve", "plain.csv", *SENSOR, *SJ],
        2,
        "--z-unit",
        text("plain.csv", rows("z,df", lambda i: f"{i}e-10,-{i}\n")),
    ),
    cli(
        "binary file",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "not a text file",
        text("bad.csv", "\x00\x01garbage"),
    ),
    cli(
        "a row with a missing value",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "garbled",
        text("bad.csv", "z (nm),df (Hz)\n1,2\n2,3\n3\n"),
    ),
    cli(
        "a cell that is not a number",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "'x'",
        text("bad.csv", "z (nm),df (Hz)\n1,2\n2,3\n3,x\n4,5\n"),
    ),
    cli(
        "no z column",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "no z column",
        text("bad.csv", "distance_x (nm),other (Hz)\n1,2\n2,3\n3,4\n"),
    ),
    cli(
        "no frequency-shift column",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "no frequency-shift column",
        text("bad.csv", "z (nm),current (A),bias (V)\n1,2,3\n2,3,4\n3,4,5\n"),
    ),
    cli(
        "two data rows",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "at least 3",
        text("bad.csv", "z (nm),df (Hz)\n1,2\n2,3\n"),
    ),
    cli(
        "a 3-point curve",
        ["deconvolve", "short.csv", *SENSOR, *SJ],
        2,
        "fewer than the 10",
        text("short.csv", "z (nm),df (Hz)\n1,-2\n2,-1\n3,-0.5\n"),
    ),
    cli(
        "NaN inside a table",
        ["deconvolve", "bad.csv", *SENSOR],
        2,
        "nan",
        text("bad.csv", "z (nm),df (Hz)\n1,2\n2,nan\n3,4\n4,5\n"),
    ),
    cli(
        "repeated z values",
        ["deconvolve", "repeated.csv", *SJ],
        2,
        "repeated.csv",
        table("repeated.csv", z=np.repeat(Z[::2], 2)),
    ),
    cli(
        "descending z (a retract sweep)",
        ["deconvolve", "descending.csv", *SJ],
        0,
        "",
        table("descending.csv", z=Z[::-1], df=DF[::-1]),
    ),
    # units of the values (plausibility)
    cli(
        "z in nm labelled m",
        ["deconvolve", "nm.csv", *SENSOR, *SJ],
        2,
        "z spans",
        table("nm.csv", z=Z * 1e9, z_unit="m"),
    ),
    cli(
        "Δf in mHz labelled Hz",
        ["deconvolve", "mhz.csv", *SENSOR, *SJ],
        2,
        "Δf in mHz",
        table("mhz.csv", df=DF * 1e3),
    ),
    cli(
        "constant Δf offset",
        ["deconvolve", "offset.csv", *SJ],
        0,
        "constant offset",
        table("offset.csv", df=DF - 2.0),
    ),
    cli(
        "curve cut off before Δf decays",
        ["deconvolve", "cut.csv", *SJ],
        0,
        "cut off",
        table("cut.csv", z=Z[Z < 0.8e-9], df=DF[Z < 0.8e-9]),
    ),
    cli(
        "Δf positive everywhere",
        ["deconvolve", "positive.csv", *SJ],
        0,
        "Δf is positive everywhere",
        table("positive.csv", df=5.0 * np.exp(-(Z - Z[0]) / 0.3e-9)),
    ),
    # Nanonis files: aborted sweeps
    cli(
        "NaN-padded aborted sweep",
        ["deconvolve", "aborted.dat", "--k", "1800", "--method", "matrix_exact"],
        0,
        "dropped the last 80 of 200 rows",
        aborted("aborted.dat", rows_from=120),
    ),
    cli(
        "all-NaN [bwd] columns, --sweep bwd",
        ["deconvolve", "aborted.dat", "--k", "1800", "--sweep", "bwd"],
        2,
        "no bwd sweep; sweeps: AVG, 00001, 00002",
        aborted("aborted.dat", columns="[bwd]"),
    ),
    cli(
        "every frequency-shift column NaN",
        ["deconvolve", "aborted.dat", "--k", "1800"],
        2,
        "no usable data: every frequency-shift column",
        aborted("aborted.dat", columns="Frequency Shift"),
    ),
    cli(
        "NaN inside an aborted sweep",
        ["deconvolve", "aborted.dat", "--k", "1800"],
        2,
        "line 146: Z rel (m) is nan",
        aborted("aborted.dat", rows_from=150, cells=[(10, "Z rel (m)")]),
    ),
    # grids (.3ds)
    cli(
        "truncated .3ds header",
        ["deconvolve", "cut.3ds", *SENSOR],
        2,
        "truncated header: no ':HEADER_END:'",
        grid_file("cut.3ds", cut_header=True),
    ),
    cli(
        "Bias sweep grid",
        ["deconvolve", "bias.3ds", *SENSOR],
        2,
        "sweep signal is 'Bias (V)', not Z",
        grid_file("bias.3ds", signal="Bias (V)"),
    ),
    # long curves
    cli(
        f"long non-uniform grid ({LONG} points)",
        ["deconvolve", "long.csv", *SENSOR, *SJ],
        2,
        "an estimated",
        table(
            "long.csv",
            z=geometric(LONG),
            df=MORSE.frequency_shift(geometric(LONG), *[AMPLITUDE, K, F0]),
            digits=10,
        ),
    ),
    library(
        f"library: long non-uniform grid ({LONG} points)",
        f"fmdecon.sader_jarvis(0.23e-9 * numpy.geomspace(1, 40, {LONG}), df, 100e-12, 1800, "
        "32768)",
        "raises LongComputationError",
        "resample df onto a uniform grid",
        lambda folder: fmdecon.sader_jarvis(geometric(LONG), np.zeros(LONG), AMPLITUDE, K, F0),
    ),
    library(
        f"library: long grid uniform only to its printed digits ({LONG} points)",
        f"fmdecon.sader_jarvis(numpy.round(numpy.linspace(0.23, 10.23, {LONG}), 6) * 1e-9, "
        "df, 100e-12, 1800, 32768)",
        "raises LongComputationError",
        "fmdecon.snap_grid(z)",
        lambda folder: fmdecon.sader_jarvis(printed(LONG), np.zeros(LONG) - 1.0, AMPLITUDE, K, F0),
    ),
    # library arguments
    library(
        "library: amplitude in pm as a bare number",
        "fmdecon.sader_jarvis(z, df, 100, 1800, 32768)",
        "raises ImplausibleInputError",
        "amplitude=1e-10 (100 pm)",
        lambda folder: fmdecon.sader_jarvis(Z, DF, 100, K, F0),
    ),
    library(
        "library: amplitude larger than the z span",
        "fmdecon.sader_jarvis(z, df, 10e-9, 1800, 32768)",
        "warns PlausibilityWarning",
        "exceeds the whole z span",
        lambda folder: fmdecon.sader_jarvis(Z, DF, 10e-9, K, F0),
    ),
    library(
        "library: negative k",
        "fmdecon.sader_jarvis(z, df, 100e-12, -1800, 32768)",
        "raises ValueError",
        "k = -1800.0",
        lambda folder: fmdecon.sader_jarvis(Z, DF, AMPLITUDE, -K, F0),
    ),
    library(
        "library: z not increasing",
        "fmdecon.sader_jarvis(z[::-1], df, 100e-12, 1800, 32768)",
        "raises ValueError",
        "strictly increasing",
        lambda folder: fmdecon.sader_jarvis(Z[::-1], DF, AMPLITUDE, K, F0),
    ),
    library(
        "library: df and z of different lengths",
        "fmdecon.sader_jarvis(z, df[:-1], 100e-12, 1800, 32768)",
        "raises ValueError",
        "len(df) = 199",
        lambda folder: fmdecon.sader_jarvis(Z, DF[:-1], AMPLITUDE, K, F0),
    ),
    library(
        "library: NaN in df",
        "fmdecon.sader_jarvis(z, df_with_nan_at_7, 100e-12, 1800, 32768)",
        "raises ValueError",
        "df[7] = nan",
        lambda folder: fmdecon.sader_jarvis(
            Z, np.where(np.arange(200) == 7, np.nan, DF), AMPLITUDE, K, F0
        ),
    ),
    library(
        "library: matrix method on a non-uniform grid",
        "fmdecon.matrix_method(0.23e-9 * numpy.geomspace(1, 20, 200), df, 100e-12, 1800, 32768)",
        "raises ValueError",
        "needs a uniform grid",
        lambda folder: fmdecon.matrix_method(
            0.23e-9 * np.geomspace(1, 20, 200), DF, AMPLITUDE, K, F0
        ),
    ),
    library(
        "library: unknown method name",
        "fmdecon.deconvolve('sader', z, df, 100e-12, 1800, 32768)",
        "raises ValueError",
        "'sader'",
        lambda folder: fmdecon.deconvolve("sader", Z, DF, AMPLITUDE, K, F0),
    ),
    # study configurations
    cli(
        "config key typo (top level)",
        ["validate", "bad.yaml"],
        2,
        "sensors",
        config(lambda data: data.update(sensors=data.pop("sensor"))),
    ),
    cli(
        "config parameter typo",
        ["validate", "bad.yaml"],
        2,
        "laws.morse.kapa",
        config(put("laws.morse.kapa", 4.0e9)),
    ),
    cli(
        "config number written as text",
        ["validate", "bad.yaml"],
        2,
        "grid.z_min",
        config(put("grid.z_min", "0.23e-9")),
    ),
    cli(
        "config z_min in nm",
        ["validate", "bad.yaml"],
        2,
        "in nm? 0.23 nm = 2.3e-10 m",
        config(put("grid.z_min", 0.23)),
    ),
    cli(
        "config amplitude in pm",
        ["validate", "bad.yaml"],
        2,
        "in pm?",
        config(put("amplitudes.max", 1000.0)),
    ),
    cli(
        "config negative k",
        ["validate", "bad.yaml"],
        2,
        "sensor.k",
        config(put("sensor.k", -1800.0)),
    ),
    cli(
        "config f0 in kHz",
        ["validate", "bad.yaml"],
        2,
        "in kHz? 32.768 kHz = 32768 Hz",
        config(put("sensor.f0", 32.768)),
    ),
    cli(
        "config unknown method",
        ["validate", "bad.yaml"],
        2,
        "methods[1]",
        config(put("methods", ["sader_jarvis", "magic"])),
    ),
    cli(
        "config key missing",
        ["validate", "bad.yaml"],
        2,
        "sensor.k",
        config(drop("sensor.k")),
    ),
    cli(
        "config z_min >= z_max",
        ["validate", "bad.yaml"],
        2,
        "grid.z_max",
        config(put("grid.z_min", 6.0e-9)),
    ),
    cli(
        "config not valid YAML",
        ["validate", "bad.yaml"],
        2,
        "not valid YAML",
        text("bad.yaml", "study: [unclosed\n"),
    ),
]


# -- running a case -----------------------------------------------------------------------------
@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _clean(message: str, folder: Path) -> str:
    for prefix in (str(folder.resolve()), str(folder)):
        message = message.replace(prefix + os.sep, "")
    return message.strip()


def run_case(case: Case, folder: Path) -> Outcome:
    """Run ``case`` in the empty ``folder``; its :class:`Outcome`."""
    if case.setup is not None:
        case.setup(folder)
    before = {p.name for p in folder.iterdir()}
    out, err = io.StringIO(), io.StringIO()
    with inside(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if case.call is None:
            status = f"exit {main(list(case.argv))}"
            lines = [line for line in err.getvalue().splitlines() if line.strip()]
            if case.usage:
                # argparse prints its usage (a few lines) before the error line
                lines = [line for line in lines if line.startswith("fmdecon ")]
            chosen = [line for line in lines if case.expect and case.expect in line]
            message = (chosen or lines or [""])[0 if chosen else -1]
            count = len(lines)
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    case.call(folder)
                except Exception as exc:  # the case names the class it expects
                    status, message = f"raises {type(exc).__name__}", str(exc)
                else:
                    status, message = "returns", ""
                    if caught:
                        status = f"warns {caught[0].category.__name__}"
                        message = str(caught[0].message)
            count = len(message.splitlines())
    created = tuple(sorted({p.name for p in folder.iterdir()} - before))
    return Outcome(status, _clean(message, folder), out.getvalue(), count, created)


# -- the docs table -----------------------------------------------------------------------------
HEADER = """# Bad input: what the tool says

Every kind of bad input `fmdecon` handles, the command (or library call) that triggers it and
what the tool prints, with its exit status (2 = error: one line on stderr, nothing written;
0 = done, with a warning on stderr; the library raises or warns the class named). Generated by
`tools/bad_input_table.py` (`make docs`) from the cases in `tests/bad_input_cases.py`, which
`tests/test_bad_input_table.py` runs and checks; that test also checks this file is up to
date. File names are those the case writes (`curve.csv`: a valid Morse table with f0, k and
the amplitude in its header; `Z.dat`: the Nanonis file `tests/data/nanonis/z.dat`).

"""


def _cell(value: str) -> str:
    return "`" + value.replace("|", "\\|").replace("`", "'") + "`" if value else "—"


def render(outcomes: list[tuple[Case, Outcome]]) -> str:
    """docs/bad_input.md from the cases and what they printed."""
    lines = [
        HEADER.rstrip("\n"),
        "",
        f"{len(outcomes)} kinds.",
        "",
        "| # | kind | command | status | message |",
        "|---|---|---|---|---|",
    ]
    for number, (case, outcome) in enumerate(outcomes, 1):
        message = outcome.message or "(read as usual: no message)"
        lines.append(
            f"| {number} | {case.kind} | {_cell(case.command)} | {outcome.status} | "
            f"{_cell(message) if outcome.message else message} |"
        )
    return "\n".join(lines) + "\n"
