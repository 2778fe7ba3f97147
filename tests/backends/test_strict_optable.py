"""The op table (tests/opinfo) on array_api_strict arrays: the stand-in for "not NumPy".

The arrays live on array_api_strict's second device, which refuses any conversion to NumPy: a
primitive that called numpy directly on them (np.asarray, a NumPy ufunc...) raises there, and the
case fails. Each case's values, reverse mode (vjp with a random cotangent) and forward mode (jvp
with random tangents) must equal the NumPy results; a primitive the standard cannot express must
raise `BackendError` naming itself and the library, and be listed in UNSUPPORTED below (the same
list docs/scaling.md gives users).
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import BackendError
from tests.opinfo import all_cases, bind, split_sample

xp = pytest.importorskip("array_api_strict")
pytest.importorskip("array_api_compat")

DEVICE = xp.Device("device1")  # arrays here cannot be turned into NumPy arrays

# what array_api_strict cannot run: the standard has no counterpart (docs/scaling.md lists them)
UNSUPPORTED = {
    "einsum", "cbrt", "fmax", "fmin", "sinc", "sinc_d1", "sinc_d2", "fmod", "heaviside", "ldexp",
    "frexp_exponent", "spacing", "bitwise_count", "gcd", "lcm", "add_along_axis",
    "conv2d", "conv2d_input_grad", "conv2d_weight_grad", "max_pool2d", "max_pool2d_argmax",
    "avg_pool2d", "eig",
    "erf", "erfc", "erfinv", "gammaln", "digamma", "gamma", "polygamma", "log_ndtr", "ndtri",
    "i0", "i1", "i0e", "iv", "ive", "i1e",
    "odeint", "ode_tangent", "ode_adjoint",  # SciPy's solve_ivp: NumPy arrays only
}
# cases that do not run on array_api_strict yet (work in progress, tracked in docs/scaling.md):
# strict xfails, so each one that starts to pass must leave this list
NOT_YET = {
    "real-complex", "imag-complex", "absolute-complex", "complex", "absolute", "maximum",
    "minimum", "astype", "real", "fft", "irfft", "irfft-real_input", "irfft-hfft",
    "getitem-int", "getitem-none_ellipsis", "getitem-int_array", "getitem-repeated",
    "getitem-two_arrays", "getitem-separated_arrays", "getitem-mask", "getitem-full_mask",
    "getitem-advanced_first", "index_add", "index_add-broadcast_updates", "sort",
    "sort-weighted", "take_along_axis", "getitem-take", "getitem-diagonal",
    "getitem-diagonal_offset", "getitem-trace", "index_add-diag", "index_add-diag_k", "det",
    "slogdet", "pinv", "cholesky", "qr", "eigh-values", "eigh-vectors", "eigh-hermitian",
    "svd-reduced", "svd-complex", "svd-full", "svd-values", "clamp",
    "binary_cross_entropy_with_logits", "mse_loss", "nll_loss", "cumprod", "concatenate-roll",
    "getitem-split", "getitem-repeat", "getitem-repeat_counts",
    "einsum-ii_to_i", "einsum-ii", "einsum-iij_to_j",  # (diagonals: integer-array indexing)
    # primitives that landed while this table was written, not looked at yet
    "implicit_root", "implicit_root-gmres", "linear_solve", "linear_solve-gmres", "adjugate",
    "adjugate_cotangent", "adjugate_tangent", "betainc", "gammainc", "gammaincc", "stdtr",
    "sqrtm", "random_bits", "random_fold_in", "random_gamma", "random_normal", "random_poisson",
    "random_split", "random_uniform",
    # mean's rule meets a NumPy scalar (reciprocal of a Python int): array_api_strict's operators
    # refuse NumPy scalars (Dask's and CuPy's accept them)
    "sum-mean", "sum-std", "sum-std_axis", "sum-var_ddof1",
}

CASES = [c for c in all_cases() if c.op not in ("custom_vjp_call", "custom_jvp_call", "checkpoint")]
FEW = settings(max_examples=2, deadline=None, derandomize=True, phases=(Phase.generate,), database=None,
               suppress_health_check=list(HealthCheck))


def to_strict(a):
    if isinstance(a, (np.ndarray, np.generic)):
        return xp.asarray(np.asarray(a), device=DEVICE)
    return a


def to_numpy(a):
    if isinstance(a, (tuple, list)):
        return type(a)(to_numpy(v) for v in a)
    if hasattr(a, "__array_namespace__") and not isinstance(a, np.ndarray):
        assert a.device == DEVICE, f"a result left the arrays' device: {a.device}"
        return np.asarray(a.to_device(xp.Device("CPU_DEVICE")))
    return np.asarray(a)


def _check_close(got, want, case):
    got, want = to_numpy(got), np.asarray(want) if not isinstance(want, (tuple, list)) else want
    if isinstance(want, (tuple, list)):
        for g, w in zip(got, want):
            _check_close(g, w, case)
        return
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=case.id)
    assert np.asarray(got).dtype == np.asarray(want).dtype, case.id


def _run(case, arrays, static):
    """(value, vjp cotangents, jvp tangent) of the case on these arrays."""
    fun = bind(case, fnp, static)
    value = fun(*arrays)
    floats = _floats_of(arrays)
    if not case.differentiable or not floats:
        return value, None, None

    def of_floats(*fl):
        full = list(arrays)
        for i, v in zip(floats, fl):
            full[i] = v
        return fun(*full)
    primals = [arrays[i] for i in floats]
    rng = np.random.default_rng(0)
    out, pullback = fg.vjp(of_floats, *primals)
    cotangent = _like(out, rng)
    rev = pullback(cotangent)
    fwd = None
    if "fwd" in case.modes:
        tangents = tuple(_like(p, rng) for p in primals)
        fwd = fg.jvp(of_floats, tuple(primals), tangents)[1]
    return value, rev, fwd


def _floats_of(arrays):
    return [i for i, a in enumerate(arrays) if np.issubdtype(_dtype(a), np.inexact)]


def _dtype(a):
    from funcgrad.backends import numpy_dtype
    return numpy_dtype(a.dtype) if hasattr(a, "dtype") else np.asarray(a).dtype


def _like(value, rng):
    """A random array of value's shape and dtype, in value's library."""
    if isinstance(value, (tuple, list)):
        return type(value)(_like(v, rng) for v in value)
    data = rng.standard_normal(np.shape(value)).astype(_dtype(value))
    return to_strict(data) if not isinstance(value, (np.ndarray, np.generic, float)) else data


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(strict=True))
                                  if c.id in NOT_YET else c for c in CASES], ids=lambda c: c.id)
@FEW
@given(data=st.data())
def test_case_on_array_api_strict_equals_numpy(case, data):
    sample = data.draw(case.inputs)
    arrays, static = split_sample(sample)
    strict = tuple(to_strict(a) for a in arrays)
    try:
        got = _run(case, strict, static)
    except BackendError as err:
        assert case.op in UNSUPPORTED, f"{case.id}: unexpected BackendError: {err}"
        assert repr(case.op) in str(err) and "array_api_strict" in str(err), str(err)
        return
    assert case.op not in UNSUPPORTED, f"{case.op} is listed as unsupported but ran"
    want = _run(case, arrays, static)
    for g, w in zip(got, want):
        if w is not None:
            _check_close(g, w, case)


def test_unsupported_primitives_are_documented():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "scaling.md")
    text = open(path).read()
    missing = [name for name in UNSUPPORTED if f"`{name}`" not in text]
    assert not missing, f"docs/scaling.md does not list {missing} as unsupported on array_api_strict"
