#!/usr/bin/env python3
"""`make prove` / `make prove-fast`: forge's fuzz and invariant tests and halmos's symbolic checks of the
contracts' money properties (tests/prove/), each property's verdict and time collected into one Markdown table.

Python standard library only. forge is npm's native binary (node_modules/@foundry-rs/forge-<platform>/bin/forge,
installed by `make solc`); halmos comes from .venv-prove/ (tools/prove/requirements.txt) and finds forge on PATH.

    python3 tools/prove/run.py --profile deep --results tests/prove/RESULTS.md     # make prove
    python3 tools/prove/run.py --profile ci --results build/prove/RESULTS-fast.md  # make prove-fast
    python3 tools/prove/run.py --profile ci --contracts-rev eb9968a                # teeth: an older contracts/

Exit status: 0 when every property held, 1 when one failed, timed out or could not run, 2 on bad usage.
With --contracts-rev REV, contracts/ is taken from git revision REV (git archive, nothing in the work tree is
touched) and the current harness runs against it in build/prove/rev-REV/; results go to
build/prove/RESULTS-REV.md unless --results says otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HALMOS = ROOT / ".venv-prove" / "bin" / "halmos"

# What each harness contract checks (tests/prove/*.t.sol): the property group of the brief.
GROUPS = {
    "EcnyMoneyCheck": "(a) e-CNY money",
    "EcnyMoneyInvariants": "(a) e-CNY money",
    "CloseGuardCheck": "(b) close guard",
    "CloseGuardTest": "(b) close guard",
    "CloseGuardInvariants": "(b) close guard",
    "EscrowCheck": "(c) escrow",
    "EscrowInvariants": "(c) escrow",
}


@dataclass
class HalmosRun:
    """One halmos invocation: a harness contract, the checks to run (regex on names), its loop bound."""

    contract: str
    match: str
    loop: int
    timeout_s: int
    extra: list[str] = field(default_factory=list)


# The halmos checks per profile, each with its cap in seconds (halmos is stopped past it). `deep` runs every
# check; `ci` the cheap ones (a few seconds to half a minute each).
HALMOS_RUNS = {
    "deep": [
        HalmosRun("CloseGuardCheck", "^check_", loop=24, timeout_s=150),
        HalmosRun("EscrowCheck", "^check_", loop=4, timeout_s=90),
        HalmosRun("EcnyMoneyCheck", "^check_", loop=4, timeout_s=240),
    ],
    "ci": [
        HalmosRun("CloseGuardCheck", "^check_CloseAsksEveryObjector", loop=24, timeout_s=150),
        HalmosRun("EscrowCheck", "^check_RepeatedIdOneLessonPerOrder", loop=4, timeout_s=60),
        HalmosRun(
            "EcnyMoneyCheck",
            "^check_(closeWallet|endAllEarmarks|returnEarmark|earmarkFrom)\\(",
            loop=4,
            timeout_s=90,
        ),
    ],
}
# Caps, so a run never outlasts its budget (deep: 15 minutes in all; ci: 8): past its cap a tool is stopped
# and its unfinished checks count as TIMEOUT. A normal run takes about half of these on 2 cores.
FORGE_TIMEOUT_S = {"deep": 400, "ci": 180}


@dataclass
class Verdict:
    group: str
    name: str
    tool: str
    verdict: str  # PASS, FAIL, TIMEOUT, ERROR
    seconds: float
    detail: str = ""


# ---------------------------------------------------------------------------------------------- tools


def forge_binary(root: Path) -> Path:
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "")
    machine = {"x86_64": "amd64", "AMD64": "amd64", "arm64": "arm64", "aarch64": "arm64"}.get(platform.machine(), "")
    exe = "forge.exe" if system == "win32" else "forge"
    path = root / "node_modules" / "@foundry-rs" / f"forge-{system}-{machine}" / "bin" / exe
    if not path.exists():
        sys.exit(f"no forge binary at {path}: run `make solc` (npm ci, package-lock.json pins @foundry-rs/forge)")
    return path


def forge_on_path(root: Path, forge: Path) -> dict[str, str]:
    """An environment whose PATH starts with a directory holding `forge` (halmos calls it by name)."""
    bindir = root / "build" / "prove" / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    link = bindir / forge.name
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(forge)
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool


def run_bounded(cmd: list[str], cwd: Path, env: dict[str, str], timeout_s: float) -> Finished:
    """Runs `cmd` in its own process group; past `timeout_s` the whole group (solvers included) is killed."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout_s)
        return Finished(proc.returncode, out, err, False)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return Finished(-9, out or "", err or "", True)


