"""The city supervision study's scenario (studies/edu_city_supervision.py) and study file: the same seed is the
same city under each model; escrow parents lose nothing, unsupervised ones every untaught fen of an absconder,
a risk deposit covers up to its share; honest closures cost parents nothing under any model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecny_sim.study import simulate
from ecny_sim.study.plan import Study

STUDIES = Path(__file__).resolve().parents[2] / "studies"
SCENARIO = str(STUDIES / "edu_city_supervision.py")

pytestmark = pytest.mark.slow


def test_the_study_file_checks():
    study = Study.from_file(STUDIES / "city_supervision.toml")
    study.check()
    assert study.grid["model"] == ["escrow", "risk_deposit", "unsupervised"] and study.size == 48
    assert "closure_rate_bps" in study.sources and "inferred" in study.sources["closure_rate_bps"]


def test_losses_under_the_three_models():
    runs = {m: simulate(SCENARIO, {"model": m, "abscond_share_bps": 10_000}, seed=1, test_scale=True)
            for m in ("escrow", "risk_deposit", "unsupervised")}
    assert all(r["outcome"] == "ok" for r in runs.values()), [r.get("message") for r in runs.values()]
    counts = {m: (r["counts"]["closures"], r["counts"]["abscondings"]) for m, r in runs.items()}
    assert len(set(counts.values())) == 1 and counts["escrow"][1] >= 1  # the same city, an absconder in it
    loss = {m: r["totals"]["parent_loss_fen"] for m, r in runs.items()}
    assert loss["escrow"] == 0 < loss["risk_deposit"] < loss["unsupervised"]
    deposit = runs["risk_deposit"]["comparison"]["risk_deposit"]["refunded_fen"]
    assert loss["unsupervised"] - loss["risk_deposit"] == deposit  # the deposit is what a risk deposit saves
    assert runs["escrow"]["counts"]["deposit_bps_to_match_escrow"] > 2_000


def test_honest_closures_cost_parents_nothing():
    for model in ("risk_deposit", "unsupervised"):
        run = simulate(SCENARIO, {"model": model, "abscond_share_bps": 0}, seed=1, test_scale=True)
        assert run["outcome"] == "ok" and run["counts"]["closures"] >= 1
        assert run["totals"]["parent_loss_fen"] == 0


def test_a_city_in_shards_adds_up_to_the_whole_city(tmp_path):
    whole = simulate(SCENARIO, {"model": "unsupervised", "abscond_share_bps": 10_000}, seed=3, test_scale=True)
    parts = [simulate(SCENARIO, {"model": "unsupervised", "abscond_share_bps": 10_000, "shards": 2, "shard": s},
                      seed=3, test_scale=True) for s in (0, 1)]
    assert all(r["outcome"] == "ok" for r in [whole, *parts])
    for name in ("institutions", "closures", "abscondings", "refund_run_orders"):
        assert sum(p["counts"][name] for p in parts) == whole["counts"][name], name
    for name in ("paid_in_fen", "parent_loss_fen"):
        assert sum(p["totals"][name] for p in parts) == whole["totals"][name], name
    assert min(p["counts"]["institutions"] for p in parts) >= 1


def test_the_sharded_study_sums_the_shards_per_seed(tmp_path):
    from ecny_sim.study import sweep

    import pyarrow.csv as pacsv

    runs = sweep(SCENARIO, {"shard": [0, 1]}, seeds="3..4", fixed={"model": "unsupervised", "shards": 2,
                 "abscond_share_bps": 10_000}, test_scale=True, workers=0, out=tmp_path / "s", as_pandas=False,
                 sum_over=["shard"]).to_pylist()
    assert len(runs) == 4
    (line,) = pacsv.read_csv(tmp_path / "s" / "summary.csv").to_pylist()  # one line: the two cities
    assert line["runs"] == 2 and line["failed"] == 0
    cities = [sum(r["totals.parent_loss_fen"] for r in runs if r["seed"] == seed) for seed in (3, 4)]
    assert line["totals.parent_loss_fen.mean"] == sum(cities) / 2
    study = Study.from_file(STUDIES / "city_supervision_sharded.toml")
    assert study.sum_over == ["shard"] and study.grouped == ["model"] and study.check()
