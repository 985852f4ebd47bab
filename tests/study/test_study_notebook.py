"""The example notebook (examples/sweep_study.ipynb) runs from top to bottom in a real kernel: ecny_sim.simulate,
ecny_sim.sweep on a LocalCluster of 2 workers, the table and its plot."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "sweep_study.ipynb"

pytestmark = pytest.mark.slow


def test_the_example_notebook_runs(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert "('ok', 0)" in outputs[0]["data"]["text/plain"]
    assert any("unsupervised" in o.get("data", {}).get("text/plain", "") for o in outputs)
