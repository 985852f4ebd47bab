"""Every bad input the command line can meet, one row each: exit 2, exactly one line naming what was wrong, no
traceback, and nothing written (the temp folder, and for `run` no --out folder and no OUT.incomplete).

Each row is a `Case`: the files it needs in a fresh temp folder (text, bytes, or a function that builds them,
e.g. a corrupted copy of the one real run this module makes), the command line (``{t}`` is the temp folder,
``{run}`` the real run, read-only), and a pattern the one line must match. Rows whose right answer is not bad
input (a script failing inside run() is a scenario error, exit 5, and writes its outputs) say so with ``code``
and ``writes``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

import pytest
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.pilot import run_scenario
from ecny_sim.run import scenario as scenarios

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from solc_needed import needs_solc  # noqa: E402

runner = CliRunner()
LONG = "x" * 5000  # an oversized value: its echo must be cut to a readable length
Made = Callable[[Path, Path], None]  # (the real run, where to build) -> None


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    says: str  # a regular expression the one line of output must match
    files: dict[str, Union[str, bytes, Made]] = field(default_factory=dict)
    code: int = 2
    writes: tuple[str, ...] = ()  # what a run that is not bad input writes (relative to the temp folder)
    one_line: bool = True  # False where a run prints its account before the line that says what failed
    xfail: str = ""  # a known bug in a file this corpus may not change: the fix it needs
    slow: bool = False  # seconds of compiling: in `make test-slow`
    solc: bool = False  # compiles a developer's contract: skipped, saying so, where no solc is installed


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> Path:
    """One real run at test scale, shared by every row; rows corrupt copies of it, never the run itself."""
    s = scenarios.load("edu_withdraw")
    out = tmp_path_factory.mktemp("corpus") / "edu_withdraw-seed1"
    assert run_scenario(s, s.params(test_scale=True), 1, out).outcome == "ok"
    assert len((out / "journal.jsonl").read_text().splitlines()) == RUN_LINES  # the rows' line numbers rely on it
    return out


# ------------------------------------------------------------------ building corrupted copies of the real run
def _dump(record: object) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


#: The corpus run's journal: the header, 19 transactions, block 1's state root and the end line.
RUN_LINES = 21


def journal(change: Callable[[list[str]], Union[str, bytes]]) -> Made:
    """A copy of the real run whose journal is ``change(its lines, newlines kept)``."""
    def make(run: Path, dest: Path) -> None:
        shutil.copytree(run, dest)
        data = change((run / "journal.jsonl").read_text(encoding="utf-8").splitlines(keepends=True))
        (dest / "journal.jsonl").write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return make


def line(number: int, edit: Callable[[dict], object]) -> Made:
    """A copy of the real run whose journal line ``number`` (1-based) is ``edit(record)``, canonical JSON."""
    def change(lines: list[str]) -> str:
        record = json.loads(lines[number - 1])
        lines[number - 1] = _dump(edit(record))
        return "".join(lines)
    return journal(change)


def summary(content: Union[str, bytes]) -> Made:
    def make(run: Path, dest: Path) -> None:
        shutil.copytree(run, dest)
        (dest / "summary.json").write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return make


def without(name: str) -> Made:
    def make(run: Path, dest: Path) -> None:
        shutil.copytree(run, dest)
        (dest / name).unlink()
    return make


def copy_of_run(run: Path, dest: Path) -> None:
    shutil.copytree(run, dest)


def other_run(run: Path, dest: Path) -> None:
    """A folder holding another run (another seed)."""
    shutil.copytree(run, dest)
    lines = (dest / "journal.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    header["seed"] = 99
    (dest / "journal.jsonl").write_text(_dump(header) + "".join(lines[1:]), encoding="utf-8")


def killed_after_header(run: Path, dest: Path) -> None:
    """A run killed right after its header: a journal of one line, no summary."""
    dest.mkdir()
    (dest / "journal.jsonl").write_text((run / "journal.jsonl").read_text(encoding="utf-8").splitlines(True)[0])


def dropped(key: str) -> Callable[[dict], dict]:
    return lambda r: {k: v for k, v in r.items() if k != key}


def setting(key: str, value: object) -> Callable[[dict], dict]:
    return lambda r: {**r, key: value}


DEEP = "[" * 100_000 + "]" * 100_000  # JSON nested deeper than the parser's recursion limit

# A journal fault, and the phrase its one line must hold, whichever command reads the journal.
JOURNAL_FAULTS: dict[str, tuple[Made | None, str]] = {
    "missing folder": (None, r"no (run directory|journal) at .*nowhere"),
    "folder without journal": (without("journal.jsonl"), r"no journal at .*journal\.jsonl"),
    "empty file": (journal(lambda ls: ""), r"empty file, not a journal"),
    "not UTF-8": (journal(lambda ls: "".join(ls).encode("utf-8") + b"\xff\xfe\n"), r"not UTF-8"),
    "cut-off last line": (journal(lambda ls: "".join(ls)[:-40]), rf"line {RUN_LINES} is cut off mid-way"),
    "a JSON list line": (journal(lambda ls: ls[0] + ls[1] + "[1, 2]\n" + "".join(ls[3:])),
                         r"line 3 is not a journal record"),
    "not JSON at all": (journal(lambda ls: "hello, this is not a journal\n"), r"not a journal"),
    "first line not a header": (journal(lambda ls: "".join(ls[1:])), r"line 1 is not a header"),
    "unknown format": (line(1, setting("format", 99)), r"journal format 99 is not supported"),
    "cut to its header, the summary kept": (journal(lambda ls: ls[0]),
                                            r"summary\.json does not belong to this journal"),
    "cut at a line, the summary kept": (journal(lambda ls: "".join(ls[:10])),
                                        r"summary\.json does not belong to this journal: the journal has no end line"),
    "header lacks a field": (line(1, dropped("genesis_time")), r"line 1 \(header\).*genesis_time is missing"),
    "tx missing a field": (line(4, dropped("gas_used")), r"line 4 \(tx\).*gas_used is missing"),
    "tx field of the wrong type": (line(4, setting("block", "7")), r"line 4 \(tx\).*block is \"7\""),
    "tx float for an int": (line(5, setting("gas_used", 1.5)), r"line 5 \(tx\).*gas_used is 1\.5"),
    "unknown record type": (line(6, setting("type", "note")), r"line 6 has unknown type 'note'"),
    "misnumbered line": (line(7, setting("line", 99)), r"line 7 says it is line 99"),
    "a line after the end": (journal(lambda ls: "".join(ls) + ls[-2]),
                             rf"line {RUN_LINES + 1} comes after the end line"),
    "nested too deep": (journal(lambda ls: ls[0] + DEEP + "\n" + "".join(ls[2:])),
                        r"line 2 is not valid JSON .*nested deeper than 200 levels"),
    "a number of 5,000 digits": (journal(lambda ls: "".join(ls).replace('"gas_used":', '"gas_used":' + "9" * 5000, 1)),
                                 r"line 2 is not valid JSON.*4300 digits"),
    "oversized field": (line(4, setting("actor", ["y"] * 5000)), r"line 4 \(tx\).*actor is"),
    "summary not JSON": (summary("{not json"), r"summary\.json: not valid JSON"),
    "summary a JSON list": (summary("[1, 2, 3]"), r"summary\.json: .*not a JSON object"),
    "summary nested too deep": (summary(DEEP), r"summary\.json: .*nested deeper than 200 levels"),
}

READERS = {
    "replay": ("replay", "{t}/bad"),
    "inspect": ("inspect", "{t}/bad"),
    "report": ("report", "{t}/bad"),
    "export": ("export", "{t}/bad", "--csv"),
    "diff": ("diff", "{run}", "{t}/bad"),
}
# replay needs no summary: a summary.json that is not JSON is not its business; a summary beside a journal it
# does not belong to is a difference replay reports (exit 1), not bad input
SUMMARY_BLIND = {"replay"}


def journal_cases() -> list:
    cases = []
    for fault, (make, says) in JOURNAL_FAULTS.items():
        for reader, args in READERS.items():
            if fault.startswith("summary") and reader in SUMMARY_BLIND:
                continue
            files = {"bad": make} if make else {}
            if make is None:
                args = tuple(a.replace("{t}/bad", "{t}/nowhere") for a in args)
            code = 1 if reader in SUMMARY_BLIND and "the summary kept" in fault else 2
            cases.append(Case(f"{reader}: {fault}", args, says, files, code=code))
    return cases


SCENARIO_HEAD = '"""A scenario"""\nfrom ecny_sim import ScenarioParams\n'
GOOD_PARAMS = "class Params(ScenarioParams):\n    start: str = '2022-05-09 09:00'\n"
RUN_OUT = ("--test-scale", "--out", "{t}/out")


def run(*args: str) -> tuple[str, ...]:
    return ("run", *args, *RUN_OUT)


def term(*assignments: str) -> tuple[str, ...]:
    """`run edu_term --set A --set B ...`"""
    return run("edu_term", *(word for a in assignments for word in ("--set", a)))


WITH_PARAMS_FILE = run("edu_term", "--params", "{t}/p.json")


SOL = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\n"
ESCROW_TOML = '[IPrepaidEscrow]\ncontract = "{}"\n'
#: 25,000 bytes of runtime code: a string constant the contract returns.
BIG_CONTRACT = 'contract E { function big() external pure returns (string memory) { return "' + "x" * 25_000 + '"; } }\n'
REVERTING_ESCROW = """import {IECNY} from "ecny-sim/interfaces/IECNY.sol";
import {PrepaidEscrow} from "ecny-sim/PrepaidEscrow.sol";
import {PrepaidRules} from "ecny-sim/types/PrepaidTypes.sol";
contract E is PrepaidEscrow {
    constructor(IECNY t, address r, PrepaidRules memory rules_) PrepaidEscrow(t, r, rules_) { require(r == address(0), "closed for now"); }
}
"""


CASES = [
    # ---------------------------------------------------------------- run: scenarios and parameters
    Case("run: unknown scenario", run("edu_nosuch"), r"unknown scenario 'edu_nosuch'"),
    Case("run: unknown scenario, oversized", run(LONG), r"unknown scenario 'xxx+…"),
    Case("run: unknown scenario, a close one named", run("edu_trem"),
         r"unknown scenario 'edu_trem' \(did you mean edu_term\?\)"),
    Case("run: unknown scenario in Chinese", run("学校跑路"), r"unknown scenario '学校跑路'"),
    Case("run: a newline in the scenario's name", run("edu\nterm"), r"unknown scenario 'edu\\nterm'"),
    Case("run: unknown parameter, a close one named", term("pupil=3"),
         r"pupil=3: not a parameter of this scenario \(did you mean pupils\?\)"),
    Case("run: unknown parameter, oversized", term(f"{LONG}=3"), r"not a parameter"),
    Case("run: unknown parameter in Chinese", term("学生=3"), r"学生=3: not a parameter"),
    Case("run: a word for an int", term("pupils=many"), r"pupils='many': .*valid integer"),
    Case("run: a list for an int", term("pupils=[1,2]"), r"pupils=\[1, 2\]: .*valid integer"),
    Case("run: nested JSON for an int", term('pupils={"a":{"b":1}}'), r"pupils=.*valid integer"),
    Case("run: a boolean for an int", term("pupils=true"),
         r"pupils=True: a number is needed, not true or false"),
    Case("run: a huge number", term("pupils=" + "9" * 40),
         r"pupils=9+: Input should be less than or equal to 2000"),
    Case("run: a number past the chain's uint256", term("fee_per_lesson_fen=" + "9" * 80),
         r"fee_per_lesson_fen=9+…: too large: a parameter is at most 9,223,372,036,854,775,807"),
    Case("run: a number of 5,000 digits", term("fee_per_lesson_fen=" + "9" * 5000),
         r"fee_per_lesson_fen='9+…: .*"),
    Case("run: a JSON value nested too deep", term("pupils=" + "[" * 5000 + "]" * 5000),
         r"pupils='\[\[\[+…: .*valid integer"),
    Case("run: a newline in a value", term("pupils=3\nlessons=4"),
         r"pupils='3\\nlessons=4': .*valid integer"),
    Case("run: an overflowing float", term("pupils=1e400"), r"pupils=inf: .*finite number"),
    Case("run: NaN", term("pupils=NaN"), r"pupils=nan: .*finite number"),
    Case("run: -Infinity", term("lessons=-Infinity"), r"lessons=-inf: .*finite number"),
    Case("run: negative", term("pupils=-3"), r"pupils=-3: .*greater than or equal to 1"),
    Case("run: a fraction for an int", term("pupils=2.5"), r"pupils=2\.5: .*fractional part"),
    Case("run: zero", term("lessons=0"), r"lessons=0: .*greater than or equal to 1"),
    Case("run: unicode digits", term("pupils=四十"), r"pupils='四十': .*valid integer"),
    Case("run: an empty value", term("pupils="), r"pupils='': .*valid integer"),
    Case("run: null", term("pupils=null"), r"pupils=None: .*valid integer"),
    Case("run: no key", term("=3"), r"--set expects key=value, got '=3'"),
    Case("run: no value", term("x"), r"--set expects key=value, got 'x'"),
    Case("run: no '=', oversized", term(LONG), r"--set expects key=value, got 'xxx+…"),
    Case("run: an oversized value", term(f"pupils={LONG}"), r"pupils='xxx+…"),
    Case("run: rules that do not fit", run("edu_abscond", "--set", "lessons_before_abscond=6"),
         r"must leave some of the term untaught"),
    # ---------------------------------------------------------------- run: dates the chain cannot hold
    Case("run: start 1900", term("start=1900-01-01"), r"start='1900-01-01': the chain's clock"),
    Case("run: start yesterday", term("start=yesterday"), r"start='yesterday': not a Beijing"),
    Case("run: start 9000", term("start=9000-01-01"), r"start='9000-01-01': the chain's clock"),
    Case("run: start 30 February", term("start=2022-02-30"), r"start='2022-02-30': not a Beijing"),
    Case("run: start another time zone", term("start=2022-05-09 09:00+01:00"), r"not a Beijing"),
    Case("run: start a number", term("start=20220509"), r"start=20220509: .*valid string"),
    Case("run: start a boolean", term("start=true"), r"start=True: .*valid string"),
    Case("run: start oversized", term(f"start={LONG}"), r"start='xxx+…"),
    # ---------------------------------------------------------------- run --params FILE
    Case("params: missing", run("edu_term", "--params", "{t}/none.json"), r"no parameter file at .*none\.json"),
    Case("params: a folder", run("edu_term", "--params", "{t}/p"), r"p is a folder, not a parameter file",
         {"p/a.json": "{}"}),
    Case("params: not JSON", WITH_PARAMS_FILE, r"p\.json: not valid JSON",
         {"p.json": "{pupils: 3"}),
    Case("params: a JSON list", WITH_PARAMS_FILE, r"expected a JSON object.*got list",
         {"p.json": "[1, 2]"}),
    Case("params: a JSON string", WITH_PARAMS_FILE, r"expected a JSON object.*got str",
         {"p.json": '"pupils=3"'}),
    Case("params: unknown keys", WITH_PARAMS_FILE, r"pupil=3: not a parameter",
         {"p.json": '{"pupil": 3}'}),
    Case("params: a wrong type", WITH_PARAMS_FILE, r"lessons='six': .*valid integer",
         {"p.json": '{"lessons": "six"}'}),
    Case("params: a boolean for an int", WITH_PARAMS_FILE,
         r"pupils=False: a number is needed, not true or false", {"p.json": '{"pupils": false}'}),
    Case("params: null for an int", WITH_PARAMS_FILE, r"lessons=None: .*valid integer",
         {"p.json": '{"lessons": null}'}),
    Case("params: binary", WITH_PARAMS_FILE, r"p\.json: not valid JSON",
         {"p.json": b"\x89PNG\r\n\x1a\n\x00\x00\xff"}),
    Case("params: empty", WITH_PARAMS_FILE, r"p\.json: not valid JSON", {"p.json": ""}),
    Case("params: huge", WITH_PARAMS_FILE, r"pupils='xxx+…",
         {"p.json": json.dumps({"pupils": "x" * 3_000_000})}),
    Case("params: many unknown keys", WITH_PARAMS_FILE, r"; and 47 more$",
         {"p.json": json.dumps({f"k{i}": i for i in range(50)})}),
    Case("params: a number of 5,000 digits", WITH_PARAMS_FILE, r"p\.json: not valid JSON",
         {"p.json": '{"pupils": ' + "9" * 5000 + "}"}),
    Case("params: an oversized path", run("edu_term", "--params", "{t}/" + "p" * 400 + ".json"),
         r"parameter file .*p…: File name too long"),
    Case("params: nested too deep", WITH_PARAMS_FILE,
         r"p\.json: not valid JSON \(nested deeper than 200 levels\)",
         {"p.json": DEEP}),
    # ---------------------------------------------------------------- run PATH.py: scenario scripts
    Case("script: missing", run("{t}/none.py"), r"no scenario file at .*none\.py"),
    Case("script: a folder", run("{t}/s/"), r"s/ is a folder", {"s/x.py": ""}),
    Case("script: a .txt", run("{t}/s.txt"), r"a scenario is a Python file ending in \.py", {"s.txt": "hello"}),
    Case("script: an oversized name", run("{t}/" + "s" * 400 + ".py"),
         r"no scenario file at .*s…: File name too long"),
    Case("script: a newline in its path", run("{t}/a\nb.py"), r"no scenario file at .*a b\.py"),
    Case("script: empty", run("{t}/s.py"), r"not a scenario script \(no `Params` defined\)", {"s.py": ""}),
    Case("script: a syntax error", run("{t}/s.py"), r"could not load scenario: SyntaxError", {"s.py": "def run(:\n"}),
    Case("script: raises at import", run("{t}/s.py"), r"could not load scenario: RuntimeError: boom",
         {"s.py": "raise RuntimeError('boom')\n"}),
    Case("script: a missing import", run("{t}/s.py"), r"could not load scenario: ModuleNotFoundError",
         {"s.py": "import no_such_module_here\n"}),
    Case("script: sys.exit at import", run("{t}/s.py"), r"called sys\.exit\(3\) while loading",
         {"s.py": "import sys\nsys.exit(3)\n"}),
    Case("script: not UTF-8", run("{t}/s.py"), r"could not load scenario: SyntaxError", {"s.py": b"x = '\xff'\n"}),
    Case("script: Params not a model", run("{t}/s.py"), r"`Params` must be a class deriving from",
         {"s.py": SCENARIO_HEAD + "Params = {'start': 1}\ndef run(sim, p):\n    pass\n"}),
    Case("script: run not callable", run("{t}/s.py"), r"`run` must be a function run\(sim, params\), not 3",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS + "run = 3\n"}),
    Case("script: TEST_PARAMS not a dict", run("{t}/s.py"), r"`TEST_PARAMS` must be a dict",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS + "def run(sim, p):\n    pass\nTEST_PARAMS = [1]\n"}),
    Case("script: TEST_PARAMS names no parameter", run("{t}/s.py"), r"pupils=3: not a parameter",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS + "def run(sim, p):\n    pass\nTEST_PARAMS = {'pupils': 3}\n"}),
    Case("script: a parameter without a default", run("{t}/s.py"), r"lessons: Field required",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS + "    lessons: int\ndef run(sim, p):\n    pass\n"}),
    Case("script: raises inside run() is a scenario error", run("{t}/s.py"), r"scenario raised KeyError: 'k'",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS + "def run(sim, p):\n    {}['k']\n"}, code=5,
         writes=("out/journal.jsonl", "out/summary.json"), one_line=False),
    Case("script: sys.exit inside run() is a scenario error", run("{t}/s.py"), r"sys\.exit\(0\)",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS + "import sys\ndef run(sim, p):\n    sys.exit(0)\n"}, code=5,
         writes=("out/journal.jsonl", "out/summary.json"), one_line=False),
    # ---------------------------------------------------------------- run --out and the other options
    Case("out: a file", ("run", "edu_term", "--test-scale", "--out", "{t}/f"), r"--out .*f exists and is not a folder",
         {"f": "a file"}),
    Case("out: below a file", ("run", "edu_term", "--test-scale", "--out", "{t}/f/sub"), r"f: it is a file",
         {"f": "a file"}),
    Case("out: holding foreign files", ("run", "edu_term", "--test-scale", "--out", "{t}/o"),
         r"holds files that are not a run's \(notes\.txt\)", {"o/notes.txt": "mine"}),
    Case("out: holding another run", ("run", "edu_withdraw", "--test-scale", "--out", "{t}/o"),
         r"holds another run \(edu_withdraw, seed 99.*--force", {"o": other_run}),
    Case("out: an oversized name", ("run", "edu_term", "--test-scale", "--out", "{t}/" + "o" * 400),
         r"--out .*o…: .*too long"),
    Case("run: --lang unknown", run("edu_term", "--lang", "fr"), r"--lang must be one of en, zh, not 'fr'"),
    Case("run: --lang oversized", run("edu_term", "--lang", LONG), r"--lang must be one of en, zh, not 'xxx+…"),
    Case("run: --seed not a number", run("edu_term", "--seed", "abc"), r"--seed.*valid integer"),
    Case("run: an unknown option", run("edu_term", "--sett", "pupils=3"), r"No such option: --sett"),
    Case("run: no scenario", ("run",), r"Missing argument"),
    # ---------------------------------------------------------------- list
    Case("list: unknown scenario", ("list", "edu_nosuch"), r"unknown scenario 'edu_nosuch'"),
    Case("list: unknown scenario, oversized", ("list", LONG), r"unknown scenario 'xxx+…"),
    Case("list: a missing script", ("list", "{t}/none.py"), r"no scenario file at .*none\.py"),
    Case("list: a folder", ("list", "{t}/s/"), r"s/ is a folder", {"s/x.py": ""}),
    Case("list: a script that raises", ("list", "{t}/s.py"), r"could not load scenario: RuntimeError: boom",
         {"s.py": "raise RuntimeError('boom')\n"}),
    Case("list: a script without run", ("list", "{t}/s.py"), r"no `run` defined",
         {"s.py": SCENARIO_HEAD + GOOD_PARAMS}),
    # ---------------------------------------------------------------- replay's options
    Case("replay: --until 1", ("replay", "{t}/r", "--until", "1"), r"--until 1: .*lines are 2 to 19",
         {"r": copy_of_run}),
    Case("replay: --until negative", ("replay", "{t}/r", "--until", "-5"), r"--until -5: .*lines are 2 to 19",
         {"r": copy_of_run}),
    Case("replay: --until past the end", ("replay", "{t}/r", "--until", "9999"), r"--until 9999: .*lines are 2 to 19",
         {"r": copy_of_run}),
    Case("replay: --until not a number", ("replay", "{t}/r", "--until", "end"), r"--until.*valid integer",
         {"r": copy_of_run}),
    Case("replay: an oversized path", ("replay", "{t}/" + "r" * 400), r"no journal at .*r…: File name too long"),
    Case("replay: --expect not hex", ("replay", "{t}/r", "--expect", "not-a-hash"), r"--expect 'not-a-hash': give",
         {"r": copy_of_run}),
    Case("replay: --expect too short", ("replay", "{t}/r", "--expect", "abc123"), r"--expect 'abc123': give",
         {"r": copy_of_run}),
    Case("replay: --expect oversized", ("replay", "{t}/r", "--expect", "a" * 5000), r"--expect 'aaa+",
         {"r": copy_of_run}),
    Case("replay: --expect another hash is a difference", ("replay", "{t}/r", "--expect", "0" * 64),
         r"final hash is [0-9a-f]{64}, not the expected 0{64}", {"r": copy_of_run}, code=1),
    # ---------------------------------------------------------------- inspect's options
    Case("inspect: --at 1", ("inspect", "{t}/r", "--at", "1"), r"--at 1: .*lines are 2 to 19", {"r": copy_of_run}),
    Case("inspect: --at past the end", ("inspect", "{t}/r", "--at", "9999"), r"--at 9999: .*lines are 2 to 19",
         {"r": copy_of_run}),
    Case("inspect: --at negative", ("inspect", "{t}/r", "--at", "-1"), r"--at -1: .*lines are 2 to 19",
         {"r": copy_of_run}),
    Case("inspect: --actor unknown", ("inspect", "{t}/r", "--actor", "parent:nobody"), r"no actor 'parent:nobody'",
         {"r": copy_of_run}),
    Case("inspect: --actor oversized", ("inspect", "{t}/r", "--actor", LONG), r"no actor 'xxx+…", {"r": copy_of_run}),
    # ---------------------------------------------------------------- report, export, diff, compile
    Case("report: --lang unknown", ("report", "{t}/r", "--lang", "fr"), r"unknown language 'fr'", {"r": copy_of_run}),
    Case("report: --lang oversized", ("report", "{t}/r", "--lang", LONG), r"unknown language 'xxx+…",
         {"r": copy_of_run}),
    Case("report: a file, not a run", ("report", "{t}/f"), r"f is not a directory", {"f": "a file"}),
    Case("report: an oversized path", ("report", "{t}/" + "r" * 400), r"no run directory at .*r…: File name too long"),
    Case("export: nothing chosen", ("export", "{t}/r"), r"choose what to export: --csv", {"r": copy_of_run}),
    Case("export: a file, not a run", ("export", "{t}/f", "--csv"), r"f is not a directory", {"f": "a file"}),
    Case("export: an oversized path", ("export", "{t}/" + "r" * 400, "--csv"),
         r"no run directory at .*r…: File name too long"),
    Case("diff: the first run missing", ("diff", "{t}/nowhere", "{run}"), r"no journal at .*nowhere"),
    Case("diff: a run without its summary", ("diff", "{run}", "{t}/r"), r"no summary\.json in .*r: diff compares",
         {"r": without("summary.json")}),
    Case("diff: one argument", ("diff", "{run}"), r"Missing argument"),
    Case("diff: a file for a run", ("diff", "{t}/f", "{run}"), r"f: not a journal$", {"f": "a file"}),
    Case("compile: --contracts missing", ("compile", "--contracts", "{t}/none", "--artifacts", "{t}/art"),
         r"none"),
    Case("compile: --contracts a file", ("compile", "--contracts", "{t}/c.sol", "--artifacts", "{t}/art"),
         r"c\.sol", {"c.sol": "contract C {}"}),
    Case("compile: --contracts holds no source", ("compile", "--contracts", "{t}/c", "--artifacts", "{t}/art"),
         r"no \.sol file under .*c; --contracts is the folder", {"c/readme.txt": "none here"}),
    Case("compile: --artifacts a file", ("compile", "--contracts", "{t}/c", "--artifacts", "{t}/art"),
         r"--artifacts .*art is a file, not a folder", {"c/C.sol": "contract C {}", "art": "a file"}),
    # ---------------------------------------------------------------- a user's contracts (check, run --contracts)
    Case("check: no such folder", ("check", "{t}/none"), r"none: no such directory"),
    Case("check: no manifest", ("check", "{t}/c"), r"c: no ecny-contracts\.toml", {"c/E.sol": "contract E {}"}),
    Case("check: a manifest that is not TOML", ("check", "{t}/c"), r"ecny-contracts\.toml: not valid TOML",
         {"c/ecny-contracts.toml": "[IPrepaidEscrow\ncontract = 1"}),
    Case("check: an unknown interface", ("check", "{t}/c"), r"unknown interface \[IEscrow\]; known: IPrepaidEscrow",
         {"c/ecny-contracts.toml": '[IEscrow]\ncontract = "E"\n'}),
    Case("check: a newer plug-in API", ("check", "{t}/c"), r"api = 2, but this ecny-sim speaks plug-in API 1",
         {"c/ecny-contracts.toml": 'api = 2\n[IPrepaidEscrow]\ncontract = "E"\n'}),
    Case("check: an unknown contract", ("check", "{t}/c"), r"names Escrow, which is not a contract in .*\(found: E\)",
         {"c/ecny-contracts.toml": ESCROW_TOML.format("Escrow"), "c/E.sol": SOL + "contract E {}\n"}, solc=True),
    Case("check: does not compile (file:line)", ("check", "{t}/c"), r"c/E\.sol:3:", one_line=False,
         files={"c/ecny-contracts.toml": ESCROW_TOML.format("E"), "c/E.sol": SOL + "contract E { uint x = ; }\n"},
         solc=True),
    Case("check: an import that reaches nothing", ("check", "{t}/c"), r'E\.sol: import "ecny-sim/IEscrow\.sol" not f',
         {"c/ecny-contracts.toml": ESCROW_TOML.format("E"),
          "c/E.sol": SOL + 'import "ecny-sim/IEscrow.sol";\ncontract E {}\n'}),
    Case("check: not the interface, the missing functions named", ("check", "{t}/c"),
         r"E does not implement IPrepaidEscrow: missing announceClosure, approveInstitution, .* and \d+ more",
         {"c/ecny-contracts.toml": ESCROW_TOML.format("E") + "args = []\n",
          "c/E.sol": SOL + "contract E { function token() external pure returns (address) { return address(0); } }\n"},
         slow=True),
    Case("check: a constructor argument of the wrong type", ("check", "{t}/c"),
         r"E's limit is uint256; ecny-contracts\.toml gives \"many\"",
         {"c/ecny-contracts.toml": ESCROW_TOML.format("E") + 'args = ["many"]\n',
          "c/E.sol": SOL + "contract E { constructor(uint256 limit) {} }\n"}, solc=True),
    Case("check: a placeholder of the wrong type", ("check", "{t}/c"), r"E's limit is uint256, but \$token is address",
         {"c/ecny-contracts.toml": ESCROW_TOML.format("E") + 'args = ["$token"]\n',
          "c/E.sol": SOL + "contract E { constructor(uint256 limit) {} }\n"}, solc=True),
    Case("check: code above the size limit", ("check", "{t}/c"), r"E's runtime code is [\d,]+ bytes, above the 24,576",
         {"c/ecny-contracts.toml": ESCROW_TOML.format("E"), "c/E.sol": SOL + BIG_CONTRACT}, solc=True),
    Case("check: a contract that reverts on deploy", ("check", "{t}/c"), r"E reverts on deploy: .*closed for now",
         {"c/ecny-contracts.toml": ESCROW_TOML.format("E"), "c/E.sol": SOL + REVERTING_ESCROW}, slow=True),
    Case("run --contracts: an unknown interface", (*term(), "--contracts", "{t}/c"), r"unknown interface \[IEscrow\]",
         {"c/ecny-contracts.toml": '[IEscrow]\ncontract = "E"\n'}),
    # ---------------------------------------------------------------- not bad input: what is right instead
    Case("replay: a run killed after its header is incomplete (exit 4)", ("replay", "{t}/r"),
         r"replay matches: 0 transactions, every line; the run was incomplete", {"r": killed_after_header},
         code=4, one_line=False),
    *journal_cases(),
]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in root.rglob("*")}


PARAMS = [pytest.param(c, id=c.id, marks=[*([pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []),
                                            *([pytest.mark.slow] if c.slow else []),
                                            *([needs_solc] if c.solc else [])])
          for c in CASES]


def test_the_corpus_is_large_and_its_rows_are_named_once():
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input_is_one_line_exit_2_and_nothing_written(case: Case, real_run: Path, tmp_path: Path, monkeypatch):
    for name, content in case.files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(real_run, target)
        else:
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    monkeypatch.chdir(tmp_path)  # a `run` without --out would write runs/ here
    monkeypatch.setattr("sys.dont_write_bytecode", False)  # as for a user: loading a script must not cache it
    before, run_before = _tree(tmp_path), _tree(real_run)
    args = [a.replace("{t}", str(tmp_path)).replace("{run}", str(real_run)) for a in case.args]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    shown = result.output.strip().splitlines()
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == case.code, f"exit {result.exit_code}: {result.output[:2000]}"
    if case.one_line:
        assert len(shown) == 1, result.output[:2000]
    said = [text for text in shown if re.search(case.says, text)]
    assert said, result.output[:2000]
    assert len(said[0]) < 300, f"{len(said[0])} characters: {said[0][:400]}…"  # an echo is cut to a readable length
    assert _tree(real_run) == run_before
    after = _tree(tmp_path)
    if case.writes:
        assert all(w in after for w in case.writes), sorted(after)
    else:
        assert after == before, f"written: {sorted(set(after) - set(before))}"
