"""Assembling, padding, differences, signals and placing (funcgrad/numpy/_assembly.py): values
equal NumPy's, derivatives match finite differences to second order in both modes, and plain
`np.<name>(tracer)` dispatches to them."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import funcgrad as fg
import funcgrad.numpy as fnp

RNG = np.random.default_rng(3)
V = RNG.standard_normal(5)
M = RNG.standard_normal((3, 4))
T = RNG.standard_normal((2, 3, 4))
K = np.array([0.5, -1.0, 2.0])
IDX = np.array([[0, 2, 1, 0], [1, 1, 0, 2]])

# (name, f(xp, x), x): f must give the same value with xp = numpy and xp = funcgrad.numpy
def _cross(xp, a, b, **axes):
    """xp.cross; NumPy's reference for 2-vectors (deprecated in NumPy 2) is the 3-d product of the
    vectors with a zero z component (the z component alone when both are 2-vectors)."""
    if xp is not np:
        return xp.cross(a, b, **axes)
    a, b = np.moveaxis(a, axes.get("axisa", -1), -1), np.moveaxis(b, axes.get("axisb", -1), -1)
    both_2d = a.shape[-1] == b.shape[-1] == 2

    def as_3d(v):
        return np.concatenate([v, np.zeros(v.shape[:-1] + (3 - v.shape[-1],))], axis=-1)
    out = np.cross(as_3d(a), as_3d(b))
    return out[..., 2] if both_2d else np.moveaxis(out, -1, axes.get("axisc", -1))


CASES = [
    ("kron", lambda xp, x: xp.kron(x, M[:2, :2]), M[:2, :3]),
    ("kron_1d_2d", lambda xp, x: xp.kron(x, M), V[:2]),
    ("cross3", lambda xp, x: xp.cross(x, M[:, :3]), M[::-1, 1:]),
    ("cross2", lambda xp, x: _cross(xp, x, M[:, :2]), M[:, 2:]),
    ("cross_2_3", lambda xp, x: _cross(xp, x, M[:, :3]), M[:, 2:]),
    ("cross_axis", lambda xp, x: _cross(xp, x, M[:3, :2], axisa=0, axisb=0, axisc=0), M[:, :2]),
    ("pad_constant", lambda xp, x: xp.pad(x, ((1, 2), (0, 1)), constant_values=0.5), M),
    ("pad_edge", lambda xp, x: xp.pad(x, 2, mode="edge"), M),
    ("pad_reflect", lambda xp, x: xp.pad(x, ((1, 5), (2, 3)), mode="reflect"), M),
    ("pad_symmetric", lambda xp, x: xp.pad(x, ((2, 1), (4, 0)), mode="symmetric"), M),
    ("pad_wrap", lambda xp, x: xp.pad(x, ((1, 4), (2, 2)), mode="wrap"), M),
    ("pad_linear_ramp", lambda xp, x: xp.pad(x, (2, 3), mode="linear_ramp", end_values=(1, -1)), V),
    ("pad_mean", lambda xp, x: xp.pad(x, ((1, 1), (2, 1)), mode="mean", stat_length=2), M),
    ("pad_maximum", lambda xp, x: xp.pad(x, 2, mode="maximum"), V),
    ("pad_median", lambda xp, x: xp.pad(x, (1, 2), mode="median", stat_length=3), V),
    ("diff", lambda xp, x: xp.diff(x), M),
    ("diff_n2_axis0", lambda xp, x: xp.diff(x, n=2, axis=0), T),
    ("diff_prepend", lambda xp, x: xp.diff(x, prepend=1.5, append=M[:, :1]), M),
    ("ediff1d", lambda xp, x: xp.ediff1d(x, to_begin=[1.0], to_end=2.0), M),
    ("gradient", lambda xp, x: xp.gradient(x, 0.5), V),
    ("gradient_edge2", lambda xp, x: xp.gradient(x, edge_order=2, axis=1), M),
    ("gradient_2d", lambda xp, x: xp.stack(xp.gradient(x, 2.0, [0.0, 0.5, 1.5, 1.75])), M),
    ("gradient_coords_edge2", lambda xp, x: xp.gradient(x, np.array([0.0, 0.3, 1.0, 1.2, 2.0]),
                                                         edge_order=2), V),
    ("rot90", lambda xp, x: xp.rot90(x), M),
    ("rot90_k2", lambda xp, x: xp.rot90(x, 2), M),
    ("rot90_k3_axes", lambda xp, x: xp.rot90(x, -1, axes=(2, 0)), T),
    ("rollaxis", lambda xp, x: xp.rollaxis(x, 2), T),
    ("rollaxis_start", lambda xp, x: xp.rollaxis(x, 0, 3), T),
    ("hsplit", lambda xp, x: xp.hsplit(x, 2)[1], M),
    ("vsplit", lambda xp, x: xp.vsplit(x, [1])[1], M),
    ("dsplit", lambda xp, x: xp.dsplit(x, [1, 3])[1], T),
    ("block", lambda xp, x: xp.block([[x, M[:, :1]], [M[:1, :3] * 2, M[:1, 1:2]]]), M[:, :3]),
    ("block_1d", lambda xp, x: xp.block([x, V[:2], 1.0]), V),
    ("diagflat", lambda xp, x: xp.diagflat(x, 1), M[:2, :2]),
    ("meshgrid", lambda xp, x: xp.stack(xp.meshgrid(x, x[:3] * 2)), V),
    ("meshgrid_ij", lambda xp, x: xp.meshgrid(x, V[:2], x[:3], indexing="ij")[2], V),
    ("trapezoid", lambda xp, x: xp.trapezoid(x), M),
    ("trapezoid_x", lambda xp, x: xp.trapezoid(x, x=np.array([0.0, 1.0, 1.5]), axis=0), M),
    ("trapezoid_dx", lambda xp, x: xp.trapezoid(x, dx=0.3), V),
    ("convolve", lambda xp, x: xp.convolve(x, K), V),
    ("convolve_same", lambda xp, x: xp.convolve(K, x, mode="same"), V),
    ("convolve_valid", lambda xp, x: xp.convolve(x, K, mode="valid"), V),
    ("convolve_even", lambda xp, x: xp.convolve(x, V[:4], mode="same"), V),
    ("correlate", lambda xp, x: xp.correlate(x, K), V),
    ("correlate_full", lambda xp, x: xp.correlate(K, x, mode="full"), V),
    ("correlate_same", lambda xp, x: xp.correlate(x, V[:4], mode="same"), V),
    ("interp_x", lambda xp, x: xp.interp(x, [-1.0, 0.0, 0.5, 2.0], [1.0, -1.0, 3.0, 0.5]), V),
    ("interp_fp", lambda xp, x: xp.interp(np.array([-2.0, -0.3, 0.7, 3.0]), [-1.0, 0, 0.5, 2.0], x[:4]), V),
    ("interp_lr", lambda xp, x: xp.interp(x, [-1.0, 0.2, 2.0], [1.0, -1.0, 3.0], left=-5.0, right=x[0]), V * 2),
    ("interp_period", lambda xp, x: xp.interp(x, [0.0, 1.0, 2.5], [1.0, -1.0, 3.0], period=3.0), V * 3),
    ("put_along_axis", lambda xp, x: _put(xp, x), M),
    ("choose", lambda xp, x: xp.choose(IDX[:, :3], [x, 2 * x, M[:2, :3]]), M[:2, :3]),
    ("choose_wrap", lambda xp, x: xp.choose(IDX + 2, [x, x ** 2], mode="wrap"), M[:2]),
    ("select", lambda xp, x: xp.select([x > 0, x < -0.5], [x, x ** 2], default=-1.0), M),
    ("piecewise", lambda xp, x: xp.piecewise(x, [x < 0, x > 0.5], [lambda t: t ** 2, xp.sin, 0.25]), M),
    ("vander", lambda xp, x: xp.vander(x, 4), V),
    ("vander_increasing", lambda xp, x: xp.vander(x, increasing=True), V[:3]),
    ("append", lambda xp, x: xp.append(x, M[:1], axis=0), M),
    ("append_flat", lambda xp, x: xp.append(x, [1.0, 2.0]), M),
    ("delete", lambda xp, x: xp.delete(x, [0, 2], axis=1), M),
    ("compress", lambda xp, x: xp.compress([True, False, True], x, axis=0), M),
    ("extract", lambda xp, x: xp.extract(M > 0, x), M),
    ("broadcast_arrays", lambda xp, x: xp.broadcast_arrays(x, M)[0], V[:4]),
    ("unstack", lambda xp, x: xp.unstack(x, axis=1)[2], M),
    ("matrix_transpose", lambda xp, x: xp.matrix_transpose(x), T),
    ("permute_dims", lambda xp, x: xp.permute_dims(x, (1, 2, 0)), T),
    ("cumulative_sum", lambda xp, x: xp.cumulative_sum(x, axis=1, include_initial=True), M),
    ("cumulative_prod", lambda xp, x: xp.cumulative_prod(x), V),
    ("resize", lambda xp, x: xp.resize(x, (3, 4)), V),
    ("copy", lambda xp, x: xp.copy(x) * 2, V),
    ("polyadd", lambda xp, x: xp.polyadd(x, K), V),
    ("polysub", lambda xp, x: xp.polysub(K, x), V),
    ("polymul", lambda xp, x: xp.polymul(x, K), V),
    ("polyder", lambda xp, x: xp.polyder(x, 2), V),
    ("polyint", lambda xp, x: xp.polyint(x, 2, k=[1.0, -2.0]), V),
    ("polyfit", lambda xp, x: xp.polyfit(np.linspace(-1, 1, 5), x, 2), V),
    ("polyfit_w", lambda xp, x: xp.polyfit(x, V * 2, 1, w=np.arange(1.0, 6.0)), V),
    ("poly", lambda xp, x: xp.poly(x), V),
    ("roots", lambda xp, x: xp.roots(x), np.array([1.0, -6.0, 11.0, -6.0])),
    ("kaiser", lambda xp, x: xp.kaiser(6, x[0]), np.array([2.5])),
    ("polydiv_q", lambda xp, x: xp.polydiv(x, K)[0], V),
    ("polydiv_r", lambda xp, x: xp.polydiv(K * 3, x[:2])[1], V),
    ("insert", lambda xp, x: xp.insert(x, [0, 2], x[:1, :2] * 3, axis=1), M[:2, :2]),
    ("insert_flat", lambda xp, x: xp.insert(x, 3, x[0, :2] * 2), M),
    ("geomspace", lambda xp, x: xp.geomspace(x[0], x[1], 5), np.array([2.0, 30.0])),
    ("geomspace_negative", lambda xp, x: xp.geomspace(-x[0], -x[1], 4, endpoint=False), np.array([0.5, 3.0])),
]


def _put(xp, x):
    if xp is np:
        out = x.copy()
        np.put_along_axis(out, IDX, M[:2] * 3, axis=0)
        return out
    return xp.put_along_axis(x, IDX, M[:2] * 3, axis=0)


def _numpy_reference(f, x):
    """NumPy's value, or None where this NumPy is older than the function (2.1's unstack and
    cumulative_sum on NumPy 2.0): funcgrad's derivatives are still checked then."""
    try:
        return f(np, x)
    except AttributeError:
        return None


