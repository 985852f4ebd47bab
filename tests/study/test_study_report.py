"""`ecny-sim report DIR` on a sweep's folder: the study's page in English and Chinese, its charts, the table per
combination, the failed runs with their reasons and links to the kept journals."""

from __future__ import annotations

from sweep_helpers import SCENARIO, cli

from ecny_sim.study import sweep


def test_the_report_of_a_sweep(tmp_path):
    out = tmp_path / "s"
    sweep(str(SCENARIO), {"fail": ["none", "raise"]}, seeds="1..2", workers=0, out=out, keep_journals=True)
    proc = cli("report", str(out))
    assert proc.returncode == 0, proc.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>Study of sweep_fixture_scenario</h1>" in page
    assert "4 runs of sweep_fixture_scenario: 2 combinations x 2 seeds; 2 failed." in page
    assert "totals.paid_in_fen" in page and "¥600 [¥600, ¥600]" in page  # 2 pupils x 2 lessons x ¥150
    assert "RuntimeError: this point fails on purpose" in page
    assert page.count('<a href="runs/point-') == 4
    assert sorted(p.name for p in (out / "charts").iterdir())[0] == "measure-1.png"
    assert page.count("<img ") == len(list((out / "charts").iterdir()))
    zh = cli("report", str(out), "--lang", "zh")
    assert zh.returncode == 0, zh.stderr
    assert '<html lang="zh-CN">' in (out / "report.html").read_text(encoding="utf-8")


def test_a_folder_that_is_not_a_finished_sweep(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "study.json").write_text("{}")
    proc = cli("report", str(tmp_path / "s"))
    assert proc.returncode == 2 and "the sweep has not finished" in proc.stderr
