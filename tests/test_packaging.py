"""The source distribution carries what its tests need, with one version and an SPDX license."""
import os
import tarfile
from pathlib import Path

import pytest

import funcgrad

ROOT = Path(__file__).resolve().parent.parent


def test_sdist_has_the_test_support_files_and_metadata(tmp_path):
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77 or not (ROOT / "pyproject.toml").exists():
        pytest.skip("building needs setuptools >= 77 and a source checkout")
    from setuptools import build_meta
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        name = build_meta.build_sdist(str(tmp_path))
    finally:
        os.chdir(cwd)
    with tarfile.open(tmp_path / name) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
        info = sdist.extractfile(f"funcgrad-{funcgrad.__version__}/PKG-INFO").read().decode()
    for needed in ("tests/conftest.py", "tests/_numeric.py", "tests/opinfo/__init__.py",
                   "tests/transforms/test_jit.py", "tests/torch_layer/test_torch_seeds.py",
                   "LICENSE", "README.md", "funcgrad/py.typed"):
        assert needed in names, needed
    assert f"Version: {funcgrad.__version__}" in info
    assert "License-Expression: MIT" in info


OPTIONAL = ("scipy", "dask", "distributed", "torch", "jax", "numba", "array_api_compat",
            "array_api_strict", "autograd", "sklearn")


def test_import_needs_numpy_only():
    """With every optional package hidden, `import funcgrad` and its NumPy-only modules work, and
    the SciPy-backed modules raise an ImportError that names the extra."""
    import subprocess
    import sys
    program = f"""
import sys
for name in {OPTIONAL!r}:
    sys.modules[name] = None  # as if not installed
import funcgrad, funcgrad.numpy, funcgrad.scipy, funcgrad.scipy.special, funcgrad.lax
import funcgrad.nn, funcgrad.optimizers, funcgrad.random, funcgrad.sparse, funcgrad.torch
assert float(funcgrad.grad(lambda x: x * x)(3.0)) == 6.0
for module in ("optimize", "integrate"):
    try:
        getattr(funcgrad.scipy, module)
    except ImportError as err:
        assert "funcgrad[scipy]" in str(err), err
    else:
        raise AssertionError(module + " imported without SciPy")
print("ok")
"""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          cwd=root, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
