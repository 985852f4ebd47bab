"""Reading a finished run back: time and peak memory of each reader over runs of growing size.

    python -m benchmarks.readers RUN_DIR [RUN_DIR ...]      # e.g. city terms of 1,000 and 10,000 pupils
    python -m benchmarks.readers --write RUN_DIR ...        # also writes benchmarks/RESULTS_READERS.md

The readers a regulator uses on a run's folder, each in a fresh process (its peak resident memory is its own):
reading and checking the journal (`read_journal` + `check_intact`), the timeline every chart and statement comes
from, `ecny-sim export --csv` and `ecny-sim report`. Memory flat in the run's length means the peak grows with
the timeline's points and the run's actors, not with the journal's bytes. The runs are made beforehand, e.g.
`ecny-sim run edu_city_term --set pupils=1000 --out runs/city-1k` (copies are read: export and report write into
the folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS_READERS.md")

_CHILD = r"""
import json, resource, sys, time
what, folder = sys.argv[1], sys.argv[2]
started = time.perf_counter()
if what == "read_journal":
    from ecny_sim.run.journal_reader import read_journal
    run = read_journal(folder)
    run.check_intact(summary=run.summary())
elif what == "timeline":
    from ecny_sim.read.timeline import read_timeline
    read_timeline(folder)
else:
    from ecny_sim.cli.main import main
    sys.argv = ["ecny-sim", what, folder, *sys.argv[3:]]
    sys.stdout = open("/dev/null", "w")
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            raise
    sys.stdout = sys.__stdout__
print(json.dumps({"s": round(time.perf_counter() - started, 2), "cpu_s": round(time.process_time(), 2),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""

READERS = (("read_journal", ()), ("timeline", ()), ("export", ("--csv",)), ("report", ()))


def measure(what: str, folder: Path, extra: tuple[str, ...]) -> dict:
    env = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0"}
    out = subprocess.run([sys.executable, "-c", _CHILD, what, str(folder), *extra], capture_output=True, text=True,
                         env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{what} on {folder} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readers", description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (journal.jsonl and summary.json)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS_READERS.md")
    args = parser.parse_args(argv)
    rows = []
    for source in args.runs:
        journal = source / "journal.jsonl"
        if not journal.is_file():
            raise SystemExit(f"no journal at {journal}")
        lines = sum(1 for _ in journal.open("rb"))
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / source.name
            folder.mkdir()
            for name in ("journal.jsonl", "summary.json"):
                shutil.copy(source / name, folder / name)
            for what, extra in READERS:
                got = measure(what, folder, extra)
                rows.append((source.name, lines, journal.stat().st_size / 1e6, what, got))
                print(f"{source.name}: {lines:,} lines, {what}: {got['s']} s, {got['peak_mb']} MB", flush=True)
    table = ["| run | journal lines | journal MB | reader | wall s | CPU s | peak MB |",
             "|---|---:|---:|---|---:|---:|---:|"]
    table += [f"| {name} | {lines:,} | {mb:.1f} | {what} | {got['s']} | {got['cpu_s']} | {got['peak_mb']} |"
              for name, lines, mb, what, got in rows]
    print("\n".join(table))
    if args.write:
        RESULTS.write_text("# Reading runs back (`python -m benchmarks.readers`)\n\n" + "\n".join(table) + "\n",
                           encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