@pytest.mark.parametrize("name, f, x", CASES, ids=[c[0] for c in CASES])
def test_values_and_derivatives(name, f, x):
    if name == "kaiser":  # its derivative in beta needs i1, from SciPy
        pytest.importorskip("scipy")
    want = _numpy_reference(f, x)
    if want is not None:
        np.testing.assert_allclose(f(fnp, x), want, rtol=1e-12, atol=1e-12)
    fg.testing.check_grads(lambda x: f(fnp, x), (x,), order=2, modes=("fwd", "rev"))


def test_names_dispatch_from_plain_numpy():
    """np.<name>(tracer) reaches funcgrad's function of the same name."""
    for name, f, x in CASES:
        if name in ("put_along_axis", "kaiser") or _numpy_reference(f, x) is None:
            continue  # NumPy's own is in place / does not dispatch / does not exist yet
        primal, tangent = fg.jvp(lambda x: f(np, x), (x,), (np.ones_like(x),))
        np.testing.assert_allclose(primal, f(np, x), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(tangent, fg.jvp(lambda x: f(fnp, x), (x,), (np.ones_like(x),))[1],
                                   rtol=1e-12, atol=1e-12, err_msg=name)


def test_interp_knots_take_the_right_hand_slope():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    points = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    want = np.array([0.0, 2.0, 0.5, 0.5, 0.0, 0.0])
    got = [fg.grad(lambda x: fnp.interp(x, xp, fp))(v) for v in points]
    np.testing.assert_allclose(got, want)
    # the segment search is built from comparisons, so vmap batches it too
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda x: fnp.interp(x, xp, fp)))(points), want)


