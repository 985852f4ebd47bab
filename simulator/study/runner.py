"""Running a study's points: on Dask (a LocalCluster this process starts and stops, or a scheduler the user runs),
or one after another in this process (``workers=0``), streaming each finished row to disk.

    with open_executor(workers=2) as execute:        # BadInput when a scheduler does not answer
        for row in execute(tasks): ...               # rows in the order runs finish

The LocalCluster is closed on every way out of the ``with`` (the sweep's end, an exception, Ctrl-C), and so is
the client of a user's scheduler (the scheduler itself is theirs and keeps running).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..run.scenario import BadInput, cut
from .plan import Study, seeds_json
from .summary import Summary, write_summary
from .table import Consolidation, PartWriter, default_measures, done_keys, holds, read_study, write_study
from .worker import failed_row, run_point, warm_up

#: How long a scheduler given with --scheduler has to answer.
CONNECT_SECONDS = 10
#: Points handed to the scheduler at a time, per worker thread (at least MIN_IN_FLIGHT, at most IN_FLIGHT in all);
#: the rest are not made yet, so memory stays flat in the number of runs.
IN_FLIGHT_PER_THREAD = 4
MIN_IN_FLIGHT = 8
IN_FLIGHT = 512
#: A point whose run takes its worker down is tried on this many workers in all before its row says so.
ALLOWED_FAILURES = 1

#: Dask's settings for the workers of a LocalCluster the sweep starts (a user's scheduler's workers keep theirs).
#: Dask's defaults suit long interactive sessions with a dashboard; a sweep's worker runs one long pure-Python
#: task at a time, and every periodic callback of its event loop takes the GIL from the run. So: no statistical
#: profiler sampling every thread's stack every 10 ms, no GIL monitor every 1 ms (both for the dashboard, which a
#: sweep does not start); the event loop's health tick every second, not every 20 ms; the memory limits checked
#: every second, not every 100 ms (the worker is still restarted when it passes them); the system's figures
#: (dashboard only) every 5 s, not every 0.5 s. And glibc's malloc left as it is: Dask sets MALLOC_TRIM_THRESHOLD_
#: to 64 KiB in its workers' environment, which also fixes the mmap threshold at 128 KiB, so that every large
#: allocation of a run is a fresh mmap and its page faults (benchmarks/RESULTS_SWEEP.md).
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

Execute = Callable[[Iterable[dict[str, Any]]], Iterator[dict[str, Any]]]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _in_process(tasks: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for task in tasks:
        yield run_point(task)


def in_flight(client: Any) -> int:
    """How many points the scheduler may hold: a few per worker thread, so a worker never waits for the next."""
    threads = sum(client.nthreads().values())
    return min(IN_FLIGHT, max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads))


def _on_dask(client: Any) -> Execute:
    def execute(tasks: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        from distributed import as_completed

        waiting = iter(tasks)
        futures: dict[Any, dict[str, Any]] = {}

        def submit(count: int) -> list[Any]:
            new = []
            for task in itertools.islice(waiting, count):
                future = client.submit(run_point, task, key=f"ecny-sim-point-{task['key']}", pure=False)
                futures[future] = task
                new.append(future)
            return new

        done = as_completed(submit(in_flight(client)), loop=client.loop)
        for count, future in enumerate(done, 1):
            task = futures.pop(future)
            try:
                row = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker lost (KilledWorker) or the task itself could not run
                row = failed_row(task, "worker_lost" if type(exc).__name__ == "KilledWorker" else "error",
                                 f"{type(exc).__name__}: {exc}")
            future.release()
            # one in, one out: the scheduler holds a few points per worker thread, not the whole study (and more
            # when a user's cluster has grown: counted again every 64 rows)
            more = in_flight(client) - len(futures) if count % 64 == 0 else 1
            for new in submit(max(more, 1)):
                done.add(new)
            yield row

    return execute


@contextlib.contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[Execute]:
    """``workers=0``: in this process. Otherwise Dask: ``scheduler`` (tcp://HOST:PORT) or a LocalCluster of
    ``workers`` processes (default: one per core), one thread each."""
    if scheduler is None and workers == 0:
        yield _in_process
        return
    import dask
    from distributed import Client, LocalCluster

    cluster = client = None
    try:
        # A worker holds only the point it runs (saturation 1.0: the rest wait at the scheduler), so when a point
        # takes its worker down no other point is blamed with it.
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES - 1,
                              "distributed.scheduler.worker-saturation": 1.0, **QUIET_WORKERS}):
            if scheduler is not None:
                try:
                    client = Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
                except (OSError, TimeoutError, ValueError, TypeError) as exc:
                    raise BadInput(f"--scheduler {cut(scheduler, 60)} does not answer: "
                                   f"{cut(' '.join(str(exc).split()), 120)}") from None
            else:
                cluster = LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
                client = Client(cluster, set_as_default=False)
        try:
            client.run(warm_up, cluster is not None)  # a user's own workers keep their Ctrl-C
        except Exception as exc:  # noqa: BLE001 - a user's workers without ecny-sim, say
            raise BadInput(f"the Dask workers cannot run ecny-sim's points: {type(exc).__name__}: "
                           f"{cut(' '.join(str(exc).split()), 120)}") from None
        yield _on_dask(client)
    finally:
        with contextlib.suppress(Exception):
            if client is not None:
                client.close()
        with contextlib.suppress(Exception):
            if cluster is not None:
                cluster.close()


@dataclass
class Progress:
    total: int
    already: int = 0
    done: int = 0
    failed: int = 0
    began: float = field(default_factory=time.monotonic)

    @property
    def left(self) -> int:
        return self.total - self.already - self.done

    @property
    def rate(self) -> float:
        """Runs finished per second, this session."""
        return self.done / max(time.monotonic() - self.began, 1e-9)


@dataclass
class Pending:
    """The points still to run, made as they are taken (a study of a million points is never listed): each a task
    for ``worker.run_point``. ``len()`` is how many; ``already`` how many have their row on disk; ``again`` how
    many of those failed and run again (``retry_failed``); ``extra`` goes into every task (``contracts``)."""

    study: Study
    scenario: Any
    keep: str | None
    done: Any  # sorted keys (done_keys) of the points not to run
    count: int
    already: int
    again: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for point in self.study.points(self.scenario):
            if holds(self.done, point.key):
                continue
            yield {"scenario": self.study.scenario, "values": point.values, "seed": point.seed, "index": point.index,
                   "key": point.key, "keep": self.keep, **self.extra}


def prepare(study: Study, out: Path, *, resume: bool, keep_journals: bool, retry_failed: bool = False) -> Pending:
    """Checks the study and the folder; returns the points still to run (``retry_failed``: with those whose run
    failed). BadInput (nothing written) for a bad study, or a folder holding something else."""
    scenario = study.check()
    out = Path(out)
    described = {**study.describe(), "keep_journals": keep_journals}
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {cut(str(out), 80)} exists and is not a folder")
    held = read_study(out) if out.is_dir() else None
    if held is not None and isinstance(held.get("seeds"), list):  # a folder from before ranges of seeds were kept
        held["seeds"] = seeds_json(held["seeds"])
    if out.is_dir() and any(out.iterdir()):
        if held is None:
            raise BadInput(f"--out {cut(str(out), 80)} holds files that are not a sweep's; choose an empty or new "
                           "folder")
        if not resume:
            raise BadInput(f"--out {cut(str(out), 80)} holds a sweep already; add --resume to finish it, or "
                           "choose another folder")
        if held != described:
            raise BadInput(f"--out {cut(str(out), 80)} holds a different study; --resume continues the same study "
                           "only (scenario, grid, fixed values, seeds, test scale, --keep-journals and --contracts)")
    keep = str(out.resolve()) if keep_journals else None
    done = done_keys(out, ok_only=retry_failed)  # none in a new folder
    already = again = 0
    if len(done) or retry_failed:  # one pass over the points' keys, none of them held
        every = done_keys(out) if retry_failed else done
        for point in study.points(scenario):
            if holds(done, point.key):
                already += 1
            elif retry_failed and holds(every, point.key):
                again += 1
    return Pending(study, scenario, keep, done, study.size - already, already, again)


def execute_study(study: Study, out: Path, execute: Execute, tasks: Pending, *, keep_journals: bool,
                  on_row: Callable[[Progress, dict[str, Any]], None] | None = None) -> tuple[Finished, Progress]:
    """Runs ``tasks``, each row to disk as it comes; then the consolidated table and the summary, streamed.
    Returns what was written and the progress counts. Whatever ends it, the rows that came are on disk."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_study(out, {**study.describe(), "keep_journals": keep_journals})
    progress = Progress(total=tasks.already + len(tasks), already=tasks.already)
    writer = PartWriter(out)
    try:
        for row in execute(tasks):
            writer.add(row)
            progress.done += 1
            progress.failed += not row.get("ok")
            if on_row is not None:
                on_row(progress, row)
    finally:
        writer.flush()
    return finish(study, out, tasks.scenario), progress


@dataclass
class Finished:
    """A consolidated sweep: its folder, how many rows and how many of them failed."""

    folder: Path
    rows: int
    failed: int

    def table(self) -> Any:
        """runs.parquet, whole (pyarrow): for a notebook's study, not for a million runs."""
        import pyarrow.parquet as pq

        return pq.read_table(self.folder / "runs.parquet")


def finish(study: Study, out: Path, scenario: Any) -> Finished:
    """runs.parquet, runs.csv and summary.csv from the parts, streamed (a window of rows at a time)."""
    merged = Consolidation(out, list(scenario.params_model.model_fields))
    measures = study.measures or default_measures(merged.columns)
    shards = 1
    for name in study.sum_over:  # a city's shards, each its own chain, add up to the city
        shards *= len(study.grid[name])
    summary = Summary(study.grouped, measures, shards)
    needed = [c for c in dict.fromkeys([*study.varied, "seed", "ok", *measures]) if c in merged.columns]

    def each(window: Any) -> None:
        for row in window.select(needed).to_pylist():  # the summary's columns only, a window at a time
            summary.add(row)

    rows, failed = merged.write(each)
    write_summary(out, summary.lines())
    return Finished(out, rows, failed)
