"""The study's Python API, for notebooks: ``simulate`` one run into its summary, ``sweep`` a study into its table.

They are ``ecny_sim.simulate`` and ``ecny_sim.sweep``: the issue's ``ecny_sim.run`` cannot be a function, since
``ecny_sim.run`` is the run layer's package (importing ``ecny_sim.run.engine`` sets that attribute).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from .plan import Study, _seeds


def simulate(scenario: str, params: Mapping[str, Any] | None = None, *, seed: int = 1, test_scale: bool = False,
             out: str | Path | None = None) -> dict[str, Any]:
    """Runs ``scenario`` (a built-in name or a .py path) once on a fresh chain and returns its summary (the
    dict summary.json holds, with ``outcome``). ``out``: a folder for journal.jsonl and summary.json; none by
    default. A bad parameter raises ``ecny_sim.BadInput``."""
    from ..pilot import run_scenario
    from ..run import scenario as scenarios

    loaded = scenarios.load(scenario)
    chosen = loaded.params(dict(params or {}), test_scale=test_scale)
    result = run_scenario(loaded, chosen, seed, Path(out) if out is not None else None)
    return {**result.summary, "outcome": result.outcome, **({"message": result.message} if result.message else {})}


def sweep(scenario: str, grid: Mapping[str, Iterable[Any]] | None = None, *, seeds: Iterable[int] | str = (1,),
          fixed: Mapping[str, Any] | None = None, test_scale: bool = False, workers: int | None = None,
          scheduler: str | None = None, out: str | Path | None = None, resume: bool = False,
          retry_failed: bool = False, keep_journals: bool = False, as_pandas: bool = True,
          draw: Mapping[str, tuple[int, int]] | None = None, draws: int = 0, sum_over: Iterable[str] = ()) -> Any:
    """Runs every combination of ``grid`` for every seed, one full run each (on Dask: ``workers`` processes of a
    LocalCluster started and stopped here, default one per core; ``workers=0``: in this process; or the
    ``scheduler`` at tcp://HOST:PORT) and returns the table, one row per run (pandas, or pyarrow with
    ``as_pandas=False``), sorted by point. ``draw``: parameters drawn at random, name -> (low, high), ``draws``
    times, each draw crossed with every grid combination. ``sum_over``: grid names whose runs add up to one row of
    summary.csv (a city's shards). ``out``: the sweep's folder (runs.parquet, runs.csv,
    summary.csv); a temporary one, removed afterwards, by default. ``resume``: finish the sweep in ``out``, running only
    the points with no row; ``retry_failed`` runs those whose run failed again too."""
    from .runner import execute_study, open_executor, prepare

    study = Study(scenario, test_scale=test_scale)
    study.grid = {name: list(values) for name, values in (grid or {}).items()}
    study.fixed = dict(fixed or {})
    study.seeds = _seeds(seeds if isinstance(seeds, (str, range)) else list(seeds), "seeds")
    study.sum_over = list(sum_over)
    study.override(draw=[f"{name}={low}..{high}" for name, (low, high) in (draw or {}).items()], draws=draws)
    with tempfile.TemporaryDirectory(prefix="ecny-sweep-") as scratch:
        folder = Path(out) if out is not None else Path(scratch) / "sweep"
        tasks = prepare(study, folder, resume=resume or retry_failed, keep_journals=keep_journals,
                        retry_failed=retry_failed)
        with open_executor(workers if tasks else 0, scheduler if tasks else None) as execute:
            finished, _ = execute_study(study, folder, execute, tasks, keep_journals=keep_journals)
        result = finished.table()
    return result.to_pandas() if as_pandas else result
