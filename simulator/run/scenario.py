"""Finding and loading scenario scripts: built-ins by name, or any .py file by path.

A scenario script is a module with a docstring (first line = title), a pydantic ``Params`` model whose
defaults are real pilot figures, ``TEST_PARAMS`` (small figures the test suite uses) and
``run(sim, params)``.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..chain.clock import parse_beijing


class BadInput(Exception):
    """Input a user got wrong: one clear line, exit 2, nothing written. The message is kept to one line
    whatever it echoes (a path or a value holding a newline)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def cut(text: Any, limit: int = 120) -> str:
    """An echo of user input (a path, a name) on one line, cut to a readable length."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def echo(value: Any, limit: int = 60) -> str:
    """``repr`` of a value the user gave, cut to a readable length: for messages that name bad input."""
    return cut(repr(value), limit)


#: JSON nested deeper than this is refused before it is parsed. The chain's libraries raise Python's recursion
#: limit to 100,000, deeper than the C stack holds, so the json module would crash the process, not raise.
MAX_JSON_DEPTH = 200
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def loads_json(text: str) -> Any:
    """``json.loads``, raising ``ValueError`` on JSON nested deeper than ``MAX_JSON_DEPTH`` (only text holding
    that many brackets is scanned for its depth)."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH:
        depth = 0
        for token in _JSON_TOKEN.finditer(text):
            bracket = token.group()
            depth += 1 if bracket in "[{" else -1 if bracket in "]}" else 0
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


def scaled(value: int, scale: Fraction) -> int:
    """``value`` at a scenario's ``scale``: the nearest whole, halves rounded up (Python's round() would round
    halves to even)."""
    return int(value * scale + Fraction(1, 2))


#: The largest whole number a parameter may be (a signed 64-bit integer): what the journal's readers,
#: spreadsheets and databases hold, and far beyond any amount of fen in circulation.
LARGEST_INT = 2**63 - 1

#: The span a run may start in: block times are unix seconds (never negative), and a scenario's own clock may
#: run on for decades after its start (a grant's 15-year promise) without leaving the calendar.
EARLIEST_START, LATEST_START = "1970-01-02", "8999-12-31"
EARLIEST_START_TS, LATEST_START_TS = parse_beijing(EARLIEST_START), parse_beijing(LATEST_START)


class ScenarioParams(BaseModel):
    """Base of every scenario's parameters. ``start`` is when the run begins, in Beijing time."""

    model_config = ConfigDict(extra="forbid", validate_default=True)
    start: str = Field(description="when the run begins (Beijing time), e.g. '2022-05-09 09:00'")

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: Any) -> Any:
        """JSON's true and false are not 1 and 0 (pydantic would take them for numbers)."""
        if isinstance(value, bool) and cls.model_fields[info.field_name].annotation in (int, float, Fraction):
            raise ValueError("a number is needed, not true or false")
        return value

    @field_validator("*")
    @classmethod
    def _no_number_past_64_bits(cls, value: Any) -> Any:
        """Checked after a field's own bounds, for the parameters that have none."""
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST_INT:
            raise ValueError(f"too large: a parameter is at most {LARGEST_INT:,} in size")
        return value

    @field_validator("start")
    @classmethod
    def _start_is_a_time(cls, value: str) -> str:
        ts = parse_beijing(value)
        if not EARLIEST_START_TS <= ts <= LATEST_START_TS:
            raise ValueError(f"the chain's clock cannot hold it: choose a start from {EARLIEST_START} "
                             f"to {LATEST_START} (Beijing time)")
        return value

    @property
    def start_ts(self) -> int:
        return parse_beijing(self.start)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    params_model: type[ScenarioParams]
    run: Callable[..., Any]
    test_params: dict[str, Any]
    source: str

    def params(self, overrides: dict[str, Any] | None = None, *, test_scale: bool = False) -> ScenarioParams:
        values = dict(self.test_params) if test_scale else {}
        values.update(overrides or {})
        try:
            return self.params_model(**values)
        except ValidationError as exc:
            raise BadInput(_one_line(self.name, exc, list(self.params_model.model_fields))) from None

    def parameters(self) -> list[Parameter]:
        """Each parameter with its type, default, allowed range, test-scale value and description."""
        rows = []
        for name, field in self.params_model.model_fields.items():
            bounds = {attr: getattr(m, attr) for m in field.metadata for attr in ("ge", "gt", "le", "lt")
                      if getattr(m, attr, None) is not None}
            low = f"≥ {bounds['ge']}" if "ge" in bounds else f"> {bounds['gt']}" if "gt" in bounds else ""
            high = f"≤ {bounds['le']}" if "le" in bounds else f"< {bounds['lt']}" if "lt" in bounds else ""
            annotation = field.annotation
            kind = annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")
            default = field.get_default(call_default_factory=True)
            shown = default.model_dump(mode="json") if isinstance(default, BaseModel) else default
            rows.append(Parameter(name, kind, shown, ", ".join(x for x in (low, high) if x),
                                  self.test_params.get(name), field.description or _base_description(name)))
        return rows


def _base_description(name: str) -> str:
    base = ScenarioParams.model_fields.get(name)
    return (base.description or "") if base else ""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    range: str
    test_value: Any
    description: str