def duration_s(text: object) -> float:
    """forge's durations: '1s 348ms 357µs 549ns' (humantime), or {'secs': .., 'nanos': ..}."""
    if isinstance(text, dict):
        return float(text.get("secs", 0)) + float(text.get("nanos", 0)) / 1e9
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}
    total = 0.0
    for value, unit in re.findall(r"([\d.]+)\s*(h|ms|m|s|µs|us|ns)\b", str(text)):
        total += float(value) * units[unit]
    return total


# ---------------------------------------------------------------------------------------------- forge


def run_forge(root: Path, forge: Path, profile: str, log: Path) -> list[Verdict]:
    env = dict(os.environ, FOUNDRY_PROFILE=profile)
    cmd = [str(forge), "test", "--json"]
    print(f"forge test  (FOUNDRY_PROFILE={profile}; log: {log})", flush=True)
    started = time.monotonic()
    proc = run_bounded(cmd, root, env, FORGE_TIMEOUT_S.get(profile, 300))
    log.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.timed_out:
        return [Verdict("forge", "forge test", "forge", "TIMEOUT", time.monotonic() - started,
                        f"no result within {FORGE_TIMEOUT_S.get(profile, 300)} s")]
    json_text = proc.stdout[proc.stdout.find("{"):] if "{" in proc.stdout else ""
    try:
        suites = json.loads(json_text)
    except json.JSONDecodeError:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        return [Verdict("forge", "forge test", "forge", "ERROR", time.monotonic() - started,
                        f"forge produced no JSON result (exit {proc.returncode}): {tail}")]
    verdicts = []
    for suite, body in sorted(suites.items()):
        contract = suite.rsplit(":", 1)[-1]
        group = GROUPS.get(contract, contract)
        for name, result in sorted(body.get("test_results", {}).items()):
            status = result.get("status")
            verdict = "PASS" if status == "Success" else ("SKIP" if status == "Skipped" else "FAIL")
            detail = _forge_detail(result)
            verdicts.append(Verdict(group, f"{contract}.{name.split('(')[0]}", "forge", verdict,
                                    duration_s(result.get("duration", "")), detail))
    return verdicts


def _forge_detail(result: dict) -> str:
    kind = result.get("kind") or {}
    parts = []
    if "Invariant" in kind:
        inv = kind["Invariant"]
        parts.append(f"{inv.get('runs')} runs, {inv.get('calls')} calls")
    elif "Fuzz" in kind:
        parts.append(f"{kind['Fuzz'].get('runs')} runs")
    if result.get("status") != "Success":
        if result.get("reason"):
            parts.append(f"reason: {result['reason']}")
        cex = result.get("counterexample")
        if cex:
            parts.append("counterexample: " + _forge_counterexample(cex))
    return "; ".join(p for p in parts if p)


def _forge_counterexample(cex: object) -> str:
    def call(c: dict) -> str:
        sig = c.get("signature") or c.get("func_name") or "call"
        args = c.get("args") or ""
        name = sig.split("(")[0]
        return f"{name}({args})"

    if isinstance(cex, dict) and "Sequence" in cex:
        seq = cex["Sequence"]
        calls = seq[1] if isinstance(seq, list) and len(seq) == 2 and isinstance(seq[1], list) else seq
        return " → ".join(call(c) for c in calls if isinstance(c, dict))
    if isinstance(cex, dict) and "Single" in cex:
        return call(cex["Single"])
    return json.dumps(cex)[:300]


# ---------------------------------------------------------------------------------------------- halmos


