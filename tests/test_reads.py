"""What each primitive's reverse rules read (`reads_answer`, `reads_inputs`), checked against
the rules themselves: every rule of every equation of every op-table case is run twice, once on
the real forward values and once with the values its primitive declares unread replaced by
`ShapeOnly` (shape and dtype kept, any use as data raises). The cotangents must be identical, so
a declaration that would let reverse mode free a value some rule needs fails here."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.ir import Var
from funcgrad.core.primitive import (ALL_INPUTS, EVERYTHING, ShapeOnly, derive_reads,
                                     normalise_reads, registry)
from funcgrad.errors import FuncgradError
from funcgrad.primitives import elementwise, reductions
from tests.opinfo import all_cases, bind, split_sample

CASES = [c for c in all_cases() if c.differentiable]
SOME = settings(max_examples=4, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _cotangent(value, rng):
    value = np.asarray(value)
    if np.issubdtype(value.dtype, np.complexfloating):
        return (rng.normal(size=value.shape) + 1j * rng.normal(size=value.shape)).astype(value.dtype)
    if np.issubdtype(value.dtype, np.inexact):
        return rng.normal(size=value.shape).astype(value.dtype)
    return np.zeros(value.shape, value.dtype)


def _same(a, b, label):
    if a is None or b is None:
        assert a is None and b is None, f"{label}: one run gave no cotangent"
        return
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b), label
        for x, y in zip(a, b):
            _same(x, y, label)
        return
    assert not isinstance(b, ShapeOnly), f"{label}: the rule returned a freed value"
    np.testing.assert_array_equal(np.asarray(b), np.asarray(a), err_msg=label)


def check_declaration(eq, rng):
    """Run eq's reverse rules on the real values and on the declared-read ones only."""
    prim = eq.primitive
    if prim.vjp is None:
        return
    args = [x.value if type(x) is Var else x for x in eq.inputs]
    outs = tuple(v.value for v in eq.outputs)
    answer = outs if prim.multiple_results else outs[0]
    ct = tuple(_cotangent(o, rng) for o in outs)
    ct = ct if prim.multiple_results else ct[0]
    freed_args = [ShapeOnly(a) if type(x) is Var and not prim.reads_input(i) else a
                  for i, (x, a) in enumerate(zip(eq.inputs, args))]
    freed_answer = answer if prim.reads_answer else (
        tuple(ShapeOnly(o) for o in outs) if prim.multiple_results else ShapeOnly(answer))
    for i, x in enumerate(eq.inputs):
        rule = prim.vjp[i]
        if type(x) is not Var or rule is None:
            continue
        label = f"{prim.name}: reverse rule of input {i}"
        with np.errstate(all="ignore"):
            want = rule(ct, answer, *args, **eq.params)
            try:
                got = rule(ct, freed_answer, *freed_args, **eq.params)
            except (FuncgradError, TypeError, AttributeError, ValueError) as err:
                raise AssertionError(
                    f"{label} reads a value its declaration (answer={prim.reads_answer}, "
                    f"inputs={prim.reads_inputs}) says it does not: {err}") from err
        _same(want, got, label)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
@given(data=st.data())
@SOME
def test_reverse_rules_read_only_what_they_declare(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    trace = fg.make_trace(bind(case, fnp, static))(*arrays)
    rng = np.random.default_rng(0)
    for eq in trace.equations:
        check_declaration(eq, rng)


def test_every_differentiable_primitive_declares_what_it_reads():
    for prim in registry.values():
        assert isinstance(prim.reads_answer, bool), prim.name
        assert prim.reads_inputs is ALL_INPUTS or isinstance(prim.reads_inputs, frozenset)
        if prim.vjp is None:  # no reverse rules: nothing to keep
            assert not prim.reads_answer and prim.reads_inputs == frozenset(), prim.name


def test_reads_are_derived_from_the_rules():
    assert (elementwise.exp.reads_answer, elementwise.exp.reads_inputs) == (True, frozenset())
    assert (elementwise.tanh.reads_answer, elementwise.tanh.reads_inputs) == (True, frozenset())
    assert (elementwise.sin.reads_answer, elementwise.sin.reads_inputs) == (False, {0})
    assert (elementwise.multiply.reads_answer, elementwise.multiply.reads_inputs) == (False, {0, 1})
    assert (elementwise.add.reads_answer, elementwise.add.reads_inputs) == (False, frozenset())
    assert not reductions.sum_p.reads_input(0)
    roles = (None, "answer", 0, 1)
    assert set(derive_reads([lambda g, ans, x, y: g * y], roles)) == {1}
    assert set(derive_reads([lambda g, ans, x, y, axis: g * ans], roles)) == {"answer"}
    assert set(derive_reads([lambda g, ans, *xs: g], roles)) == {"inputs"}
    assert derive_reads([np.sin], roles) == EVERYTHING  # not Python code: everything is kept
    assert derive_reads([lambda g, ans, x, y: locals()[x]], roles) == EVERYTHING

    def captures(g, ans, x, y):
        return lambda: y
    assert set(derive_reads([captures], roles)) == {1}
    assert normalise_reads(EVERYTHING) == (True, ALL_INPUTS)
    with pytest.raises(ValueError, match="reads="):
        normalise_reads(["x"])


def test_a_freed_value_refuses_to_be_used_as_data():
    freed = ShapeOnly(np.ones((2, 3)))
    assert freed.shape == (2, 3) and freed.dtype == np.float64 and np.shape(freed) == (2, 3)
    with pytest.raises(FuncgradError, match="declares it does not read"):
        np.asarray(freed)
    with pytest.raises(FuncgradError, match="declares it does not read"):
        np.sin(freed)
    with pytest.raises(FuncgradError, match="declares it does not read"):
        fnp.sin(freed)
