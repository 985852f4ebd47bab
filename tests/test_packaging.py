"""The package works outside the checkout: the wheel carries the compiled artifacts and the built-in
scenarios, and a run from another directory needs no contracts/ and no compiler."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_in_the_wheel():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    for package, folder in config["package-dir"].items():
        for init in (REPO / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(REPO / folder).parts
            assert ".".join([package, *parts]) in listed, f"{init.parent} is not listed in pyproject.toml's packages"


@pytest.mark.slow  # builds and installs a wheel (5 s): `make test-slow`, which CI runs
def test_wheel_runs_a_builtin_scenario_from_anywhere(tmp_path):
    # Built from a copy of the checkout's files (not ignored ones): a stale build/ cannot hide a missing file.
    source = tmp_path / "source"
    tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(wheels), str(source)], check=True, capture_output=True)
    (wheel,) = wheels.glob("ecny_sim-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(site)
    assert "ecny_sim/artifacts/PrepaidEscrow.json" in names
    assert "ecny_sim/scenarios/edu_abscond.py" in names
    for lang in ("en", "zh"):
        for domain in ("narration", "report"):
            assert f"ecny_sim/show/locale/{lang}/LC_MESSAGES/{domain}.mo" in names
    assert not any(n.startswith("contracts/") for n in names)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))  # ahead of the editable install's finder
    probe = subprocess.run([sys.executable, "-c", "import ecny_sim, ecny_sim.chain.compiler as c; "
                            "print(ecny_sim.__file__); print(c.repo_root())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    where, root = probe.stdout.split()
    assert where.startswith(str(site)) and root == "None"
    proc = subprocess.run([sys.executable, "-m", "ecny_sim.cli.main", "run", "edu_term", "--test-scale",
                           "--narrate", "--lang", "zh", "--report"],
                          cwd=elsewhere, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((elsewhere / "runs" / "edu_term-seed1" / "summary.json").read_text())
    assert summary["outcome"] == "ok" and summary["totals"]["released_fen"] == 3 * 6 * 15_000
    assert "数字人民币" in proc.stdout and (elsewhere / "runs" / "edu_term-seed1" / "report.html").exists()
