"""A study: which scenario, which parameter values (a grid, fixed values) and which seeds; its points in order.

    study = Study.build("edu_abscond", grid=["phantom_lessons=0..2", "pupils=6,12"], seeds="1..3", test_scale=True)
    study = Study.from_file(Path("studies/city_supervision.toml"), grid=[...])   # the file, then the command line
    study.check()            # every point's parameters through the scenario's model: BadInput before any run
    for point in study.points(): ...

Ranges are inclusive (``1..3`` is 1, 2, 3). A study file is TOML::

    scenario = "edu_abscond"          # a built-in name, or a path to a .py (relative to the file)
    test_scale = true                 # start from the scenario's TEST_PARAMS
    seeds = "1..20"                   # or a list: [1, 5, 9]
    measures = ["comparison.escrow.parent_loss_fen"]   # columns of the summary table (default: totals, comparison)
    [set]                             # fixed values
    pupils = 6
    [grid]                            # one row of the table per combination, per seed
    phantom_lessons = "0..2"          # a range, or a list
    deposit_share_bps = [1000, 2000]

A point's key names its parameters and seed (a hash of their canonical JSON): a resumed sweep recognises the
points it already ran whatever order they come in.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..run import scenario as scenarios
from ..run.scenario import BadInput, cut, echo

#: Fields of a study file (anything else is refused, with the list).
STUDY_FIELDS = ("scenario", "title", "description", "test_scale", "seeds", "set", "grid", "draw", "draws",
                "measures", "sources", "sum_over")
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")
#: A study of more points than this is refused (a typo like seeds=1..10000000 would fill the disk with rows).
MAX_POINTS = 1_000_000


def parse_values(name: str, text: str) -> list[Any]:
    """``"1..4"`` -> [1, 2, 3, 4]; ``"a,b"`` -> each item as JSON where it parses (numbers, booleans), text
    otherwise; refuses an empty range or list."""
    if _RANGE.match(text):
        return list(_range(name, text))
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise BadInput(f"{name}={cut(text, 40)}: no value (give a,b,c or a range low..high)")
    return _distinct(name, [scenarios.parse_assignments([f"v={item}"])["v"] for item in items])


def _range(name: str, text: str) -> range:
    match = _RANGE.match(text)
    low, high = int(match[1]), int(match[2])
    if low > high:
        raise BadInput(f"{name}={cut(text, 40)}: empty range (ranges are inclusive and count up: {high}..{low})")
    if high - low >= MAX_POINTS:
        raise BadInput(f"{name}={cut(text, 40)}: a range of more than {MAX_POINTS:,} values")
    return range(low, high + 1)


def _distinct(name: str, values: list[Any]) -> list[Any]:
    """Refuses a value given twice: its points would share one key and one of them would vanish from the table."""
    seen: list[str] = []
    for value in values:
        key = json.dumps(value, sort_keys=True)
        if key in seen:
            raise BadInput(f"{name}: the value {cut(key, 30)} is given twice")
        seen.append(key)
    return values


def parse_grid(entries: Sequence[str]) -> dict[str, list[Any]]:
    """``["parents=100,1000", "phantom_lessons=0..4"]`` -> {name: values}, in the order given."""
    grid: dict[str, list[Any]] = {}
    for entry in entries:
        name, sep, text = entry.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadInput(f"--grid expects name=a,b or name=low..high, got {echo(entry)}")
        grid[name] = parse_values(name, text)
    return grid


def _seeds(value: Any, where: str) -> Sequence[int]:
    """A study's seeds: a range stays a range (a million seeds in a few bytes, in the study and in study.json),
    anything else a list of distinct whole numbers from 0."""
    if isinstance(value, str) and _RANGE.match(value):
        value = _range("seeds", value)
    if isinstance(value, range) and value.step == 1 and len(value):
        if value.start < 0:
            raise BadInput(f"{where}: seeds are whole numbers from 0, not {value.start}..{value.stop - 1}")
        return value
    if isinstance(value, str):
        seeds = parse_values("seeds", value)
    elif isinstance(value, int) and not isinstance(value, bool):
        seeds = [value]
    elif isinstance(value, list) and value:
        seeds = value
    else:
        raise BadInput(f"{where}: seeds must be a range like \"1..20\" or a list of whole numbers, not {echo(value)}")
    if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise BadInput(f"{where}: seeds are whole numbers from 0, not {echo(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise BadInput(f"{where}: a seed is given twice")
    return seeds


def _bounds(name: str, value: Any, where: str) -> tuple[int, int]:
    """A drawn parameter's inclusive range: "low..high" or [low, high], whole numbers."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                           for v in value):
        low, high = value
    else:
        match = _RANGE.match(value) if isinstance(value, str) else None
        if not match:
            raise BadInput(f"{where}: draw {name} needs a range of whole numbers low..high, not {echo(value)}")
        low, high = int(match[1]), int(match[2])
    if low > high:
        raise BadInput(f"{where}: draw {name}={low}..{high}: empty range")
    return low, high


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_POINTS:
        raise BadInput(f"{where}: the number of draws is a whole number from 0 to {MAX_POINTS:,}, not {echo(value)}")
    return value


