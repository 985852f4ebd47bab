"""Every command in README.md's ```sh blocks runs as written, in order, in one temp folder, at test scale.

Each `ecny-sim` line runs in-process (typer's CliRunner) with `--test-scale` added to `run` and an absolute
`--out` moved into the temp folder; an `echo ... > FILE` line writes its file, and the scenario the README
says to write (its ```python block) is saved where the commands look for it. Each command must exit 0 and do
what its text says: `EXPECT` holds that check for every command, so a new README command without one fails
here. `EXCEPTIONS` names what is not run, with the reason.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.run import scenario as scenarios

README = Path(__file__).resolve().parents[1] / "README.md"
PROGRAM = ".venv/bin/ecny-sim"

#: Lines of the README's sh blocks that are not run here, and why.
EXCEPTIONS = {
    "make demo": "make (re)installs .venv and runs `ecny-sim run edu_abscond` at full scale; the replay block "
                 "starts with that same run, which is tested",
    "make test": "the test suite itself",
    f"{PROGRAM} compile": "rewrites the committed artifacts with solc 0.8.37 (minutes with npm's solc); "
                          "tests/chain/test_compiler.py compiles a throwaway contract and covers refusals",
    **{f"{PROGRAM} serve {args}": "a server that runs until Ctrl+C: tests/web/ start `serve` as a process and "
                                  "drive it over HTTP and in a browser"
       for args in ("edu_abscond", "--host 0.0.0.0 --port 8000", "--runs runs")},
}


#: README commands that fail at test scale for a bug outside the CLI: strict, so the fix shows up here.
KNOWN_BUGS: dict[str, str] = {}


def _sh_lines(text: str) -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        lines += [line.strip() for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return lines


def _command(line: str) -> str:
    """The line without its comment, words joined by one space."""
    return " ".join(shlex.split(line, comments=True))


LINES = _sh_lines(README.read_text(encoding="utf-8"))
COMMANDS = [line for line in LINES if _command(line) not in EXCEPTIONS]


@dataclass
class Ran:
    exit_code: int
    output: str
    cwd: Path

    def json(self, path: str) -> dict:
        return json.loads((self.cwd / path).read_text(encoding="utf-8"))


class Shell:
    """Runs the README's commands in order in one folder, each once, as the tests ask for them."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.ran: list[Ran] = []
        # The scenario README's "Writing a scenario" shows, saved where the commands run it.
        (code,) = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
        (cwd / "my_scenario.py").write_text(code, encoding="utf-8")

    def upto(self, index: int) -> Ran:
        while len(self.ran) <= index:
            self.ran.append(self._run(COMMANDS[len(self.ran)]))
        return self.ran[index]

    def _run(self, line: str) -> Ran:
        words = shlex.split(line, comments=True)
        with contextlib.chdir(self.cwd):
            if words[0] == "echo" and words[-2] == ">":
                Path(words[-1]).write_text(" ".join(words[1:-2]) + "\n", encoding="utf-8")
                return Ran(0, "", self.cwd)
            assert words[0] == PROGRAM, f"README runs {words[0]!r}: teach this test to run it, or list it in EXCEPTIONS"
            args = words[1:]
            if args[0] == "run":
                args.append("--test-scale")
                if "--out" in args and Path(args[args.index("--out") + 1]).is_absolute():
                    at = args.index("--out") + 1
                    args[at] = str(self.cwd / args[at].lstrip("/"))
            result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
            return Ran(result.exit_code, result.output, self.cwd)


@pytest.fixture(scope="module")
def shell(tmp_path_factory) -> Shell:
    return Shell(tmp_path_factory.mktemp("readme"))


def _wrote(*paths: str) -> Callable[[Ran], None]:
    def check(ran: Ran) -> None:
        for path in paths:
            assert (ran.cwd / path).exists(), f"{path} not written"
    return check


def _said(*phrases: str) -> Callable[[Ran], None]:
    def check(ran: Ran) -> None:
        for phrase in phrases:
            assert phrase in ran.output, f"{phrase!r} not in the output"
    return check


def _lists_every_builtin(ran: Ran) -> None:
    assert all(name in ran.output for name in scenarios.builtin_names())


def _abscond_seed7(ran: Ran) -> None:
    summary = ran.json("tmp/abscond/summary.json")
    assert summary["seed"] == 7 and summary["params"]["phantom_lessons"] == 2 and summary["outcome"] == "ok"


def _params_file(ran: Ran) -> None:
    assert json.loads((ran.cwd / "my-params.json").read_text()) == {"parents": 200, "run_minutes": 30}


