"""Transforms on array_api_strict arrays (on a device that refuses any conversion to NumPy):
results stay in that library and on that device, as CuPy's stay on the GPU."""
from __future__ import annotations

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import BackendError

xp = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")
DEVICE = xp.Device("device1")


def strict(a):
    return xp.asarray(np.asarray(a), device=DEVICE)


def host(a):
    assert a.device == DEVICE
    return np.asarray(a.to_device(xp.Device("CPU_DEVICE")))


def nll(w, X, y):
    # written with functions and a sum: array_api_strict arrays refuse operators with tracers and
    # with NumPy scalars (which the rules of a division by a Python int produce); Dask's and
    # CuPy's arrays accept both
    z = fnp.matmul(X, w)
    return fnp.sum(fnp.logaddexp(0.0, z) - fnp.multiply(y, z))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    return X, (rng.random(30) > 0.5).astype(float), rng.standard_normal(4)


def test_grad_jacrev_and_jit_stay_on_the_device(data):
    # (forward-over-array rules such as multiply's `x * t` put a plain array on the left of a
    # tracer, which array_api_strict's operators refuse: jacfwd and hessian are checked on Dask)
    X, y, w = data
    args = (strict(w), strict(X), strict(y))
    for transform in (fg.grad, fg.jacrev, lambda f: fg.jit(fg.grad(f))):
        got, want = transform(nll)(*args), transform(nll)(w, X, y)
        np.testing.assert_allclose(host(got), want, rtol=1e-10, atol=1e-12)


def test_vmap_jvp_and_float32_promotion(data):
    X, y, w = data
    per_row = fg.vmap(lambda x: fnp.tanh(fnp.sum(fnp.multiply(x, strict(w)))))(strict(X))
    np.testing.assert_allclose(host(per_row), np.tanh(X @ w), rtol=1e-12)
    x32 = strict(X.astype(np.float32))
    primal, tangent = fg.jvp(lambda x: fnp.sum(fnp.sin(x)), (x32,), (strict(np.ones((30, 4), np.float32)),))
    assert tangent.dtype == xp.float32
    np.testing.assert_allclose(host(tangent), np.cos(X.astype(np.float32)).sum(), rtol=1e-5)


def test_a_primitive_the_standard_lacks_names_itself_and_the_library():
    with pytest.raises(BackendError, match=r"'cbrt'.*array_api_strict"):
        fnp.cbrt(strict([1.0, 8.0]))


def test_two_libraries_in_one_operation_are_refused():
    da = pytest.importorskip("dask.array")
    with pytest.raises(BackendError, match="two libraries"):
        fnp.add(strict([1.0]), da.ones(1))