def run_halmos(root: Path, env: dict[str, str], run: HalmosRun, out_dir: Path) -> list[Verdict]:
    if not HALMOS.exists():
        sys.exit(f"no halmos at {HALMOS}: run `make prove` (it installs .venv-prove/ from tools/prove/requirements.txt)")
    json_out = out_dir / f"halmos-{run.contract}.json"
    log = out_dir / f"halmos-{run.contract}.txt"
    json_out.unlink(missing_ok=True)
    cmd = [
        str(HALMOS), "--root", str(root), "--forge-build-out", "build/halmos/out",
        "--contract", run.contract, "--match-test", run.match, "--loop", str(run.loop),
        "--solver", "yices", "--json-output", str(json_out), "--no-status", *run.extra,
    ]
    henv = dict(env, FOUNDRY_PROFILE="halmos", NO_COLOR="1")
    print(f"halmos {run.contract} {run.match} --loop {run.loop}  (log: {log})", flush=True)
    started = time.monotonic()
    proc = run_bounded(cmd, root, henv, run.timeout_s)
    text = proc.stdout + "\n--- stderr ---\n" + proc.stderr
    if proc.timed_out:
        log.write_text(text)
        done = _halmos_text_results(text, run.contract)
        left = f"the checks not listed above did not finish within {run.timeout_s} s (halmos stopped)"
        return done + [Verdict(GROUPS.get(run.contract, run.contract), f"{run.contract}: {run.match}", "halmos",
                               "TIMEOUT", time.monotonic() - started, left)]
    log.write_text(text)
    if not json_out.exists():
        tail = "\n".join(text.strip().splitlines()[-15:])
        return [Verdict(GROUPS.get(run.contract, run.contract), f"{run.contract}: {run.match}", "halmos", "ERROR",
                        time.monotonic() - started, f"halmos wrote no result (exit {proc.returncode}): {tail}")]
    data = json.loads(json_out.read_text())
    cex_text = _halmos_counterexamples(text)
    verdicts = []
    for suite, tests in sorted((data.get("test_results") or {}).items()):
        contract = suite.rsplit(":", 1)[-1]
        for t in tests:
            code = t.get("exitcode")
            name = t.get("name", "?")
            verdict = {0: "PASS", 1: "FAIL", 2: "TIMEOUT"}.get(code, "ERROR")
            paths = t.get("num_paths") or [None]
            bounded = t.get("num_bounded_loops") or 0
            detail = f"{paths[0]} paths, --loop {run.loop}"
            if bounded:
                detail += f", {bounded} loop(s) cut at the bound"
            if code not in (0, 1, 2):
                detail += f"; halmos exit code {code} (3 stuck, 4 every path reverted, 5 exception)"
            if code == 1:
                detail += "; counterexample: " + cex_text.get(name.split("(")[0], "see the log")
            secs = (t.get("time") or [0])[0]
            verdicts.append(Verdict(GROUPS.get(contract, contract), f"{contract}.{name.split('(')[0]}", "halmos",
                                    verdict, float(secs or 0), detail))
    if not verdicts:
        verdicts.append(Verdict(GROUPS.get(run.contract, run.contract), f"{run.contract}: {run.match}", "halmos",
                                "ERROR", time.monotonic() - started, "no check matched"))
    return verdicts


def _halmos_text_results(text: str, contract: str) -> list[Verdict]:
    """Checks that finished before a timeout, read from halmos's text output."""
    out = []
    for m in re.finditer(r"\[(PASS|FAIL|TIMEOUT|ERROR)\]\s+(check_\w+)\([^)]*\)\s+\(paths: (\d+), time: ([\d.]+)s",
                         ANSI.sub("", text)):
        out.append(Verdict(GROUPS.get(contract, contract), f"{contract}.{m.group(2)}", "halmos", m.group(1),
                           float(m.group(4)), f"{m.group(3)} paths"))
    return out


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _halmos_counterexamples(text: str) -> dict[str, str]:
    """The first `Counterexample:` block of each failed check in halmos's text output, made readable:
    inputs by name (`p_objector_uint8_<hash>_00` -> `objector = 3`), symbolic values made in the harness by
    name in creation order (`halmos_claim_bool_<hash>_07` ... -> `claim[1..19] = 1,1,0,...`)."""
    found: dict[str, str] = {}
    current = None
    lines = ANSI.sub("", text).splitlines()
    for i, line in enumerate(lines):
        if "Counterexample:" in line:
            if current is not None:
                continue  # several per check: keep the first
            params: list[str] = []
            made: dict[str, list[tuple[int, str]]] = {}
            for nxt in lines[i + 1:i + 200]:
                v = re.match(r"\s+(p|halmos)_(\w+?)_([a-z]+\d*)_[0-9a-f]+_(\d+)\s*=\s*(\S+)", nxt)
                if not v:
                    break
                kind, name, _type, seq, value = v.groups()
                if kind == "p":
                    params.append(f"{name} = {_readable(value)}")
                else:
                    made.setdefault(name, []).append((int(seq), _readable(value)))
            for name, values in made.items():
                values.sort()
                params.append(f"{name}[{values[0][0]}..{values[-1][0]}] = {','.join(v for _, v in values)}")
            current = ", ".join(params) or "(no inputs)"
            continue
        r = re.search(r"\[(FAIL|PASS|TIMEOUT|ERROR)\]\s+(check_\w+)", line)
        if r:
            if current is not None and r.group(1) == "FAIL":
                found.setdefault(r.group(2), current)
            current = None
    return found


def _readable(value: str) -> str:
    try:
        return str(int(value, 16)) if value.startswith("0x") and len(value) <= 18 else value
    except ValueError:
        return value


