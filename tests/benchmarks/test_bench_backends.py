"""`--backend pyevm|anvil|both` on the benchmarks: without anvil, `both` runs py-evm and says so in one line, and
ECNY_REQUIRE_ANVIL=1 or `--backend anvil` stop with one line and exit code 2; gas that differs between backends
stops a benchmark. Fast: nothing is measured (the smoke runs, marked slow, measure)."""

from __future__ import annotations

import pytest

from benchmarks import backends, campaign, grants, run


@pytest.fixture
def no_anvil(monkeypatch):
    monkeypatch.setattr(backends, "find_anvil", lambda: None)
    monkeypatch.delenv(backends.REQUIRE_ANVIL, raising=False)
    return monkeypatch


def test_both_without_anvil_runs_pyevm_and_says_so_once(no_anvil):
    said = []
    chosen, line = backends.chosen("both", say=said.append)
    assert chosen == ["pyevm"]
    assert said == [line]
    assert line.startswith("anvil routes skipped: anvil is not installed: run `make solc`")
    assert "ECNY_REQUIRE_ANVIL=1 makes this an error" in line


def test_pyevm_alone_never_mentions_anvil(no_anvil):
    said = []
    assert backends.chosen("pyevm", say=said.append) == (["pyevm"], "")
    assert said == []


@pytest.mark.parametrize("choice, require", [("both", "1"), ("anvil", None)])
def test_anvil_required_and_missing_is_one_line_and_exit_2(no_anvil, choice, require):
    if require:
        no_anvil.setenv(backends.REQUIRE_ANVIL, require)
    with pytest.raises(backends.AnvilMissing) as caught:
        backends.chosen(choice, say=pytest.fail)
    assert caught.value.code == 2
    assert str(caught.value).startswith("cannot run the anvil route: anvil is not installed")


@pytest.mark.parametrize("module", [run, campaign, grants], ids=lambda m: m.__name__)
def test_each_benchmark_stops_with_one_line(no_anvil, capsys, module):
    assert module.main(["--quick", "--backend", "anvil"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "anvil is not installed" in err


def test_gas_differing_between_backends_stops_the_benchmark():
    same = [("claim", 180_821), ("pay", 125_994)]
    backends.same_gas("a run", {"pyevm": same, "anvil": list(same)})
    with pytest.raises(RuntimeError, match=r"between pyevm and anvil in a run, transaction 1: "
                                           r"\('pay', 125994\) vs \('pay', 125995\)"):
        backends.same_gas("a run", {"pyevm": same, "anvil": [same[0], ("pay", 125_995)]})
    with pytest.raises(RuntimeError, match="transaction 2: none vs"):
        backends.same_gas("a run", {"pyevm": same, "anvil": [*same, ("sweep", 1)]})