def test_put_along_axis_last_write_wins_and_overwritten_entries_get_no_gradient():
    x = np.arange(4.0)
    index = np.array([1, 1, 3])

    def f(x, v):
        return fnp.sum(fnp.put_along_axis(x, index, v, axis=0) * np.array([1.0, 2.0, 3.0, 4.0]))

    gx, gv = fg.grad(f, argnums=(0, 1))(x, np.array([10.0, 20.0, 30.0]))
    np.testing.assert_allclose(fnp.put_along_axis(x, index, np.array([10.0, 20.0, 30.0]), 0), [0, 20, 2, 30])
    np.testing.assert_allclose(gx, [1.0, 0.0, 3.0, 0.0])
    np.testing.assert_allclose(gv, [0.0, 2.0, 4.0])


def test_piecewise_functions_only_see_their_entries():
    """log on the positive entries only: no NaN leaks into the gradient from the other piece."""
    g = fg.grad(lambda x: fnp.sum(fnp.piecewise(x, [x > 0], [fnp.log, lambda t: t])))(np.array([-1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0, 0.5])


def test_windows_match_numpy():
    for name in ["bartlett", "blackman", "hamming", "hanning"]:
        np.testing.assert_allclose(getattr(fnp, name)(7), getattr(np, name)(7), err_msg=name)


def test_pad_rejects_non_linear_modes():
    with pytest.raises(NotImplementedError):
        fnp.pad(V, 1, mode="reflect", reflect_type="odd")
    with pytest.raises(ValueError):
        fnp.pad(V, 1, mode="nonsense")


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       mode=st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap", "mean", "maximum",
                             "minimum", "median", "linear_ramp"]),
       widths=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=3),
       seed=st.integers(0, 99))
