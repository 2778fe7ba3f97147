"""The scripts of examples/ run as a reader runs them (`python examples/x.py`) and print what they
promise. Examples with their own test elsewhere: pictures.py (tests/test_pictures.py),
torch_digits.py (tests/torch_layer/test_torch_digits.py), typed_usage.py (tests/test_typing.py),
ode_fit.py (tests/test_scipy_integrate.py).
Add an example by adding a row to EXAMPLES."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _quickstart(out):
    assert "d3/dx3 sin(1.0)" in out
    fitted = re.search(r"fitted w = \[(.*?)\]\s+b = (\S+)", out)
    assert fitted, out
    w = [float(v) for v in fitted.group(1).split()]
    assert max(abs(a - b) for a, b in zip(w, [1.5, -2.0, 0.5])) < 0.05, out


def _bilevel(out):
    fitted = float(re.search(r"fitted lam = (\S+) \(validation loss (\S+)\)", out).group(2))
    grid = float(re.search(r"grid search over \d+ values: lam = \S+ \(validation loss (\S+)\)",
                           out).group(1))
    unpenalised = float(re.search(r"unpenalised .*validation loss (\S+)", out).group(1))
    assert fitted <= grid + 1e-9, out          # gradient descent finds the grid's best or better
    assert fitted < 0.8 * unpenalised, out     # and the penalty matters


# (script, arguments, optional packages it needs, check of its output)
EXAMPLES = [
    ("quickstart.py", [], [], _quickstart),
    ("bilevel.py", [], ["scipy"], _bilevel),
]


@pytest.mark.parametrize("script,arguments,needs,check", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_runs_and_prints_its_result(script, arguments, needs, check):
    for package in needs:
        pytest.importorskip(package)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), *arguments],
                            capture_output=True, text=True, cwd=str(ROOT), env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    check(result.stdout)
