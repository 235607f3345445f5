"""Study configuration: JSON-schema validation with defaults, plus the checks a schema cannot
express (registered law and method names, z_min < z_max, the grid long enough for the largest
amplitude). Every problem is reported as one line naming the key and the offending value.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import yaml

from fmdecon.forces import FORCE_LAWS, PARAMETER_UNITS
from fmdecon.methods import METHODS

__all__ = ["ConfigError", "amplitudes", "load_config", "schema", "validate_config"]


class ConfigError(ValueError):
    """An invalid study configuration; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid {source} ({len(problems)} problem(s)):\n{lines}")


#: The sensor and grid keys of a study point (after the law parameters, in this order).
SENSOR_KEYS = ("k", "f0")
GRID_KEYS = ("z_min", "z_max", "points")


def aligned_group_sizes(shape: Sequence[int]) -> list[int]:
    """Group sizes whose groups are rectangular blocks of a sweep of ``shape`` (sorted).

    A run of P consecutive points (C order) starting at a multiple of P is a block of the
    swept dimensions exactly when P = c * prod(shape[j+1:]) with c a divisor of shape[j]
    for some j: the group is one index of each dimension before j, c consecutive indices of
    dimension j and every index of the dimensions after it. Zarr storage needs such groups,
    so that each chunk job writes one rectangular region of the store (and one zarr chunk).
    """
    sizes = {1}
    for j, length in enumerate(shape):
        trailing = math.prod(shape[j + 1 :])
        sizes |= {c * trailing for c in range(1, length + 1) if length % c == 0}
    return sorted(sizes)


def nearest_aligned(shape: Sequence[int], wanted: int) -> int:
    """The aligned group size (:func:`aligned_group_sizes`) nearest to ``wanted`` by ratio
    (the smaller one of two equally near)."""
    return min(
        aligned_group_sizes(shape),
        key=lambda size: (abs(math.log(size / max(1, wanted))), size),
    )


def schema() -> dict[str, Any]:
    """The JSON schema of a study configuration (``config/schema.yaml``)."""
    text = resources.files("fmdecon.study").joinpath("schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _key(path: Iterator[Any]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "<top level>"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


_TYPE_NAMES = {
    "number": "a number",
    "integer": "an integer",
    "array": "a list",
    "string": "a string",
}


def _string_hint(value: Any) -> str:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return (
            "; a number was read as text: in YAML write floats with a decimal point and a "
            "signed exponent, e.g. 1.0e-9"
        )
    return ""


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = f"{key}." if error.absolute_path else ""
        return f"{where}{missing}: required key is missing"
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in known] if known else []
        guesses = [difflib.get_close_matches(str(k), known, n=1) for k in unknown]
        hint = "".join(
            f"; did you mean '{g[0]}' for '{k}'?"
            for k, g in zip(unknown, guesses, strict=True)
            if g
        )
        return f"{key}: {error.message}{hint or ' (a misspelt key?)'}"
    if error.validator == "oneOf" and error.context:
        depth = len(error.absolute_path)
        deeper = [e for e in error.context if len(e.absolute_path) > depth]
        if deeper:  # e.g. one bad item inside a list: report that item
            return _describe(min(deeper, key=lambda e: len(e.message)))
        by_alternative: dict[Any, list[jsonschema.ValidationError]] = {}
        for e in error.context:
            by_alternative.setdefault(e.relative_schema_path[0], []).append(e)
        matching_type = [
            errs for errs in by_alternative.values() if any(e.validator != "type" for e in errs)
        ]
        if len(matching_type) == 1:  # right type, wrong value: say what is wrong with it
            errs = matching_type[0]
            if len(errs) == 1 and errs[0].validator == "oneOf":
                return _describe(errs[0])
            reasons = "; ".join(sorted({e.message for e in errs}))
            return f"{key} = {_show(error.instance)}: {reasons}{_sign_hint(errs, error.instance)}"
        kinds = [
            _TYPE_NAMES.get(str(e.validator_value), str(e.validator_value))
            for e in error.context
            if e.validator == "type"
        ]
        others = sorted({e.message for e in error.context if e.validator != "type"})
        text = f"{key} = {_show(error.instance)}: expected {' or '.join(dict.fromkeys(kinds))}"
        if not kinds:
            text = f"{key} = {_show(error.instance)}: not valid"
        if others:
            text += f" ({'; '.join(others[:3])})"
        return text + _string_hint(error.instance)
    if error.validator == "type":
        return f"{key} = {_show(error.instance)}: {error.message}" + _string_hint(error.instance)
    return f"{key} = {_show(error.instance)}: {error.message}{_sign_hint([error], error.instance)}"


