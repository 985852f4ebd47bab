"""The flat package's module paths (0.1) keep working for this release: the same module under its old name,
with a DeprecationWarning naming the new place; `ecny-sim run` tells a user script which imports moved."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ecny_sim import _moved

OLD = sorted(name for name, new in _moved.MOVED.items() if name != new)


def _fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "always::DeprecationWarning", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("old", OLD)
def test_an_old_module_path_is_the_new_module_with_a_warning(old):
    import importlib

    new = importlib.import_module(f"ecny_sim.{_moved.MOVED[old]}")
    sys.modules.pop(f"ecny_sim.{old}", None)
    with pytest.warns(DeprecationWarning, match=rf"ecny_sim\.{old} has moved to ecny_sim\.{_moved.MOVED[old]}"):
        aliased = importlib.import_module(f"ecny_sim.{old}")
    assert aliased is new and new.__spec__.name == f"ecny_sim.{_moved.MOVED[old]}"


def test_a_scenario_written_for_the_old_paths_still_runs():
    done = _fresh("""
        from ecny_sim.scenario import ScenarioParams
        from ecny_sim.term import open_term
        from ecny_sim.engine import run_scenario
        from ecny_sim import scenario
        s = scenario.load("edu_term")
        print(run_scenario(s, s.params(test_scale=True), 1, None).outcome)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    for old, new in (("scenario", "run.scenario"), ("term", "domain.term"), ("engine", "pilot")):
        assert f"ecny_sim.{old} has moved to ecny_sim.{new}" in done.stderr
    assert "<string>:2: DeprecationWarning" in done.stderr  # the warning points at the importing line


def test_the_cli_names_each_moved_import_of_a_user_script(tmp_path):
    script = tmp_path / "mine.py"
    script.write_text(textwrap.dedent('''\
        """My term."""
        import ecny_sim.clock
        from ecny_sim.settings import PrepaidRules
        from ecny_sim import money, ScenarioParams

        class Params(ScenarioParams):
            pass

        def run(sim, p):
            sim.token.open_wallet("parent:a", fund_fen=money.yuan(1))
        '''))
    assert _moved.old_imports_in(script) == [
        f"ecny_sim.{old} has moved to ecny_sim.{new}; the old path goes in the next release "
        "(scenarios can import everything from `ecny_sim`)"
        for old, new in (("clock", "chain.clock"), ("settings", "domain.settings"), ("money", "domain.money"))]
    done = subprocess.run([sys.executable, "-m", "ecny_sim.cli.main", "run", str(script), "--set", "start=2022-05-09", "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("note: ecny_sim.") == 3