def _set_wins_over_the_file(ran: Ran) -> None:
    params = ran.json("runs/edu_refund_run-seed1/summary.json")["params"]
    assert params["parents"] == 30 and params["run_minutes"] == 30


def _own_script(ran: Ran) -> None:
    summary = ran.json("runs/my_scenario-seed1/summary.json")
    assert summary["invariants"]["alice's fee is still locked"] is True and "bo has 105000 fen" in ran.output


def _what_if(ran: Ran) -> None:
    assert ran.json("runs/what-if-30pct/summary.json")["params"]["deposit_share_bps"] == 3000


def _diff(ran: Ran) -> None:
    assert "deposit_share_bps" in ran.output and "Model: risk_deposit" in ran.output


def _report_zh(ran: Ran) -> None:
    page = (ran.cwd / "runs/edu_abscond-seed1/report.html").read_text(encoding="utf-8")
    assert 'lang="zh' in page and list((ran.cwd / "runs/edu_abscond-seed1/charts").glob("*.png"))


def _csv(ran: Ran) -> None:
    for name in ("journal.csv", "balances.csv", "money_over_time.csv", "summary.csv"):
        assert (ran.cwd / "runs/edu_abscond-seed1/csv" / name).is_file(), name


def _narrated_zh_with_report(ran: Ran) -> None:
    assert "parent:esc-001拿回" in ran.output  # a narration sentence, in Chinese
    assert (ran.cwd / "runs/edu_abscond-seed1/report.html").is_file()


#: What each command's text says it does (keyed by the command without its comment).
EXPECT: dict[str, Callable[[Ran], None]] = {
    f"{PROGRAM} list": _lists_every_builtin,
    f"{PROGRAM} list edu_refund_run": _said("Parameters (--set key=value)", "parents", "run_minutes", "test"),
    f"{PROGRAM} run edu_withdraw": _wrote("runs/edu_withdraw-seed1/journal.jsonl",
                                          "runs/edu_withdraw-seed1/summary.json"),
    f"{PROGRAM} run edu_abscond --set phantom_lessons=2 --seed 7 --out /tmp/abscond": _abscond_seed7,
    "echo {\"parents\": 200, \"run_minutes\": 30} > my-params.json": _params_file,
    f"{PROGRAM} run edu_refund_run --params my-params.json --set parents=30": _set_wins_over_the_file,
    f"{PROGRAM} run my_scenario.py": _own_script,
    f"{PROGRAM} run edu_abscond": _wrote("runs/edu_abscond-seed1/journal.jsonl", "runs/edu_abscond-seed1/summary.json"),
    f"{PROGRAM} run edu_abscond --set deposit_share_bps=3000 --out runs/what-if-30pct": _what_if,
    f"{PROGRAM} replay runs/edu_abscond-seed1": _said("replay matches", "every line", "final state hash"),
    f"{PROGRAM} replay runs/edu_abscond-seed1 --until 100": _said("replay matches", "up to line 100"),
    f"{PROGRAM} inspect runs/edu_abscond-seed1 --actor parent:esc-001":
        _said("Institutions", "Statement of parent:esc-001"),
    f"{PROGRAM} inspect runs/edu_abscond-seed1 --at 100": _said("after line 100"),
    f"{PROGRAM} diff runs/edu_abscond-seed1 runs/what-if-30pct": _diff,
    f"{PROGRAM} report runs/edu_abscond-seed1 --lang zh": _report_zh,
    f"{PROGRAM} export runs/edu_abscond-seed1 --csv": _csv,
    f"{PROGRAM} run edu_abscond --narrate --lang zh --report": _narrated_zh_with_report,
}


def test_the_readme_has_commands_and_each_is_checked_or_excepted():
    assert len(COMMANDS) >= 15
    assert [_command(c) for c in COMMANDS if _command(c) not in EXPECT] == []
    assert sorted(EXPECT) == sorted(_command(c) for c in COMMANDS)  # no check for a command the README dropped
    assert all(any(_command(line) == e for line in LINES) for e in EXCEPTIONS)


@pytest.mark.parametrize("index", [
    pytest.param(i, id=_command(c), marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[_command(c)])]
                 if _command(c) in KNOWN_BUGS else []) for i, c in enumerate(COMMANDS)])
def test_a_readme_command_runs_as_written(shell: Shell, index: int):
    ran = shell.upto(index)
    assert ran.exit_code == 0, ran.output[-3000:]
    assert "Traceback" not in ran.output
    EXPECT[_command(COMMANDS[index])](ran)
