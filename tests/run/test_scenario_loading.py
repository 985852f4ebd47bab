"""Loading a scenario script: every malformed one is bad input in one line (never a traceback), and a script
that exits or fails inside run() is a scenario error (exit 5), never a success."""

from __future__ import annotations

import json
import textwrap

import pytest

from ecny_sim.pilot import run_scenario
from ecny_sim.run import engine
from ecny_sim.run import scenario as scenarios

GOOD_HEAD = '''"""A scenario"""
from ecny_sim import ScenarioParams
'''

MALFORMED = [
    ("notes.txt", "hello", "a scenario is a Python file ending in .py"),
    ("no_params.py", GOOD_HEAD + "def run(sim, p):\n    pass\n", "not a scenario script (no `Params` defined)"),
    ("no_run.py", GOOD_HEAD + "class Params(ScenarioParams):\n    pass\n", "not a scenario script (no `run` defined)"),
    ("params_dict.py", GOOD_HEAD + "Params = {'start': 1}\ndef run(sim, p):\n    pass\n",
     "`Params` must be a class deriving from ecny_sim.ScenarioParams, not {'start': 1}"),
    ("params_plain.py", GOOD_HEAD + "class Params:\n    pass\ndef run(sim, p):\n    pass\n",
     "`Params` must be a class deriving from ecny_sim.ScenarioParams"),
    ("run_value.py", GOOD_HEAD + "class Params(ScenarioParams):\n    pass\nrun = 3\n",
     "`run` must be a function run(sim, params), not 3"),
    ("test_params.py", GOOD_HEAD + "class Params(ScenarioParams):\n    pass\ndef run(sim, p):\n    pass\n"
     "TEST_PARAMS = [1]\n", "`TEST_PARAMS` must be a dict"),
    ("exits.py", "import sys\nsys.exit(3)\n", "the script called sys.exit(3) while loading"),
    ("syntax.py", "def run(:\n", "could not load scenario: SyntaxError"),
    ("raises.py", "raise RuntimeError('x' * 500)\n", "could not load scenario: RuntimeError: xxxx"),
]


@pytest.mark.parametrize("file,source,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_script_is_one_line_of_bad_input(tmp_path, file, source, message):
    (tmp_path / file).write_text(source)
    with pytest.raises(scenarios.BadInput) as caught:
        scenarios.load(str(tmp_path / file))
    text = str(caught.value)
    assert message in text and "\n" not in text and len(text) < 400


def test_a_folder_is_not_a_scenario(tmp_path):
    with pytest.raises(scenarios.BadInput, match="is a folder; a scenario is one Python file"):
        scenarios.load(str(tmp_path))


def test_future_annotations_with_a_rules_field_load_and_run(tmp_path):
    (tmp_path / "future.py").write_text(textwrap.dedent('''\
        """Future annotations"""
        from __future__ import annotations
        from ecny_sim import PrepaidRules, ScenarioParams

        class Params(ScenarioParams):
            start: str = "2022-05-09"
            rules: PrepaidRules = PrepaidRules(dispute_window_hours=0)

        def run(sim, p):
            sim.deploy_prepaid("escrow", p.rules)
        '''))
    s = scenarios.load(str(tmp_path / "future.py"))
    params = s.params({"rules": {"dispute_window_hours": 24}})
    assert params.rules.dispute_window_hours == 24
    assert run_scenario(s, params, 1, None).outcome == "ok"


@pytest.mark.parametrize("start", ["1900-01-01", "1970-01-01", "9000-01-01"])
def test_a_start_the_chain_cannot_hold_names_the_span_allowed(start):
    with pytest.raises(scenarios.BadInput) as caught:
        scenarios.load("edu_term").params({"start": start}, test_scale=True)
    assert str(caught.value) == (f"bad parameters for edu_term: start='{start}': the chain's clock cannot hold it: "
                                 "choose a start from 1970-01-02 to 8999-12-31 (Beijing time)")


@pytest.mark.parametrize("body,said", [("sys.exit(0)", "sys.exit(0)"), ("sys.exit()", "sys.exit(None)"),
                                       ("raise KeyError('k')", "KeyError: 'k'")])
def test_a_script_that_exits_or_fails_inside_run_is_a_scenario_error(tmp_path, body, said):
    (tmp_path / "ends.py").write_text(GOOD_HEAD + "import sys\nclass Params(ScenarioParams):\n    start: str = "
                                      f"'2022-05-09'\ndef run(sim, p):\n    sim.token.open_wallet('parent:a')\n    {body}\n")
    s = scenarios.load(str(tmp_path / "ends.py"))
    result = run_scenario(s, s.params(), 1, tmp_path / "out")
    assert (result.outcome, result.exit_code) == ("scenario_error", engine.EXIT_SCRIPT) and said in result.message
    assert (tmp_path / "out" / "summary.json").exists()


def test_a_chain_backend_that_fails_ends_the_run_with_exit_6(tmp_path, monkeypatch):
    from ecny_sim.chain.chain import Chain
    from ecny_sim.chain.errors import ChainFailure

    real_send = Chain.send

    def dying(self, actor, contract, function, *args, **kwargs):
        if function == "openWallet":
            raise ChainFailure("the node at 127.0.0.1:8545 stopped answering")
        return real_send(self, actor, contract, function, *args, **kwargs)

    monkeypatch.setattr(Chain, "send", dying)
    s = scenarios.load("edu_term")
    result = run_scenario(s, s.params(test_scale=True), 1, tmp_path / "out")
    assert (result.outcome, result.exit_code) == ("chain_failed", engine.EXIT_CHAIN)
    assert "stopped answering" in result.message
    assert json.loads((tmp_path / "out" / "journal.jsonl").read_text().splitlines()[-1])["outcome"] == "chain_failed"
