"""`ecny-sim serve` without a browser: the run a page plays is the run `ecny-sim run` makes, byte for byte; the
regulator's intervention lands in the journal and replays; the token guards what changes anything; bad input is
one line, exit 2; Ctrl+C stops uvicorn with a run and a viewer still going."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import ECNY_SIM, ENV, serve, stop  # noqa: E402

GOLDEN = Path(__file__).resolve().parents[1] / "golden"



def one_line_exit_2(args: list[str], tmp_path: Path) -> str:
    done = subprocess.run([*ECNY_SIM, "serve", *args], capture_output=True, text=True, env=ENV, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    return lines[0]


def test_a_port_in_use_is_one_line_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        line = one_line_exit_2(["--port", str(port)], tmp_path)
    assert f"port {port} is in use" in line


@pytest.mark.parametrize("args, words", [
    (["no_such_scenario"], "no_such_scenario"),
    pytest.param(["--runs", "."], "not a run", marks=pytest.mark.slow),
    pytest.param(["--runs", "missing-folder"], "no such folder", marks=pytest.mark.slow),
    pytest.param(["--lang", "fr"], "--lang must be one of", marks=pytest.mark.slow),
])
def test_bad_input_is_one_line_exit_2(tmp_path, args, words):
    assert words in one_line_exit_2(args, tmp_path)


def told(entries: list[dict], lang: str) -> str:
    """The stream's narration as the narrator prints it, stamped (the script's own lines, kind "say", apart)."""
    return "".join(f"{e['time']}  {sentence}\n" for e in entries if e["kind"] == "step"
                   for sentence in e["sentences"][lang])


def test_a_run_played_by_serve_is_the_run_that_run_makes(tmp_path):
    """Same scenario, parameters and seed: the journal and summary are the golden ones `ecny-sim run` writes,
    byte for byte; the stream tells every transaction in the words of `--narrate` (its golden files, en and zh)
    and ends with the summary's invariants; the wallets it draws add up to the summary's balances, to the fen."""
    with serve(tmp_path) as served:
        out_dir = Path(served.start("edu_abscond")["out_dir"])
        entries = served.stream()
    golden = json.loads((GOLDEN / "outputs" / "edu_abscond.json").read_text())
    for name in ("journal.jsonl", "summary.json"):
        assert hashlib.sha256((out_dir / name).read_bytes()).hexdigest() == golden[f"run/{name}"], name
    for lang in ("en", "zh"):
        assert told(entries, lang) == (GOLDEN / "narration" / f"edu_abscond.{lang}.txt").read_text(), lang
    summary = json.loads((out_dir / "summary.json").read_text())
    steps = [e for e in entries if e["kind"] == "step"]
    assert len(steps) == summary["counts"]["transactions"]
    end = entries[-1]
    assert end["outcome"] == "ok" and end["invariants"] == summary["invariants"]
    shown: dict[str, list[int]] = {}
    for e in entries:
        shown.update(e.get("wallets", {}))
    for name, balance in summary["balances_fen"].items():
        assert sum(shown.get(name, [0, 0])) == balance, name
    assert all(e["conserved"] for e in entries if "conserved" in e)
    # side by side: the end carries the comparison; the last columns hold each model's parents' money
    assert end["comparison"] == summary["comparison"]
    columns = [e["models"] for e in entries if "models" in e][-1]
    assert [c["contract"] for c in columns] == ["unsupervised", "risk_deposit", "escrow"]
    for c in columns:
        short = {"unsupervised": "uns", "risk_deposit": "dep", "escrow": "esc"}[c["contract"]]
        parents = {n: b for n, b in summary["balances_fen"].items() if n.startswith(f"parent:{short}-")}
        assert c["parents"] == len(parents) and c["free_fen"] + c["locked_fen"] == sum(parents.values()), c


def test_the_token_guards_starting_playing_and_acting_and_a_refused_parameter_is_named(tmp_path):
    with serve(tmp_path) as served:
        for path, body in [("/api/run", {"scenario": "edu_abscond"}), ("/api/control", {"command": "pause"}),
                           ("/api/act", {"kind": "freeze", "contract": "escrow", "institution": "school:x"})]:
            for token in ("", "wrong"):
                status, data = served.request(path, body, token=token)
                assert status == 403 and "token" in data["message"], (path, token)
        status, data = served.request("/api/run", {"scenario": "edu_abscond", "values": {"pupils": "-3"}})
        assert status == 422 and "greater than or equal to 1" in data["errors"]["pupils"]
        assert data["message"].startswith("bad parameters for edu_abscond: pupils=-3")
        status, data = served.request("/api/run", {"scenario": "no_such"})
        assert status == 422 and "no_such" in data["message"]
        status, data = served.request("/api/scenarios/no_such")
        assert status == 404
        # A viewer cannot make the server load a file by naming its path (loading a scenario runs its code).
        planted = tmp_path / "planted.py"
        planted.write_text(f"open({str(tmp_path / 'ran')!r}, 'w').write('x')\n")
        for path, body, token in [(f"/api/scenarios/{planted}", None, ""),
                                  ("/api/run", {"scenario": str(planted)}, None)]:
            status, data = served.request(path, body, token=token) if body else served.request(path)
            assert status in (404, 422) and "unknown scenario" in data["message"], (path, status, data)
        assert not (tmp_path / "ran").exists()
        for speed in ("fast", -1, 10**9):  # a bad speed is the request's fault, not a 500
            status, data = served.request("/api/run", {"scenario": "edu_abscond", "speed_ms": speed})
            assert status == 422 and "speed_ms" in data["message"], speed
        assert served.request("/api/config")[0] == 200  # watching needs no token
        assert list(served.out_root.glob("*")) == []  # nothing was started


def test_the_regulator_freezes_and_orders_a_refund_run_between_two_transactions(tmp_path):
    """Paused mid-run, the regulator freezes the escrow school and orders its refund run: both are transactions
    from the regulator's key in the journal, the parents get their money back, the run replays with them, the
    money invariants hold and the script's stop after the intervention is reported, not the run's failure."""
    with serve(tmp_path) as served:
        out_dir = Path(served.start("edu_abscond", paused=True)["out_dir"])

        def escrow_taking_orders(entries):
            rows = [e["regulator"] for e in entries if e["kind"] == "step" and "regulator" in e]
            return rows and any(r["contract"] == "escrow" and r["orders"] == 6 for r in rows[-1])

        served.step_until(escrow_taking_orders)
        before = len([e for e in served.snapshot() if e["kind"] == "step"])
        status, frozen = served.request("/api/act", {"kind": "freeze", "contract": "escrow",
                                                     "institution": "school:taoli-esc"})
        assert status == 200 and frozen["ok"], frozen
        status, refunded = served.request("/api/act", {"kind": "refund", "contract": "escrow",
                                                       "institution": "school:taoli-esc"})
        assert status == 200 and refunded["ok"] and "6 orders" in refunded["message"], refunded
        status, missing = served.request("/api/act", {"kind": "freeze", "contract": "escrow",
                                                      "institution": "school:nobody"})
        assert status == 409 and "no institution" in missing["message"]
        paused = served.snapshot()
        steps = [e for e in paused if e["kind"] == "step"]
        assert len(steps) == before + 2  # the two actions' transactions only: the script is still paused
        assert [s["function"] for s in steps[-2:]] == ["freezeInstitution", "refundOrders"]
        assert all(s["intervention"] and s["actor"] == "regulator" for s in steps[-2:])
        assert any("OrderRefunded" in ev["name"] for ev in steps[-1]["events"])
        served.request("/api/control", {"command": "play"})
        end = served.stream()[-1]
    summary = json.loads((out_dir / "summary.json").read_text())
    assert [i["kind"] for i in summary["interventions"]] == ["freeze", "refund"]
    assert "Prepaid_InstitutionFrozen" in summary["after_intervention"]
    assert all(summary["invariants"].values()) and end["invariants"] == summary["invariants"]
    assert summary["outcome"] == "intervened"
    lines = [json.loads(line) for line in (out_dir / "journal.jsonl").read_text().splitlines()]
    assert [t["function"] for t in lines if t.get("actor") == "regulator" and t.get("contract") == "escrow"][-2:] \
        == ["freezeInstitution", "refundOrders"]
    replayed = subprocess.run([*ECNY_SIM, "replay", str(out_dir)], capture_output=True, text=True, env=ENV,
                              timeout=120)
    assert replayed.returncode == 0 and "replay matches" in replayed.stdout, replayed.stdout + replayed.stderr


@pytest.mark.slow
def test_ctrl_c_stops_uvicorn_with_a_run_and_a_viewer_going(tmp_path):
    with serve(tmp_path) as served:
        served.start("edu_abscond", speed_ms=2000)  # slow: still going when Ctrl+C comes
        viewer = subprocess.Popen([sys.executable, "-c", f"import urllib.request as u; "
                                   f"[None for _ in u.urlopen('{served.url}api/stream')]"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.0)
            began = time.monotonic()
            code = stop(served.proc)
            assert time.monotonic() - began < 10
            assert code == 0, served.proc.stderr.read()[-2000:]
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1].strip("/"))), timeout=1)
        finally:
            viewer.kill()
            viewer.wait()


@pytest.mark.slow
def test_the_regulator_decides_a_dispute_and_the_scripts_own_checks_are_reported(tmp_path):
    """edu_dispute stepped until parent:alice's order is held in dispute: the regulator upholds it from the page;
    the script, which meant to decide it itself, stops there (reported), its checks so far are reported beside
    the invariants, and the run ends intervened with every money invariant held."""
    with serve(tmp_path) as served:
        out_dir = Path(served.start("edu_dispute", paused=True)["out_dir"])

        def disputed(entries):
            rows = [e["regulator"] for e in entries if "regulator" in e]
            return rows and rows[-1][0]["disputed"]

        order = disputed(served.step_until(disputed))[0]
        status, decided = served.request("/api/act", {"kind": "dispute", "contract": "escrow", "order_id": order,
                                                      "release": False})
        assert status == 200 and decided["ok"] and "for the parent" in decided["message"], decided
        status, again = served.request("/api/act", {"kind": "dispute", "contract": "escrow", "order_id": order})
        assert status == 409 and "Prepaid_NotDisputed" in again["message"]  # refused, and recorded as refused
        after = served.snapshot()
        assert not [e for e in after if "regulator" in e][-1]["regulator"][0]["disputed"]
        served.request("/api/control", {"command": "play", "speed_ms": 0})
        end = served.stream()[-1]
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["outcome"] == end["outcome"] == "intervened"
    assert [i["kind"] for i in summary["interventions"]] == ["dispute", "dispute"]
    # decided before its window ended, so the script's own check fails: reported, and the run is not failed for it
    assert summary["story_checks"] == {"a disputed lesson is held past its window": False}
    assert "resolveDispute reverted with Prepaid_NotDisputed" in summary["after_intervention"]
    assert all(summary["invariants"].values())