def test_pad_matches_numpy_for_any_shape(shape, mode, widths, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    widths = widths[:len(shape)]
    np.testing.assert_allclose(fnp.pad(x, widths, mode=mode), np.pad(x, widths, mode=mode), rtol=1e-12)
    cotangent = np.random.default_rng(seed + 1).standard_normal(np.pad(x, widths).shape)
    tangent = np.random.default_rng(seed + 2).standard_normal(shape)
    # adjoint identity <J t, c> = <t, J^T c>: forward and reverse modes agree
    forward = fg.jvp(lambda x: fnp.pad(x, widths, mode=mode), (x,), (tangent,))[1]
    reverse = fg.vjp(lambda x: fnp.pad(x, widths, mode=mode), x)[1](cotangent)[0]
    np.testing.assert_allclose(np.sum(forward * cotangent), np.sum(tangent * reverse), rtol=1e-9, atol=1e-12)


def test_vmap_batches_assembly_and_signals():
    batch = np.stack([V, V[::-1] * 2])
    for name, f in [("pad", lambda x: fnp.pad(x, (1, 3), mode="reflect")), ("kron", lambda x: fnp.kron(x, K)),
                    ("convolve", lambda x: fnp.convolve(x, K, mode="same")), ("diff", lambda x: fnp.diff(x, 2)),
                    ("gradient", lambda x: fnp.gradient(x)), ("interp", lambda x: fnp.interp(x, np.sort(K), K)),
                    ("trapezoid", lambda x: fnp.trapezoid(x)), ("rot90", lambda x: fnp.rot90(fnp.outer(x, K)))]:
        want = np.stack([f(x) for x in batch])
        np.testing.assert_allclose(fg.vmap(f)(batch), want, err_msg=name)
