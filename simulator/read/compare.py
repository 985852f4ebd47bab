"""What differs between two runs: parameters, totals, balances, the model comparison, and the first journal
line where they part ways ("what if" questions: the same term with a 30% deposit, another seed...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..run.journal_reader import BadJournal, read_journal

#: What two transaction lines must share to be "the same step" (times and roots follow from these).
STEP_FIELDS = ("actor", "contract", "function", "args", "status", "gas_used", "events", "error", "timestamp")


@dataclass
class RunDiff:
    a: Path
    b: Path
    params: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)
    balances: dict[str, tuple[int, int]] = field(default_factory=dict)
    comparison: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    first_divergence: dict[str, Any] | None = None  # {"line", "fields", "a", "b"}
    same_journal: bool = False

    def to_json(self) -> dict[str, Any]:
        pair = lambda d: {k: {"a": v[0], "b": v[1]} for k, v in d.items()}  # noqa: E731
        return {
            "a": str(self.a), "b": str(self.b), "params": pair(self.params), "totals": pair(self.totals),
            "balances_fen": pair(self.balances),
            "comparison": {m: pair(v) for m, v in self.comparison.items()},
            "first_divergence": self.first_divergence, "same_journal": self.same_journal,
        }


def _changed(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def diff_runs(dir_a: str | Path, dir_b: str | Path) -> RunDiff:
    run_a, run_b = read_journal(dir_a), read_journal(dir_b)
    run_a.check_intact()
    run_b.check_intact()
    sum_a, sum_b = run_a.summary(), run_b.summary()
    if sum_a is None or sum_b is None:
        missing = run_a.directory if sum_a is None else run_b.directory
        raise BadJournal(f"no summary.json in {missing}: diff compares two finished runs")
    run_a.check_intact(summary=sum_a)
    run_b.check_intact(summary=sum_b)
    d = RunDiff(run_a.directory, run_b.directory)
    d.params = _changed({**sum_a["params"], "seed": sum_a["seed"], "scenario": sum_a["scenario"]},
                        {**sum_b["params"], "seed": sum_b["seed"], "scenario": sum_b["scenario"]})
    d.totals = _changed(sum_a["totals"], sum_b["totals"])
    d.balances = _changed(sum_a["balances_fen"], sum_b["balances_fen"])
    for model in sorted(set(sum_a.get("comparison", {})) | set(sum_b.get("comparison", {}))):
        changed = _changed(sum_a.get("comparison", {}).get(model, {}), sum_b.get("comparison", {}).get(model, {}))
        if changed:
            d.comparison[model] = changed
    steps_a, steps_b = run_a.steps, run_b.steps  # seeded state is compared too (its events)
    for la, lb in zip(steps_a, steps_b):
        fields = [f for f in STEP_FIELDS if la.get(f) != lb.get(f)]
        if fields:
            d.first_divergence = {"line": la["line"], "fields": fields,
                                  "a": {f: la.get(f) for f in fields}, "b": {f: lb.get(f) for f in fields},
                                  "a_step": f"{la['actor']} -> {la['contract']}.{la['function']}",
                                  "b_step": f"{lb['actor']} -> {lb['contract']}.{lb['function']}"}
            break
    else:
        if len(steps_a) != len(steps_b):
            shorter = min(len(steps_a), len(steps_b))
            d.first_divergence = {"line": shorter + 2, "fields": ["length"],
                                  "a": {"transactions": len(run_a.txs)}, "b": {"transactions": len(run_b.txs)},
                                  "a_step": "", "b_step": ""}
    d.same_journal = run_a.final_hash == run_b.final_hash  # each the sha256 of its whole file
    return d
