"""jit-compiled functions, primitives and traces pickle and deepcopy, before and after a call
(multiprocessing with spawn pickles what it sends to its workers)."""
import copy
import multiprocessing
import pickle

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp


def loss(x):
    return fnp.sum(fnp.tanh(x) ** 2)


X = np.linspace(-1.0, 1.0, 4)


def _round_trips(obj):
    return pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)


def test_jitted_function_pickles_before_and_after_its_first_call():
    jitted = fg.jit(loss)
    for _ in range(2):
        for clone in _round_trips(jitted):
            np.testing.assert_allclose(clone(X), loss(X))
            assert clone.trace_count == jitted.trace_count + 1  # compiled code is not copied
        jitted(X)


@pytest.mark.parametrize("primitive", [fnp.tanh, fnp.add, fnp.linalg.det, fnp.sum])
def test_primitives_are_pickled_by_reference(primitive):
    for clone in _round_trips(primitive):
        assert clone is primitive


def test_a_trace_pickles_and_keeps_its_listing():
    trace = fg.make_trace(loss)(X)
    for clone in _round_trips(trace):
        assert str(clone) == str(trace)


def _apply(fun_and_x):
    fun, x = fun_and_x
    return fun(x)


def test_a_jitted_function_runs_in_spawned_workers():
    jitted = fg.jit(loss)
    jitted(X)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        (got,) = pool.map(_apply, [(jitted, X)])
    np.testing.assert_allclose(got, loss(X))
