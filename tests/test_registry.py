"""Every primitive in the registry, checked from the op table (tests/opinfo).

- coverage: each primitive has a Case, a shape rule, a batch rule and (when differentiable) a
  reverse and a forward rule for each input;
- gradients: check_grads to the case's order in both modes, on hypothesis inputs and on each
  singular input;
- shape rules against the implementation; batch rules against stacking per-example results;
- values against NumPy; float32 in, float32 out and float32 gradients; inputs never mutated.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings, strategies as st
from hypothesis.errors import NoSuchExample

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core.ir import Var
from funcgrad.core.primitive import registry
from funcgrad.errors import FuncgradError
from funcgrad.testing import check_grads
from funcgrad.tree_util import tree_flatten
from funcgrad.transforms._inputs import with_fixed_args
from tests.opinfo import all_cases, bind, split_sample

CASES = all_cases()
DIFFERENTIABLE = [c for c in CASES if c.differentiable]
SINGULAR = [(c, k) for c in CASES for k in range(len(c.singular))]
FEW = settings(max_examples=8, deadline=None, derandomize=True,
               suppress_health_check=list(HealthCheck))
SOME = settings(max_examples=4, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _id(case):
    return case.id


def _trace(case, arrays, static):
    return fg.make_trace(bind(case, fnp, static))(*arrays)


def _equations(case, arrays, static):
    """The equations of the case's own primitive in its trace (none when the public function
    skips it for this sample, e.g. a reshape to the same shape)."""
    return [eq for eq in _trace(case, arrays, static).equations if eq.primitive.name == case.op]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_case_exercises_its_primitive(case):
    def uses_op(sample):
        arrays, static = split_sample(sample)
        return bool(_equations(case, arrays, static))
    try:
        find(case.inputs, uses_op, settings=settings(max_examples=200, database=None,
                                                     phases=[Phase.generate]))
    except NoSuchExample:
        pytest.fail(f"case {case.id}: primitive {case.op!r} never appears in the trace of its "
                    "function on the case's inputs")


def _floats(arrays):
    return [i for i, a in enumerate(arrays) if np.issubdtype(np.asarray(a).dtype, np.inexact)]


# -- coverage -----------------------------------------------------------------------------

def test_every_primitive_has_a_case():
    covered = {c.op for c in CASES}
    # collectives (psum...) act only inside a named vmap: tests/transforms/test_lax.py covers them
    missing = sorted(name for name, p in registry.items()
                     if name not in covered and p.family != "collective")
    assert not missing, (
        f"primitives with no Case in tests/opinfo: {missing}. Add a Case (one line in the "
        "module of the primitive's family, tests/opinfo/<family>.py).")


def test_every_case_names_a_registered_primitive():
    unknown = sorted({c.op for c in CASES} - set(registry))
    assert not unknown, f"op table names unknown primitives: {unknown}"


def test_every_primitive_has_a_shape_rule_and_a_batch_rule():
    no_shape = sorted(n for n, p in registry.items() if p.shape_rule is None)
    no_batch = sorted(n for n, p in registry.items() if p.batch is None)
    assert not no_shape, f"primitives without a shape rule: {no_shape}"
    assert not no_batch, f"primitives without a batch rule: {no_batch}"


def test_differentiable_primitives_have_both_modes():
    one_sided = sorted(n for n, p in registry.items() if (p.vjp is None) != (p.jvp is None))
    assert not one_sided, f"primitives with a reverse rule table but no forward one (or the other " \
                          f"way round): {one_sided}"


@pytest.mark.parametrize("case", CASES, ids=_id)
@given(data=st.data())
@SOME
def test_rules_exist_for_each_input_shape_and_batch(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    for eq in _equations(case, arrays, static):
        prim = eq.primitive
        if prim.differentiable:
            for i, x in enumerate(eq.inputs):
                if type(x) is Var and np.issubdtype(x.dtype, np.inexact):
                    assert prim.jvp is not None, f"{prim.name}: a vjp rule but no jvp rules"
                    assert (prim.vjp[i] is None) == (prim.jvp[i] is None), (
                        f"{prim.name}: input {i} has a reverse rule but no forward rule, or the "
                        "other way round")
        _check_shape_rule(eq)
        with np.errstate(all="ignore"):  # scaled batch members may reach a singular point
            _check_batch_rule(eq)


def _check_shape_rule(eq):
    args = [x.value if type(x) is Var else x for x in eq.inputs]
    expected = eq.primitive.abstract_eval(*args, **eq.params)
    outs = expected if eq.primitive.multiple_results else (expected,)
    for aval, var in zip(outs, eq.outputs):
        assert aval.shape == np.shape(var.value), (
            f"{eq.primitive.name}: shape rule says {aval.shape}, impl gives {np.shape(var.value)}")
        assert aval.dtype == var.dtype, (
            f"{eq.primitive.name}: shape rule says {aval.dtype}, impl gives {var.dtype}")


def _example(value, b):
    """Batch member b: a float value scaled a little (others unchanged), so members differ."""
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.inexact):
        return value * value.dtype.type(1 + 0.125 * b)
    return value


def _check_batch_rule(eq, size=3):
    prim, params = eq.primitive, eq.params
    args = [x.value if type(x) is Var else x for x in eq.inputs]
    batchable = [i for i, a in enumerate(args) if isinstance(a, (np.ndarray, np.generic))]
    if not batchable:
        return
    configs = [{i: 0 for i in batchable},
               {i: np.ndim(args[i]) for i in batchable}]          # batch axis last (non-zero)
    if len(batchable) > 1:
        configs.append({i: 0 for i in batchable[1:]})              # first input unbatched
    for dims in configs:
        def member(i, a, b):
            return _example(a, b if i in dims else 0)
        expected = [prim.impl(*[member(i, a, b) for i, a in enumerate(args)], **params)
                    for b in range(size)]
        values = tuple(np.stack([np.asarray(member(i, a, b)) for b in range(size)], dims[i])
                       if i in dims else member(i, a, 0) for i, a in enumerate(args))
        in_dims = tuple(dims.get(i) for i in range(len(args)))
        out, out_dim = prim.batch(values, in_dims, **params)
        outs = out if prim.multiple_results else (out,)
        out_dims = out_dim if isinstance(out_dim, (tuple, list)) else (out_dim,) * len(outs)
        for k, (o, d) in enumerate(zip(outs, out_dims)):
            want = np.stack([np.asarray(e[k] if prim.multiple_results else e) for e in expected])
            got = np.asarray(o)
            got = np.moveaxis(got, d, 0) if d is not None else np.broadcast_to(got, want.shape)
            label = f"{prim.name} batch rule with in_dims {in_dims}"
            assert got.shape == want.shape, (
                f"{label}: shape {got.shape} after moving out_dim {d} first, expected {want.shape}")
            assert got.dtype == want.dtype, f"{label}: dtype {got.dtype}, expected {want.dtype}"
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True,
                                       err_msg=label)


# -- gradients ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=_id)
@given(data=st.data())
@FEW
def test_gradients_match_finite_differences(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    check_grads(bind(case, fnp, static), arrays, order=case.order, modes=case.modes,
                rtol=case.rtol, atol=case.atol)


@pytest.mark.parametrize("case", [c for c in DIFFERENTIABLE if "fwd" not in c.modes], ids=_id)
@given(data=st.data())
@SOME
def test_reverse_only_ops_refuse_forward_mode(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    f = bind(case, fnp, static)
    with pytest.raises(FuncgradError, match="forward-mode"):
        fg.jvp(f, tuple(arrays), tuple(np.ones_like(a) for a in arrays))


@pytest.mark.parametrize("case,k", SINGULAR, ids=[f"{c.id}-{k}" for c, k in SINGULAR])
def test_singular_points(case, k):
    point = case.singular[k]
    arrays, static = split_sample(point.args)
    fun = bind(case, fnp, static)
    if point.grads is None:
        check_grads(fun, arrays, order=point.order, rtol=case.rtol, atol=case.atol)
        return
    floats = _floats(arrays)
    argnums = tuple(floats)
    by_rev = fg.grad(lambda *a: fnp.sum(fun(*a)), argnums=argnums)(*arrays)
    rng = np.random.default_rng(k)
    for n, (i, want) in enumerate(zip(floats, point.grads)):
        np.testing.assert_allclose(by_rev[n], want, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{case.id} at {point.note or point.args}: reverse mode")
        u = rng.standard_normal(np.shape(arrays[i]))
        tangents = tuple(u if j == i else np.zeros_like(arrays[j]) for j in floats)

        def on_floats(*fl):
            full = list(arrays)
            for j, x in zip(floats, fl):
                full[j] = x
            return fun(*full)
        _, out_t = fg.jvp(on_floats, tuple(arrays[j] for j in floats), tangents)
        np.testing.assert_allclose(np.sum(out_t), np.sum(np.asarray(want) * u), rtol=1e-10,
                                   err_msg=f"{case.id} at {point.note or point.args}: forward mode")


@pytest.mark.parametrize("case", [c for c in CASES if not c.differentiable], ids=_id)
@given(data=st.data())
@SOME
def test_nondifferentiable_ops_have_zero_derivative(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    floats = _floats(arrays)
    if not floats:
        return
    fun = bind(case, fnp, static)

    on_floats = with_fixed_args(fun, arrays, floats)
    primals = tuple(arrays[j] for j in floats)
    _, out_t = fg.jvp(on_floats, primals, tuple(np.ones_like(p) for p in primals))
    for t in tree_flatten(out_t)[0]:
        assert not np.any(t), f"{case.id}: a non-differentiable op gave a nonzero tangent"


# -- values, dtypes, mutation ---------------------------------------------------------------

@pytest.mark.parametrize("case", [c for c in CASES if c.reference], ids=_id)
@given(data=st.data())
@SOME
def test_values_match_numpy(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    with np.errstate(all="ignore"):
        want = bind(case, np, static)(*arrays)
    got = bind(case, fnp, static)(*arrays)
    for g, w in zip(tree_flatten(got)[0], tree_flatten(want)[0]):
        assert np.shape(g) == np.shape(w), f"{case.id}: shape {np.shape(g)} vs NumPy {np.shape(w)}"
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("case", [c for c in DIFFERENTIABLE if c.float32], ids=_id)
@given(data=st.data())
@SOME
def test_float32_in_float32_out_and_inputs_not_mutated(case, data):
    arrays, static = split_sample(data.draw(case.inputs))
    arrays = tuple(a.astype(np.float32) if np.asarray(a).dtype == np.float64 else a for a in arrays)
    copies = [np.array(a, copy=True) for a in arrays]
    fun = bind(case, fnp, static)
    floats = _floats(arrays)
    out, pullback = fg.vjp(lambda *fl: fun(*_fill(arrays, floats, fl)),
                           *[arrays[i] for i in floats])
    for o in tree_flatten(out)[0]:
        if np.issubdtype(np.asarray(o).dtype, np.floating):
            assert np.asarray(o).dtype == np.float32, f"{case.id}: float32 in, {o.dtype} out"
    cotangent = tree_map_float(out)
    for g in pullback(cotangent):
        assert np.asarray(g).dtype == np.float32, f"{case.id}: float32 input, {g.dtype} gradient"
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c, err_msg=f"{case.id} mutated its input")


def _fill(arrays, floats, fl):
    full = list(arrays)
    for j, x in zip(floats, fl):
        full[j] = x
    return full


def tree_map_float(out):
    from funcgrad.tree_util import tree_map
    return tree_map(lambda o: np.ones(np.shape(o), np.asarray(o).dtype), out)
