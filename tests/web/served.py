"""`ecny-sim serve` as a user starts it: a real process on a free port, its URL and token read from what it
prints, stopped with Ctrl+C (SIGINT) however the test ends; and small HTTP helpers (urllib, nothing mocked)."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]
ENV = {**os.environ, "ECNY_SIM_AUTOCOMPILE": "0", "NO_COLOR": "1", "COLUMNS": "400"}


@dataclass
class Served:
    url: str  # http://127.0.0.1:PORT/
    token: str
    proc: subprocess.Popen
    out_root: Path
    printed: list[str] = field(default_factory=list)

    def request(self, path: str, body: Any = None, *, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        token = self.token if token is None else token
        if token:
            headers["X-Ecny-Token"] = token
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path.lstrip("/"), data=data, headers=headers,
                                     method="GET" if body is None else "POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def start(self, scenario: str = "edu_abscond", **body: Any) -> dict[str, Any]:
        status, data = self.request("/api/run", {"scenario": scenario, "test_scale": True, "values": {},
                                                 "speed_ms": 0, **body})
        assert status == 200, data
        return data

    def stream(self, until: str = "end", timeout: float = 120) -> list[dict[str, Any]]:
        """The run's stream from its start, read until an entry of kind ``until``."""
        entries = []
        with urllib.request.urlopen(self.url + "api/stream", timeout=timeout) as response:
            for raw in response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("data: "):
                    entries.append(json.loads(line[6:]))
                    if entries[-1]["kind"] == until:
                        return entries
        raise AssertionError(f"the stream ended without an entry of kind {until!r}")

    def wait(self, predicate, timeout: float = 60) -> list[dict[str, Any]]:
        """Polls the stream (read up to now) until ``predicate(entries)`` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            entries = self.snapshot()
            if predicate(entries):
                return entries
            time.sleep(0.02)
        raise AssertionError("timed out waiting on the run's stream")

    def snapshot(self) -> list[dict[str, Any]]:
        """What the stream holds now (``?once=1``: the stream ends there)."""
        entries = []
        with urllib.request.urlopen(self.url + "api/stream?once=1", timeout=30) as response:
            for raw in response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("data: "):
                    entries.append(json.loads(line[6:]))
        return entries

    def step_until(self, predicate, limit: int = 400) -> list[dict[str, Any]]:
        """Steps a paused run (one narrated step at a time) until ``predicate(entries)`` holds."""
        for _ in range(limit):
            entries = self.snapshot()
            if predicate(entries):
                return entries
            pauses = sum(1 for e in entries if e["kind"] == "control" and e["state"] == "paused")
            self.request("/api/control", {"command": "step"})
            self.wait(lambda now: sum(1 for e in now if e["kind"] == "control" and e["state"] == "paused") > pauses
                      or now[-1]["kind"] == "end")
        raise AssertionError(f"no such moment in {limit} steps")


def read_line(proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            return ""
    return ""


@contextlib.contextmanager
def serve(tmp_path: Path, *args: str, timeout: float = 60) -> Iterator[Served]:
    out_root = tmp_path / "served-runs"
    proc = subprocess.Popen([*ECNY_SIM, "serve", "--port", "0", "--out", str(out_root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        first = read_line(proc, timeout)
        if not first.startswith("ecny-sim serve: http://"):
            proc.kill()
            raise AssertionError(f"serve did not start: {first!r} {proc.stderr.read()[-2000:]}")
        url, _, token = first.split(": ", 1)[1].strip().partition("?token=")
        yield Served(url, token, proc, out_root, [first])
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, timeout: float = 15) -> int:
    """Ctrl+C, as a teacher would; killed if it does not end in time (and then the test fails)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("serve did not stop within 15 s of Ctrl+C") from None
    return proc.returncode
