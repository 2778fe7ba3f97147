"""Sparsity detection against the dense Jacobian, on every case of the op table.

The detected pattern must contain every non-zero of the Jacobian at random points (never miss
one); for the primitives whose rules are exact it must equal it.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.tree_util import tree_flatten
from tests.opinfo import all_cases, bind, split_sample

CASES = [c for c in all_cases() if c.differentiable and "complex" not in c.tags]
FEW = settings(max_examples=3, deadline=None, derandomize=True,
               suppress_health_check=list(HealthCheck))

# ops whose every Jacobian entry in the pattern is non-zero at a generic point
EXACT = {"reshape", "transpose", "broadcast_to", "flip", "concatenate", "getitem", "sum", "mean",
         "cumsum", "sin", "exp", "tanh", "add", "subtract", "take_along_axis"}


def _flat_output(fun):
    def flat(*args):
        leaves = tree_flatten(fun(*args))[0]
        return fnp.concatenate([fnp.reshape(leaf, (-1,)) for leaf in leaves])
    return flat


def _dense_jacobian(case, f, x):
    jac = fg.jacfwd(f) if "fwd" in case.modes else fg.jacrev(f)
    return np.reshape(jac(x), (-1, np.size(x)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@given(data=st.data())
@FEW
def test_pattern_contains_every_nonzero(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    if any(np.iscomplexobj(a) for a in arrays):
        return
    fun = _flat_output(bind(case, fnp, static))
    if np.iscomplexobj(fun(*arrays)) or not np.issubdtype(np.asarray(fun(*arrays)).dtype,
                                                          np.floating):
        return
    for k, x in enumerate(arrays):
        if not np.issubdtype(np.asarray(x).dtype, np.floating):
            continue
        x = np.asarray(x)
        f = lambda v, k=k: fun(*arrays[:k], v, *arrays[k + 1:])  # noqa: E731
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fg.sparse.SparsityWarning)
            pattern = fg.jacobian_sparsity(f)(x).toarray()
        dense = _dense_jacobian(case, f, x)
        assert pattern.shape == dense.shape
        missed = (dense != 0) & ~pattern
        assert not missed.any(), (f"{case.id}, argument {k}: the pattern misses "
                                  f"{np.argwhere(missed)[:5].tolist()}")
        if case.op in EXACT and not case.name and np.all(np.isfinite(dense)):
            np.testing.assert_array_equal(pattern, dense != 0, err_msg=f"{case.id} argument {k}")
