"""The documentation site builds with --strict (no broken link, no unresolved reference, no
docstring griffe cannot read), when mkdocs and its plugins are installed (the docs extra)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_builds_strictly(tmp_path):
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("material")
    if not (ROOT / "mkdocs.yml").exists():
        pytest.skip("not a source checkout")
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).parent / "mkdocs")
    run = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    problems = [line for line in run.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert run.returncode == 0, "\n".join(problems) or run.stderr[-2000:]
