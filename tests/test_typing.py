"""The public surface type-checks (issue 14): pyright, when installed, finds no error in the
README's tour or in examples/typed_usage.py, sees the transforms keep their function's
parameters, and finds no more errors in the package than recorded (pyproject.toml's
[tool.pyright]: basic mode, Python 3.10)."""
import collections
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pyright():
    exe = shutil.which("pyright") or str(Path(sys.executable).parent / "pyright")
    if not Path(exe).exists():
        pytest.skip("pyright is not installed (pip install pyright)")
    return exe


def _run(*paths):
    """pyright's report, resolving imports in this interpreter's environment (its extras)."""
    run = subprocess.run([_pyright(), "--pythonpath", sys.executable, "--outputjson", *paths],
                         capture_output=True, text=True, cwd=ROOT, timeout=900)
    report = json.loads(run.stdout)
    return [d for d in report["generalDiagnostics"] if d["severity"] == "error"], report


def _check(tmp_path, source):
    path = tmp_path / "program.py"
    path.write_text(source)
    return _run(str(path))


def test_the_readme_tour_type_checks(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    errors, _ = _check(tmp_path, "\n".join(blocks))
    assert not errors, [e["message"] for e in errors]


def test_the_typed_example_type_checks(tmp_path):
    errors, _ = _check(tmp_path, (ROOT / "examples" / "typed_usage.py").read_text())
    assert not errors, [e["message"] for e in errors]


def test_transforms_keep_the_parameters_of_their_function(tmp_path):
    source = '''
import funcgrad as fg
def f(x: float, n: int) -> float:
    return x * n
reveal_type(fg.grad(f))
reveal_type(fg.jit(f))
fg.grad(f)(1.0, "not an int")
'''
    errors, report = _check(tmp_path, source)
    revealed = [d["message"] for d in report["generalDiagnostics"]
                if d["severity"] == "information"]
    assert any("(x: float, n: int)" in m for m in revealed), revealed
    assert any("Jitted[(x: float, n: int), float]" in m for m in revealed), revealed
    assert len(errors) == 1 and "n" in errors[0]["message"], errors


# pyright's errors in each top-level part of funcgrad when last counted: a count may only go
# down (lower it here when it does); every part not listed has none.
PYRIGHT_CEILING = {"torch": 67}


def test_pyright_errors_do_not_grow():
    errors, _ = _run()  # the package, as [tool.pyright] in pyproject.toml includes it
    found = collections.defaultdict(list)
    for e in errors:
        part = Path(e["file"]).relative_to(ROOT / "funcgrad").parts[0].removesuffix(".py")
        found[part].append(f"{Path(e['file']).relative_to(ROOT)}:{e['range']['start']['line'] + 1}"
                           f": {e['message'].splitlines()[0]}")
    grown = {part: lines for part, lines in found.items()
             if len(lines) > PYRIGHT_CEILING.get(part, 0)}
    assert not grown, {part: (f"{len(lines)} errors, ceiling {PYRIGHT_CEILING.get(part, 0)}",
                              lines[:20]) for part, lines in grown.items()}
