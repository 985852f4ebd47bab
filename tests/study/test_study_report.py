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


def test_an_interval_clipped_at_zero_is_marked_on_the_page():
    from ecny_sim.show.report.words import ReportWords
    from ecny_sim.study.report import Runs, render

    line = {"model": "escrow", "runs": 4, "failed": 0, "totals.parent_loss_fen.mean": 22_500,
            "totals.parent_loss_fen.low95": 0.0, "totals.parent_loss_fen.high95": 94_000,
            "clipped_at_zero": "totals.parent_loss_fen"}
    study = {"scenario": "edu_city_supervision", "grid": {"model": ["escrow"]}, "grouped": ["model"], "seeds": [1]}
    page = render(study, Runs(total=4), [line], ReportWords("en"), [])
    assert "¥225 [¥0*, ¥940]" in page and "clipped at 0" in page
    unclipped = {**line, "clipped_at_zero": None}
    assert "clipped at 0" not in render(study, Runs(total=4), [unclipped], ReportWords("en"), [])
    assert "截断为 0" in render(study, Runs(total=4), [line], ReportWords("zh"), [])
