"""The README's example scenario runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from ecny_sim.run import scenario as scenarios
from ecny_sim.pilot import run_scenario

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_scenario_runs(tmp_path):
    (code,) = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    script = tmp_path / "readme_example.py"
    script.write_text(code, encoding="utf-8")
    s = scenarios.load(str(script))
    result = run_scenario(s, s.params(), seed=1, out_dir=None)
    assert result.outcome == "ok", result.message
    assert result.summary["invariants"]["alice's fee is still locked"] is True
    assert result.summary["balances_fen"]["parent:bo"] == 7 * 15_000