def seeds_json(seeds: Sequence[int]) -> str | list[int]:
    """Seeds as study.json holds them: "low..high" for a range, else the list. A list of consecutive seeds (as
    study.json held every range before) is the same study as its range."""
    if not isinstance(seeds, range) and len(seeds) > 1 and list(seeds) == list(range(seeds[0], seeds[-1] + 1)):
        seeds = range(seeds[0], seeds[-1] + 1)
    return f"{seeds.start}..{seeds.stop - 1}" if isinstance(seeds, range) and len(seeds) > 1 else list(seeds)


def point_key(values: dict[str, Any], seed: int) -> str:
    """A point's name in the table and on disk: 16 hex digits of its parameters' and seed's canonical JSON."""
    text = json.dumps({"params": values, "seed": seed}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Point:
    index: int  # its place in the study's order: grid combinations in order, seeds within each
    values: dict[str, Any]  # every parameter of the scenario, as its model holds it (JSON)
    seed: int
    key: str


@dataclass
class Study:
    scenario: str  # a built-in name or a path to a .py
    grid: dict[str, list[Any]] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    seeds: Sequence[int] = field(default_factory=lambda: [1])  # a range, or a list
    test_scale: bool = False
    title: str = ""
    description: str = ""
    measures: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # parameter -> where its value comes from
    draw: dict[str, tuple[int, int]] = field(default_factory=dict)  # parameter -> (low, high): random draws
    draws: int = 0  # how many draws of the `draw` parameters, each crossed with every grid combination
    sum_over: list[str] = field(default_factory=list)  # grid names whose runs add up to one (a city's shards)
    contracts: str = ""  # the digest of a user's contracts the points run with (`--contracts`), or empty

    @classmethod
    def build(cls, scenario: str, *, grid: Sequence[str] = (), fixed: Sequence[str] = (), seeds: str | None = None,
              test_scale: bool = False, draw: Sequence[str] = (), draws: int | None = None) -> Study:
        """From the command line's words."""
        study = cls(scenario, test_scale=test_scale)
        study.override(grid=grid, fixed=fixed, seeds=seeds, draw=draw, draws=draws)
        return study

    @classmethod
    def from_file(cls, path: Path, *, grid: Sequence[str] = (), fixed: Sequence[str] = (), seeds: str | None = None,
                  test_scale: bool = False, draw: Sequence[str] = (), draws: int | None = None) -> Study:
        """A TOML study file; the command line's --grid, --set and --seeds then add to it or replace its values."""
        where = cut(str(path), 80)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BadInput(f"no study file at {where}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read study file {where}: {getattr(exc, 'strerror', None) or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise BadInput(f"{where}: not valid TOML ({cut(str(exc), 100)})") from None
        unknown = sorted(set(data) - set(STUDY_FIELDS))
        if unknown:
            raise BadInput(f"{where}: unknown field {echo(unknown[0])} (a study file has {', '.join(STUDY_FIELDS)})")
        scenario = data.get("scenario")
        if not isinstance(scenario, str) or not scenario:
            raise BadInput(f"{where}: `scenario` must name a built-in scenario or a .py file")
        if scenario.endswith(".py") and not Path(scenario).is_absolute():
            scenario = str((Path(path).parent / scenario).resolve())
        study = cls(scenario, test_scale=bool(data.get("test_scale", False)) or test_scale,
                    title=str(data.get("title", "")), description=str(data.get("description", "")))
        for name, kind in (("set", dict), ("grid", dict), ("draw", dict), ("measures", list), ("sources", dict),
                           ("sum_over", list)):
            if not isinstance(data.get(name, kind()), kind):
                raise BadInput(f"{where}: `{name}` must be a {'table' if kind is dict else 'list'}")
        study.fixed = dict(data.get("set", {}))
        for name, values in data.get("grid", {}).items():
            if isinstance(values, str):
                study.grid[name] = parse_values(name, values)
            elif isinstance(values, list) and values:
                study.grid[name] = _distinct(f"{where}: grid {name}", list(values))
            else:
                raise BadInput(f"{where}: grid {name} must be a range like \"0..4\" or a non-empty list, "
                               f"not {echo(values)}")
        if "seeds" in data:
            study.seeds = _seeds(data["seeds"], where)
        study.measures = [str(m) for m in data.get("measures", [])]
        study.sources = {str(k): str(v) for k, v in data.get("sources", {}).items()}
        for name, bounds in data.get("draw", {}).items():
            study.draw[name] = _bounds(name, bounds, where)
        study.draws = _count(data.get("draws", 0), where) if study.draw else 0
        study.sum_over = [str(n) for n in data.get("sum_over", [])]
        study.override(grid=grid, fixed=fixed, seeds=seeds, draw=draw, draws=draws)
        return study

    def override(self, *, grid: Sequence[str] = (), fixed: Sequence[str] = (), seeds: str | None = None,
                 draw: Sequence[str] = (), draws: int | None = None) -> None:
        for name, values in parse_grid(grid).items():
            self.fixed.pop(name, None)
            self.draw.pop(name, None)
            self.grid[name] = values
        for entry in draw:
            name, _, text = entry.partition("=")
            self.grid.pop(name.strip(), None)
            self.fixed.pop(name.strip(), None)
            self.draw[name.strip()] = _bounds(name.strip(), text, "--draw")
        for name, value in scenarios.parse_assignments(list(fixed)).items():
            self.grid.pop(name, None)
            self.draw.pop(name, None)
            self.fixed[name] = value
        if seeds is not None:
            self.seeds = _seeds(seeds, "--seeds")
        if draws is not None:
            self.draws = _count(draws, "--draws")
        if self.draw and not self.draws:
            raise BadInput("random draws (--draw or [draw]) need how many: --draws N (or `draws = N`)")
        if self.draws and not self.draw:
            raise BadInput("--draws needs parameters to draw: --draw name=low..high (or a [draw] table)")

    @property
    def varied(self) -> list[str]:
        """The parameters that vary from one combination to another: the grid's, then the drawn ones."""
        return [*self.grid, *self.draw]

    @property
    def grouped(self) -> list[str]:
        """What the summary is per: the varied parameters but those summed over (a city's shards)."""
        return [n for n in self.varied if n not in self.sum_over]

    @property
    def size(self) -> int:
        count = len(self.seeds) * max(self.draws, 1)
        for values in self.grid.values():
            count *= len(values)
        return count

    def combinations(self) -> Iterator[dict[str, Any]]:
        """The grid's combinations in order (the last name varies fastest), each with the fixed values, and each
        crossed with the random draws (the same draws for every combination: drawn from a generator seeded 0, so
        a study gives the same draws every time)."""
        rng = random.Random(0)
        drawn = [{n: rng.randint(low, high) for n, (low, high) in self.draw.items()} for _ in range(self.draws)]
        names = list(self.grid)
        for combo in itertools.product(*(self.grid[n] for n in names)):
            for values in drawn or [{}]:
                yield {**self.fixed, **dict(zip(names, combo)), **values}

    def check(self) -> scenarios.Scenario:
        """Loads the scenario and puts every combination through its parameter model: the first bad value is
        one line of BadInput, before anything runs or is written."""
        unknown = [n for n in self.sum_over if n not in self.grid]
        if unknown:
            raise BadInput(f"sum_over names {echo(unknown[0])}, which is not a grid parameter of the study")
        if "seed" in self.grid or "seed" in self.fixed or "seed" in self.draw:
            raise BadInput("the seed is not a parameter: give seeds with --seeds (or `seeds` in a study file)")
        if self.size > MAX_POINTS:
            raise BadInput(f"the study has {self.size:,} points, more than {MAX_POINTS:,}")
        scenario = scenarios.load(self.scenario)
        for values in self.combinations():
            try:
                scenario.params(values, test_scale=self.test_scale)
            except BadInput as exc:
                shown = ", ".join(f"{k}={echo(values[k], 20)}" for k in self.varied)
                raise BadInput(f"{exc}" + (f" (at {shown})" if shown else "")) from None
        return scenario

    def points(self, scenario: scenarios.Scenario) -> Iterator[Point]:
        index = 0
        for values in self.combinations():
            resolved = scenario.params(values, test_scale=self.test_scale).model_dump(mode="json")
            for seed in self.seeds:
                yield Point(index, resolved, seed, point_key(resolved, seed))
                index += 1

    def describe(self) -> dict[str, Any]:
        """What the sweep's folder records as its study (study.json): a resumed sweep must match it."""
        return {"scenario": self.scenario, "grid": self.grid, "grid_order": list(self.grid), "set": self.fixed,
                "seeds": seeds_json(self.seeds), "test_scale": self.test_scale, "title": self.title,
                "description": self.description, "measures": self.measures, "sources": self.sources,
                "draw": {n: list(b) for n, b in self.draw.items()}, "draws": self.draws, "varied": self.varied,
                "sum_over": self.sum_over, "grouped": self.grouped,
                **({"contracts": self.contracts} if self.contracts else {})}
