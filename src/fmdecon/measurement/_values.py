"""What the measurement pipelines share (one curve, :mod:`~fmdecon.measurement.pipeline`; a
grid, :mod:`~fmdecon.measurement.grid`): the sweep selections, the one-line errors and the
sensor values with their sources. Re-exported by both; numpy only."""

from __future__ import annotations

from dataclasses import dataclass

from fmdecon.io.units import SI_UNITS, format_quantity, parse_quantity

__all__ = [
    "SWEEP_CHOICES",
    "ArgumentError",
    "MeasurementError",
    "MissingValueError",
    "SensorValue",
    "sensor_value",
]

#: Sweep selections: forward sweeps, backward sweeps, the file's average column, all sweeps.
SWEEP_CHOICES = ("fwd", "bwd", "avg", "all")


class MeasurementError(ValueError):
    """A file that cannot be deconvolved; the message is one line naming the file or the
    argument of :func:`measure` at fault."""


class ArgumentError(MeasurementError):
    """An argument of :func:`measure` that cannot be used.

    Attributes
    ----------
    argument : str
        Its name (``"amplitude"``, ``"k"``, ``"f0"``, ``"df_noise"``).
    problem : str
        What is wrong with it (the message is ``"<argument>: <problem>"``).
    """

    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"{argument}: {problem}")
        self.argument = argument
        self.problem = problem


class MissingValueError(MeasurementError):
    """A sensor value that is neither an argument of :func:`measure` nor in the file.

    Attributes
    ----------
    path : str
        The file.
    argument : str
        The argument that would give it (``"amplitude"``, ``"k"``, ``"f0"``).
    example : str
        An example value with its unit (``"1.8kN/m"``).
    """

    def __init__(self, path: str, argument: str, example: str) -> None:
        super().__init__(
            f"{path}: {argument} is not in the file: give {argument} (e.g. {argument}={example!r})"
        )
        self.path = path
        self.argument = argument
        self.example = example


@dataclass(frozen=True)
class SensorValue:
    """A value used by the deconvolution and where it came from.

    Attributes
    ----------
    value : float
        SI value.
    unit : str
        SI unit (``"m"``, ``"N/m"``, ``"Hz"``).
    source : str
        ``"argument --k 1.8kN/m"``, ``"file header '...' = 10E-12"``, ...
    """

    value: float
    unit: str
    source: str

    def __str__(self) -> str:
        return f"{format_quantity(self.value, self.unit)} ({self.source})"


def sensor_value(
    name: str,
    given: str | float | None,
    from_file: float | None,
    file_source: str,
    kind: str,
    example: str,
    path: str,
) -> SensorValue:
    """The value of a sensor argument (``name``) and its source: the argument, a quantity
    of ``kind`` with a unit, if given (the file's value noted beside it), else the file's.

    Raises
    ------
    ArgumentError
        For an argument that is not a quantity of ``kind``.
    MissingValueError
        If neither the argument nor the file gives it.
    """
    unit = SI_UNITS[kind]
    if given is not None:
        try:
            value = parse_quantity(given, kind)
        except ValueError as exc:
            raise ArgumentError(name, str(exc)) from None
        # the recorded source keeps the command line's spelling (it is in the outputs)
        source = f"argument --{name} {given}"
        if from_file is not None:
            source += f" (the file says {format_quantity(from_file, unit)})"
        return SensorValue(value, unit, source)
    if from_file is None:
        raise MissingValueError(path, name, example)
    return SensorValue(float(from_file), unit, f"file: {file_source}")
