"""Finding and loading scenario scripts: built-ins by name, or any .py file by path.

A scenario script is a module with a docstring (first line = title), a pydantic ``Params`` model whose
defaults are real pilot figures, ``TEST_PARAMS`` (small figures the test suite uses) and
``run(sim, params)``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..chain.clock import parse_beijing


class BadInput(Exception):
    """Input a user got wrong: one clear line, exit 2, nothing written."""


def scaled(value: int, scale: Fraction) -> int:
    """``value`` at a scenario's ``scale``: the nearest whole, halves rounded up (Python's round() would round
    halves to even)."""
    return int(value * scale + Fraction(1, 2))


class ScenarioParams(BaseModel):
    """Base of every scenario's parameters. ``start`` is when the run begins, in Beijing time."""

    model_config = ConfigDict(extra="forbid", validate_default=True)
    start: str = Field(description="when the run begins (Beijing time), e.g. '2022-05-09 09:00'")

    @field_validator("start")
    @classmethod
    def _start_is_a_time(cls, value: str) -> str:
        parse_beijing(value)
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
            raise BadInput(_one_line(self.name, exc)) from None


def _one_line(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "params"
        given = err.get("input")
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "not a parameter of this scenario"
        parts.append(f"{where}={given!r}: {msg}" if err["type"] != "missing" else f"{where}: {msg}")
    return f"bad parameters for {name}: " + "; ".join(parts)


def _from_module(name: str, module: ModuleType) -> Scenario:
    for attr in ("Params", "run"):
        if not hasattr(module, attr):
            raise BadInput(f"{module.__file__}: not a scenario script (no `{attr}` defined)")
    doc = (module.__doc__ or name).strip()
    title, _, rest = doc.partition("\n")
    return Scenario(
        name=name,
        title=title.strip(),
        description=rest.strip(),
        params_model=module.Params,
        run=module.run,
        test_params=dict(getattr(module, "TEST_PARAMS", {})),
        source=str(module.__file__),
    )


def builtin_names() -> list[str]:
    package = importlib.import_module("ecny_sim.scenarios")
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def load(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario script by path (anything ending in .py)."""
    if name_or_path.endswith(".py") or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise BadInput(f"no scenario file at {path}")
        spec = importlib.util.spec_from_file_location(f"ecny_sim_user_scenario_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's script failed to import: say where, in one line
            raise BadInput(f"{path}: could not load scenario: {type(exc).__name__}: {exc}") from None
        return _from_module(path.stem, module)
    names = builtin_names()
    if name_or_path not in names:
        raise BadInput(f"unknown scenario {name_or_path!r}; built-in scenarios: {', '.join(names)}")
    return _from_module(name_or_path, importlib.import_module(f"ecny_sim.scenarios.{name_or_path}"))


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """``["pupils=40", "start=2022-05-09"]`` -> values; JSON where it parses (numbers, booleans, lists),
    text otherwise. Pydantic then checks each against the scenario's parameter types."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--set expects key=value, got {pair!r}")
        try:
            values[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            values[key.strip()] = raw
    return values


def read_params_file(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"no parameter file at {file}")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{file}: expected a JSON object of parameters, got {type(data).__name__}")
    return data