def _sign_hint(errors: list[jsonschema.ValidationError], instance: Any) -> str:
    """The likely mistake behind a minimum that a negative number misses: its sign."""
    bounded = any(e.validator in ("minimum", "exclusiveMinimum") for e in errors)
    number = isinstance(instance, int | float) and not isinstance(instance, bool)
    return " (a negative value: a sign typo?)" if bounded and number and instance < 0 else ""


def _fill_defaults(instance: Any, node: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    if not isinstance(instance, dict):
        return
    for name, sub in node.get("properties", {}).items():
        if name not in instance and "default" in sub:
            instance[name] = copy.deepcopy(sub["default"])
        if name in instance:
            _fill_defaults(instance[name], sub, root)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        for name, value in instance.items():
            if name not in node.get("properties", {}):
                _fill_defaults(value, extra, root)


def as_list(value: Any) -> list[Any]:
    """A scalar as a one-element list; a list unchanged."""
    return list(value) if isinstance(value, list | tuple) else [value]


def amplitudes(spec: Mapping[str, Any] | list[Mapping[str, Any]]) -> np.ndarray:
    """The sorted, unique amplitudes [m] described by one range spec or a list of them."""
    values: list[np.ndarray] = []
    for item in spec if isinstance(spec, list) else [spec]:
        if "values" in item:
            values.append(np.asarray(item["values"], dtype=np.float64))
        elif item.get("spacing", "log") == "log":
            values.append(np.geomspace(item["min"], item["max"], item["count"]))
        else:
            values.append(np.linspace(item["min"], item["max"], item["count"]))
    return np.unique(np.concatenate(values))


#: Plausible range of each physical quantity by SI unit, and the units people mistakenly
#: write it in (name, size in SI units): a value outside the range is reported with the
#: unit that would make it plausible.
PLAUSIBLE: dict[str, tuple[float, float, tuple[tuple[str, float], ...]]] = {
    "m": (1e-12, 1e-6, (("nm", 1e-9), ("pm", 1e-12), ("Å", 1e-10), ("µm", 1e-6))),
    "J": (1e-23, 1e-15, (("aJ", 1e-18), ("eV", 1.602176634e-19), ("zJ", 1e-21))),
    "1/m": (1e7, 1e12, (("1/nm", 1e9), ("1/Å", 1e10), ("1/pm", 1e12))),
    "N/m": (1e-2, 1e5, (("kN/m", 1e3), ("mN/m", 1e-3))),
    "Hz": (1e2, 1e9, (("kHz", 1e3), ("MHz", 1e6))),
}

#: Physical keys of a study (dotted paths; ``*`` is any law or figure view) and their units.
PHYSICAL_KEYS: dict[str, str] = {
    "sensor.k": "N/m",
    "sensor.f0": "Hz",
    "grid.z_min": "m",
    "grid.z_max": "m",
    "amplitudes.min": "m",
    "amplitudes.max": "m",
    "amplitudes.values": "m",
    "figures.*.marked_amplitudes": "m",
    **{f"laws.*.{name}": unit for name, unit in PARAMETER_UNITS.items()},
}


def _number(value: float) -> str:
    """A number as plain text (``2.99e-09``), never a numpy repr."""
    return f"{float(value):.6g}"


def _implausible(key: str, value: float, unit: str) -> str | None:
    low, high, mistakes = PLAUSIBLE[unit]
    if low <= value <= high:
        return None
    text = (
        f"{key} = {_number(value)}: implausible for a quantity in {unit} "
        f"(expected {_number(low)} to {_number(high)} {unit})"
    )
    for name, size in mistakes:
        if low <= value * size <= high:
            return (
                f"{text}; was it given in {name}? {_number(value)} {name} = "
                f"{_number(value * size)} {unit}"
            )
    return text


def _physical_values(config: Mapping[str, Any]) -> Iterator[tuple[str, float, str]]:
    """Every physical value of a config as (key, value, SI unit)."""
    amp_spec = config["amplitudes"]
    ranges = amp_spec if isinstance(amp_spec, list) else [amp_spec]
    sections: list[tuple[str, Mapping[str, Any]]] = [
        ("sensor", config["sensor"]),
        ("grid", config["grid"]),
        *(
            (f"amplitudes[{i}]" if isinstance(amp_spec, list) else "amplitudes", item)
            for i, item in enumerate(ranges)
        ),
        *((f"laws.{law}", params) for law, params in config["laws"].items()),
        *((f"figures.{law}", view) for law, view in config.get("figures", {}).items()),
    ]
    for prefix, section in sections:
        pattern_prefix = prefix.split("[")[0].split(".")[0]
        for name, value in section.items():
            pattern = f"{pattern_prefix}.*.{name}" if "." in prefix else f"{pattern_prefix}.{name}"
            unit = PHYSICAL_KEYS.get(pattern)
            if unit is None:
                continue
            values = value if isinstance(value, list) else [value]
            for i, item in enumerate(values):
                key = f"{prefix}.{name}" + (f"[{i}]" if isinstance(value, list) else "")
                yield key, float(item), unit


def _plausibility_problems(config: Mapping[str, Any]) -> list[str]:
    problems = [
        problem
        for key, value, unit in _physical_values(config)
        if (problem := _implausible(key, value, unit)) is not None
    ]
    if problems:
        return problems
    swept = amplitudes(config["amplitudes"])
    for law, view in config.get("figures", {}).items():
        for i, marked in enumerate(view.get("marked_amplitudes", [])):
            if not swept[0] * (1 - 1e-9) <= marked <= swept[-1] * (1 + 1e-9):
                problems.append(
                    f"figures.{law}.marked_amplitudes[{i}] = {_number(marked)}: outside the "
                    f"swept amplitudes {_number(swept[0])} to {_number(swept[-1])} m"
                )
    return problems


#: Largest number of per-realisation values ``keep_realizations`` may store in one law's cube
#: (8 bytes each: 800 MB).
MAX_KEPT_VALUES = 100_000_000

#: Metrics of a perturbed study (statistics over realisations of each).
PERTURBED_METRICS = (
    "cod",
    "delta_f_min",
    "delta_z_min",
    "rms_force_error",
    "force_error_at_minimum",
)


def _perturbation_problems(config: Mapping[str, Any]) -> list[str]:
    section = config.get("perturbations")
    if not section or not section.get("keep_realizations"):
        return []
    per_point = (
        section["realizations"]
        * len(amplitudes(config["amplitudes"]))
        * len(config["methods"])
        * len(PERTURBED_METRICS)
        * math.prod(
            len(as_list(section[key]))
            for key in ("noise_rms", "amplitude_error", "z_scale_error", "k_error")
        )
    )
    problems = []
    for law, parameters in config["laws"].items():
        points = math.prod(
            len(as_list(v))
            for v in [*parameters.values(), *config["sensor"].values(), *config["grid"].values()]
        )
        if per_point * points > MAX_KEPT_VALUES:
            problems.append(
                f"perturbations.keep_realizations = true: the {law} cube would hold "
                f"{per_point * points:.3g} values ({per_point * points * 8 / 1e9:.3g} GB), more "
                f"than the limit of {MAX_KEPT_VALUES:.3g}; keep fewer realisations, amplitudes "
                "or points, or set keep_realizations: false (the statistics are kept anyway)"
            )
    return problems


def _storage_problems(config: Mapping[str, Any]) -> list[str]:
    """Zarr storage: every law's groups must be blocks of its sweep (one region each)."""
    if config.get("storage") != "zarr":
        return []
    problems = []
    if config.get("curves", {}).get("store_all"):
        problems.append(
            "curves.store_all = true: not with storage: zarr (the store holds the metrics; "
            "keep every curve with storage: netcdf)"
        )
    per_job = config.get("chunking", {}).get("points_per_job")
    if per_job is None or not isinstance(per_job, int):
        return problems
    common = [config["sensor"][key] for key in SENSOR_KEYS]
    common += [config["grid"][key] for key in GRID_KEYS]
    for law, parameters in config["laws"].items():
        if law not in FORCE_LAWS:
            continue
        values = [parameters.get(name, 0) for name in FORCE_LAWS[law].parameter_names]
        shape = [n for n in (len(as_list(v)) for v in [*values, *common]) if n > 1]
        points = math.prod(shape)
        if min(per_job, points) not in aligned_group_sizes(shape):
            nearest = nearest_aligned(shape, per_job)
            problems.append(
                f"chunking.points_per_job = {per_job}: with storage: zarr each job writes one "
                f"block of the {law} sweep {shape}, so points_per_job must be one of "
                f"{_show(aligned_group_sizes(shape))} (nearest: {nearest}); or give "
                "chunking.target_minutes, which picks one"
            )
    return problems


def _semantic_problems(config: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for i, name in enumerate(config["methods"]):
        if name not in METHODS:
            problems.append(
                f"methods[{i}] = {_show(name)}: unknown deconvolution method "
                f"(known: {', '.join(sorted(METHODS))})"
            )
    for law, parameters in config["laws"].items():
        if law not in FORCE_LAWS:
            problems.append(
                f"laws.{law}: unknown force law (known: {', '.join(sorted(FORCE_LAWS))})"
            )
            continue
        expected = FORCE_LAWS[law].parameter_names
        for name in parameters:
            if name not in expected:
                close = difflib.get_close_matches(name, list(expected), n=1)
                problems.append(
                    f"laws.{law}.{name}: unknown parameter of {law} "
                    f"(expected: {', '.join(expected)})"
                    + (f"; did you mean '{close[0]}'?" if close else "")
                )
        for name in expected:
            if name not in parameters:
                problems.append(f"laws.{law}.{name}: required key is missing")
    for law, view in config.get("figures", {}).items():
        if law not in config["laws"]:
            problems.append(f"figures.{law}: law is not in laws ({', '.join(config['laws'])})")
            continue
        # everything a parameter point fixes: the law's parameters, the sensor, the grid
        point = {**config["laws"][law], **config["sensor"], **config["grid"]}
        for name, value in view.get("at", {}).items():
            if name not in point:
                problems.append(
                    f"figures.{law}.at.{name}: unknown parameter (known: {', '.join(point)})"
                )
                continue
            allowed = as_list(point[name])
            if not any(np.isclose(value, a, rtol=1e-9, atol=0) for a in allowed):
                problems.append(
                    f"figures.{law}.at.{name} = {_show(value)}: not one of the swept values "
                    f"{_show(allowed)}"
                )

    amp_spec = config["amplitudes"]
    for i, item in enumerate(amp_spec if isinstance(amp_spec, list) else [amp_spec]):
        where = f"amplitudes[{i}]" if isinstance(amp_spec, list) else "amplitudes"
        if "min" in item and item["min"] >= item["max"]:
            problems.append(
                f"{where}.min = {_show(item['min'])}: must be smaller than "
                f"{where}.max = {_show(item['max'])}"
            )
    z_min, z_max = as_list(config["grid"]["z_min"]), as_list(config["grid"]["z_max"])
    for lo in z_min:
        for hi in z_max:
            if lo >= hi:
                problems.append(
                    f"grid.z_min = {_show(lo)}: must be smaller than grid.z_max = {_show(hi)}"
                )
    chunking = config.get("chunking", {})
    if "points_per_job" in chunking and "target_minutes" in chunking:
        problems.append(
            f"chunking: points_per_job = {_show(chunking['points_per_job'])} and "
            f"target_minutes = {_show(chunking['target_minutes'])} both given: give one "
            "(target_minutes chooses points_per_job from the cost model)"
        )
    problems += _storage_problems(config)
    problems += _plausibility_problems(config)
    problems += _perturbation_problems(config)
    baseline = config.get("baseline")
    if baseline and not (Path(baseline) / "metrics").is_dir():
        problems.append(
            f"baseline = {_show(baseline)}: not a results directory (no metrics/ folder in it)"
        )
    if problems:
        return problems
    largest = float(amplitudes(amp_spec).max())
    span = min(hi - lo for lo in z_min for hi in z_max)
    if span <= 2.0 * largest:
        problems.append(
            f"grid: the z range z_max - z_min = {span:.4g} m must exceed twice the largest "
            f"amplitude (2 * {largest:.4g} m) so that one oscillation fits in the data"
        )
    return problems


def validate_config(config: Mapping[str, Any], source: str = "config") -> dict[str, Any]:
    """Validate a study configuration and fill in the schema's defaults.

    Parameters
    ----------
    config : mapping
        The configuration as read from YAML.
    source : str, optional
        Name of the file (for messages).

    Returns
    -------
    dict
        A validated deep copy with defaults filled in.

    Raises
    ------
    ConfigError
        With one line per problem, each naming the key and the offending value.
    """
    if not isinstance(config, Mapping):
        raise ConfigError([f"<top level> = {_show(config)}: must be a mapping"], source)
    root = schema()
    validator = jsonschema.Draft202012Validator(root)
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError([_describe(e) for e in errors], source)
    validated = copy.deepcopy(dict(config))
    _fill_defaults(validated, root, root)
    problems = _semantic_problems(validated)
    if problems:
        raise ConfigError(problems, source)
    if "target_minutes" not in validated["chunking"]:
        validated["chunking"].setdefault("points_per_job", 1)  # the default, if not chosen
    return validated


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and validate a YAML study configuration.

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed, or the configuration is invalid.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read {path}: {exc.strerror}"], str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).replace("\n", " ")
        context = getattr(exc, "context", None)
        message = (
            f"{path} is not valid YAML: {where}{problem}"
            + (f" ({context})" if context else "")
            + " (an unclosed bracket or quote, or a tab in the indentation?)"
        )
        raise ConfigError([message], str(path)) from None
    return validate_config(data, str(path))