# ---------------------------------------------------------------------------------------------- results


def git_state(root: Path, rev: str | None) -> str:
    def git(*args: str) -> str:
        r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return r.stdout.strip()

    if rev:
        return f"contracts/ from git revision {git('rev-parse', '--short', rev)} (`--contracts-rev {rev}`)"
    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "contracts/")
    return f"contracts/ at {head}" + (" with uncommitted changes" if dirty else "")


def write_results(path: Path, verdicts: list[Verdict], profile: str, state: str, wall: float, versions: str) -> None:
    lines = [
        "# `make prove` results",
        "",
        f"Written by `tools/prove/run.py --profile {profile}` on {dt.date.today().isoformat()}: {state}.",
        f"{versions}. Wall time {wall:.0f} s on {os.cpu_count()} cores.",
        "",
        "Verdicts: PASS (held: every run, or every path halmos explored up to its loop bound), FAIL (a",
        "counterexample), TIMEOUT (no answer within the budget; counts as a failure), ERROR (could not run).",
        "",
        "| property | check | tool | verdict | time | notes |",
        "|---|---|---|---|---:|---|",
    ]
    for v in sorted(verdicts, key=lambda v: (v.group, v.tool, v.name)):
        detail = v.detail.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {v.group} | `{v.name}` | {v.tool} | **{v.verdict}** | {v.seconds:.1f} s | {detail} |")
    failed = [v for v in verdicts if v.verdict not in ("PASS", "SKIP")]
    lines += ["", f"{len(verdicts) - len(failed)} passed, {len(failed)} failed", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))


def prepare_rev_tree(rev: str) -> Path:
    """build/prove/rev-REV/: contracts/ from `rev`, the current harness and tooling beside it."""
    safe = re.sub(r"[^\w.-]", "_", rev)
    tree = ROOT / "build" / "prove" / f"rev-{safe}"
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "contracts"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    for rel in ("foundry.toml", "tests/prove", "tools/prove", "simulator/chain/solc_npm.js"):
        src, dst = ROOT / rel, tree / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("RESULTS*.md", "__pycache__"))
        else:
            shutil.copy2(src, dst)
    (tree / "node_modules").symlink_to(ROOT / "node_modules")
    return tree


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["deep", "ci"], default="ci")
    parser.add_argument("--results", help="Markdown file for the verdicts (default build/prove/RESULTS-<profile>.md)")
    parser.add_argument("--contracts-rev", help="run against contracts/ of this git revision")
    parser.add_argument("--skip-forge", action="store_true")
    parser.add_argument("--skip-halmos", action="store_true")
    args = parser.parse_args(argv)

    root = prepare_rev_tree(args.contracts_rev) if args.contracts_rev else ROOT
    out_dir = ROOT / "build" / "prove"
    log_dir = root / "build" / "prove"  # forge's and halmos's own output, per tree
    log_dir.mkdir(parents=True, exist_ok=True)
    if args.results:
        results = Path(args.results)
    elif args.contracts_rev:
        safe = re.sub(r"[^\w.-]", "_", args.contracts_rev)
        results = out_dir / f"RESULTS-{safe}.md"
    else:
        results = out_dir / f"RESULTS-{args.profile}.md"

    forge = forge_binary(ROOT)
    env = forge_on_path(ROOT, forge)
    started = time.monotonic()
    verdicts: list[Verdict] = []
    if not args.skip_forge:
        verdicts += run_forge(root, forge, args.profile, log_dir / f"forge-{args.profile}.txt")
    if not args.skip_halmos:
        for run in HALMOS_RUNS[args.profile]:
            verdicts += run_halmos(root, env, run, log_dir)
    wall = time.monotonic() - started

    forge_version = subprocess.run([str(forge), "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    halmos_version = subprocess.run([str(HALMOS), "--version"], capture_output=True, text=True).stdout.strip()
    forge_version = forge_version.replace("Version:", "").split()
    versions = f"forge {forge_version[-1] if forge_version else '?'}, halmos {halmos_version.split()[-1] if halmos_version else '?'}"
    write_results(results, verdicts, args.profile, git_state(root, args.contracts_rev), wall, versions)

    width = max((len(v.name) for v in verdicts), default=10)
    for v in sorted(verdicts, key=lambda v: (v.group, v.tool, v.name)):
        print(f"  {v.verdict:<7} {v.tool:<6} {v.name:<{width}} {v.seconds:7.1f} s  {v.detail[:160]}")
    failed = [v for v in verdicts if v.verdict not in ("PASS", "SKIP")]
    print(f"verdicts in {results}; {wall:.0f} s")
    print(f"{len(verdicts) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