def _one_line(name: str, exc: ValidationError, known: list[str] = ()) -> str:
    parts = []
    for err in exc.errors():
        where = cut(".".join(str(p) for p in err["loc"]) or "params", 60)
        given = echo(err.get("input"))
        msg = cut(err["msg"].removeprefix("Value error, "), 160)
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(err["loc"][-1]), known, n=3, cutoff=0.6)
            msg = "not a parameter of this scenario" + (f" (did you mean {' or '.join(close)}?)" if close else
                                                        f" (see `ecny-sim list {name}`)")
        parts.append(f"{where}={given}: {msg}" if err["type"] != "missing" else f"{where}: {msg}")
    more = f"; and {len(parts) - 3} more" if len(parts) > 3 else ""
    return f"bad parameters for {name}: " + "; ".join(parts[:3]) + more


def _from_module(name: str, module: ModuleType) -> Scenario:
    where = cut(str(module.__file__))
    for attr in ("Params", "run"):
        if not hasattr(module, attr):
            raise BadInput(f"{where}: not a scenario script (no `{attr}` defined)")
    if not (isinstance(module.Params, type) and issubclass(module.Params, ScenarioParams)):
        raise BadInput(f"{where}: `Params` must be a class deriving from ecny_sim.ScenarioParams, "
                       f"not {cut(repr(module.Params))}")
    if not callable(module.run):
        raise BadInput(f"{where}: `run` must be a function run(sim, params), not {cut(repr(module.run))}")
    test_params = getattr(module, "TEST_PARAMS", {})
    if not isinstance(test_params, dict):
        raise BadInput(f"{where}: `TEST_PARAMS` must be a dict of parameter values")
    doc = (module.__doc__ or name).strip()
    title, _, rest = doc.partition("\n")
    return Scenario(
        name=name,
        title=title.strip(),
        description=rest.strip(),
        params_model=module.Params,
        run=module.run,
        test_params=dict(test_params),
        source=str(module.__file__),
    )


def builtin_names() -> list[str]:
    package = importlib.import_module("ecny_sim.scenarios")
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario script by path (anything ending in .py)."""
    if name_or_path.endswith(".py") or "/" in name_or_path or os.sep in name_or_path:
        path, shown = Path(name_or_path), cut(name_or_path)
        try:
            if path.is_dir():
                raise BadInput(f"{shown} is a folder; a scenario is one Python file (.py)")
            if not path.is_file():
                raise BadInput(f"no scenario file at {shown}")
        except OSError as exc:  # a name too long for the file system, say
            raise BadInput(f"no scenario file at {shown}: {exc.strerror or exc}") from None
        if path.suffix != ".py":
            raise BadInput(f"{shown}: a scenario is a Python file ending in .py")
        module_name = f"ecny_sim_user_scenario_{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        # Registered while it runs, so pydantic can resolve the string annotations of a script written with
        # `from __future__ import annotations` (a field typed PrepaidRules, say) in the script's own namespace.
        sys.modules[module_name] = module
        # Run like a script, not imported: no __pycache__ is left beside the user's file.
        wrote_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            spec.loader.exec_module(module)
        except SystemExit as exc:
            raise BadInput(f"{shown}: the script called sys.exit({echo(exc.code)}) while loading; "
                           "a scenario defines Params and run(sim, params) and exits nowhere") from None
        except Exception as exc:  # the user's script failed to import: say where, in one line
            raise BadInput(f"{shown}: could not load scenario: {type(exc).__name__}: {cut(str(exc))}") from None
        finally:
            sys.dont_write_bytecode = wrote_bytecode
            sys.modules.pop(module_name, None)
        return _from_module(path.stem, module)
    names = builtin_names()
    if name_or_path not in names:
        close = difflib.get_close_matches(name_or_path, names, n=1)
        raise BadInput(f"unknown scenario {echo(name_or_path)}" + (f" (did you mean {close[0]}?)" if close else "")
                       + f"; `ecny-sim list` names the {len(names)} built-in scenarios, or give a path to a .py file")
    return _from_module(name_or_path, importlib.import_module(f"ecny_sim.scenarios.{name_or_path}"))


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["pupils=40", "start=2022-05-09"]`` -> values; JSON where it parses (numbers, booleans, lists),
    text otherwise. Pydantic then checks each against the scenario's parameter types."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--set expects key=value, got {echo(pair)}")
        try:
            values[key.strip()] = loads_json(raw)
        except ValueError:  # not JSON (or nested too deep): the text itself, for pydantic to judge
            values[key.strip()] = raw
    return values


def read_params_file(path: str) -> dict[str, Any]:
    file = cut(path)
    try:
        if Path(path).is_dir():
            raise BadInput(f"{file} is a folder, not a parameter file (a JSON object of parameters)")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"no parameter file at {file}") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{file}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise BadInput(f"cannot read parameter file {file}: {exc.strerror or exc}") from None
    try:
        data = loads_json(text)
    except ValueError as exc:  # json.JSONDecodeError is one
        raise BadInput(f"{file}: not valid JSON ({cut(str(exc))})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{file}: expected a JSON object of parameters, got {type(data).__name__}")
    return data
