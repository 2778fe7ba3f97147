"""The coverage report (scripts/coverage_report.py) runs and classifies as documented."""
import importlib.util
import os

import numpy as np

import funcgrad.numpy as fnp

_PATH = os.path.join(os.path.dirname(__file__), "..", "scripts", "coverage_report.py")
_spec = importlib.util.spec_from_file_location("coverage_report", _PATH)
coverage_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(coverage_report)


def test_probe_categories():
    assert coverage_report.probe(fnp.sin, "sin") == "differentiable"
    assert coverage_report.probe(fnp.floor, "floor") == "no derivative"
    assert coverage_report.probe(fnp.angle, "angle") == "differentiable"  # via a complex input
    assert coverage_report.probe(fnp.where, "where") == "differentiable"
    assert coverage_report.probe(lambda x, y, z: x, "three_args") == "not probed"


def test_linalg_and_fft_are_fully_differentiable():
    text = coverage_report.report()
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| `")}
    for namespace in ("`numpy.linalg`", "`numpy.fft`"):
        cells = [c.strip() for c in rows[namespace].split("|")[2:7]]
        assert cells[3] == "0" and cells[4] == "0", rows[namespace]  # nothing missing
    assert int(rows["`numpy`"].split("|")[2]) >= 120
    assert int(rows["`numpy`"].split("|")[5]) == 0  # every NumPy name resolves
    assert "## Remaining gaps" in text and "`finfo`" in text.split("## Remaining gaps")[1]
    assert np.isfinite(len(text))
