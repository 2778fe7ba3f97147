"""funcgrad.optimizers: trajectories against funcgrad.torch.optim and real PyTorch (to 1e-10),
schedules against their formulas (and optax's where installed), clipping, jit, the SciPy bridge,
and ravel_pytree against JAX's."""
import math

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
import funcgrad.optimizers as opt
from funcgrad.flatten_util import ravel_pytree

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 3))
Y = RNG.standard_normal(4)
STEPS = 30


def loss(p):
    return fnp.sum((A @ p["w"] + p["b"] - Y) ** 2) + 0.1 * fnp.sum(p["w"] ** 4)


def start():
    return {"w": np.ones(3), "b": np.array(0.5)}


def run(optimizer, steps=STEPS, params=None):
    params = start() if params is None else params
    state = optimizer.init(params)
    for _ in range(steps):
        grads = fg.grad(loss)(params)
        updates, state = optimizer.update(grads, state, params)
        params = opt.apply_updates(params, updates)
    return params


# (ours, torch.optim class name, its keyword arguments): the overlap of the two libraries
PAIRS = [
    (opt.sgd(0.01), "SGD", dict(lr=0.01)),
    (opt.sgd(0.01, momentum=0.9), "SGD", dict(lr=0.01, momentum=0.9)),
    (opt.momentum(0.01, 0.8), "SGD", dict(lr=0.01, momentum=0.8)),
    (opt.nesterov(0.01, 0.9), "SGD", dict(lr=0.01, momentum=0.9, nesterov=True)),
    (opt.sgd(0.01, momentum=0.9, nesterov=True, weight_decay=0.1), "SGD",
     dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (opt.sgd(0.01, momentum=0.9, dampening=0.3), "SGD", dict(lr=0.01, momentum=0.9, dampening=0.3)),
    (opt.adam(0.05), "Adam", dict(lr=0.05)),
    (opt.adam(0.05, b1=0.8, b2=0.99, eps=1e-6), "Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    (opt.adam(0.05, amsgrad=True, weight_decay=0.1), "Adam",
     dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    (opt.adamw(0.05, weight_decay=0.01), "AdamW", dict(lr=0.05, weight_decay=0.01)),
    (opt.adamw(0.05, weight_decay=0.2, amsgrad=True), "AdamW",
     dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    (opt.rmsprop(0.01, decay=0.99, eps_in_sqrt=False), "RMSprop", dict(lr=0.01)),
    (opt.rmsprop(0.01, decay=0.9, eps_in_sqrt=False, centered=True, momentum=0.5), "RMSprop",
     dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5)),
    (opt.rmsprop(0.01, decay=0.99, eps_in_sqrt=False, weight_decay=0.1), "RMSprop",
     dict(lr=0.01, weight_decay=0.1)),
    (opt.adagrad(0.1), "Adagrad", dict(lr=0.1)),
    (opt.adagrad(0.1, initial_accumulator_value=0.2, weight_decay=0.05), "Adagrad",
     dict(lr=0.1, initial_accumulator_value=0.2, weight_decay=0.05)),
]
IDS = [f"{name}-{i}" for i, (_, name, _) in enumerate(PAIRS)]


def _torch_run(torch, name, kwargs):
    w = torch.ones(3, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    optimizer = getattr(torch.optim, name)([w, b], **kwargs)
    a, y = torch.tensor(A), torch.tensor(Y)
    for _ in range(STEPS):
        optimizer.zero_grad()
        value = ((a @ w + b - y) ** 2).sum() + 0.1 * (w ** 4).sum()
        value.backward()
        optimizer.step()
    return {"w": w.detach().numpy(), "b": b.detach().numpy()}


@pytest.mark.parametrize("ours,name,kwargs", PAIRS, ids=IDS)
def test_same_trajectory_as_funcgrad_torch_optim(ours, name, kwargs):
    import funcgrad.torch as ftorch
    want = _torch_run(ftorch, name, kwargs)
    got = run(ours)
    for k in ("w", "b"):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ours,name,kwargs", PAIRS, ids=IDS)
def test_same_trajectory_as_pytorch(ours, name, kwargs):
    torch = pytest.importorskip("torch")
    want = _torch_run(torch, name, kwargs)
    got = run(ours)
    for k in ("w", "b"):
        np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-12)
    assert not np.allclose(got["w"], start()["w"])  # it moved


def test_optax_defaults_match_optax():
    optax = pytest.importorskip("optax")
    import jax
    jax.config.update("jax_enable_x64", True)
    for ours, theirs in [(opt.adam(0.05), optax.adam(0.05)), (opt.rmsprop(0.01), optax.rmsprop(0.01)),
                         (opt.adamw(0.05), optax.adamw(0.05)), (opt.sgd(0.1, 0.9), optax.sgd(0.1, 0.9))]:
        p = start()
        state = theirs.init(p)
        for _ in range(STEPS):
            g = fg.grad(loss)(p)
            u, state = theirs.update(g, state, p)
            p = {k: np.asarray(v) for k, v in optax.apply_updates(p, u).items()}
        np.testing.assert_allclose(run(ours)["w"], p["w"], rtol=1e-9)


def test_updates_keep_structure_and_dtype_and_run_under_jit():
    params = {"w": np.ones(3, np.float32), "b": (np.zeros(2, np.float32),)}
    optimizer = opt.adam(0.1)
    state = optimizer.init(params)
    grads = fg.tree_util.tree_map(lambda p: p + 1, params)
    step = fg.jit(lambda g, s, p: optimizer.update(g, s, p))
    updates, state2 = step(grads, state, params)
    eager_updates, eager_state = optimizer.update(grads, state, params)
    new = opt.apply_updates(params, updates)
    assert fg.tree_util.tree_structure(new) == fg.tree_util.tree_structure(params)
    assert new["w"].dtype == np.float32
    for a, b in zip(fg.tree_util.tree_leaves(updates), fg.tree_util.tree_leaves(eager_updates)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert int(state2[0].count) == 1


def test_chain_with_clipping_and_schedule():
    schedule = opt.exponential_decay(0.1, transition_steps=10, decay_rate=0.5)
    optimizer = opt.chain(opt.clip_by_global_norm(1.0), opt.scale_by_adam(),
                          opt.scale_by_learning_rate(schedule))
    p = run(optimizer, steps=5)
    assert np.all(np.isfinite(p["w"]))
    grads = {"a": np.array([3.0, 4.0]), "b": np.array(12.0)}  # global norm 13
    clipped, _ = opt.clip_by_global_norm(1.3).update(grads, opt.EmptyState())
    np.testing.assert_allclose(clipped["a"], [0.3, 0.4])
    np.testing.assert_allclose(clipped["b"], 1.2)
    same, _ = opt.clip_by_global_norm(20.0).update(grads, opt.EmptyState())
    np.testing.assert_allclose(same["a"], grads["a"])
    valued, _ = opt.clip(3.5).update(grads, opt.EmptyState())
    np.testing.assert_allclose(valued["a"], [3.0, 3.5])


def test_clip_by_global_norm_matches_torch_clip_grad_norm():
    torch = pytest.importorskip("torch")
    grads = [np.array([3.0, -4.0]), np.array([[1.0, 2.0], [0.5, 7.0]])]
    tensors = [torch.zeros_like(torch.tensor(g), requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_(tensors, 2.0)
    ours, _ = opt.clip_by_global_norm(2.0).update(grads, opt.EmptyState())
    for o, t in zip(ours, tensors):
        np.testing.assert_allclose(o, t.grad.numpy(), rtol=1e-6)  # torch adds 1e-6 to the norm


def test_schedules_by_formula():
    np.testing.assert_allclose(opt.constant_schedule(0.3)(7), 0.3)
    lin = opt.linear_schedule(1.0, 0.0, 10, transition_begin=5)
    np.testing.assert_allclose([lin(0), lin(5), lin(10), lin(20)], [1.0, 1.0, 0.5, 0.0])
    exp = opt.exponential_decay(1.0, 10, 0.5)
    np.testing.assert_allclose([exp(0), exp(10), exp(5)], [1.0, 0.5, 0.5 ** 0.5])
    stair = opt.exponential_decay(1.0, 10, 0.5, staircase=True, end_value=0.3)
    np.testing.assert_allclose([stair(9), stair(10), stair(40)], [1.0, 0.5, 0.3])
    cos = opt.cosine_decay_schedule(2.0, 100, alpha=0.1)
    np.testing.assert_allclose([cos(0), cos(50), cos(100), cos(200)],
                               [2.0, 2.0 * (0.9 * 0.5 + 0.1), 0.2, 0.2])
    warm = opt.warmup_cosine_decay_schedule(0.0, 1.0, 10, 110, end_value=0.1)
    np.testing.assert_allclose([warm(0), warm(5), warm(10), warm(60), warm(110)],
                               [0.0, 0.5, 1.0, 0.1 + 0.9 * 0.5, 0.1], atol=1e-12)
    piece = opt.piecewise_constant_schedule(1.0, {10: 0.5, 20: 0.1})
    np.testing.assert_allclose([piece(9), piece(10), piece(25)], [1.0, 0.5, 0.05])


def test_schedules_match_optax():
    optax = pytest.importorskip("optax")
    pairs = [(opt.exponential_decay(0.5, 7, 0.3, transition_begin=3, staircase=True),
              optax.exponential_decay(0.5, 7, 0.3, transition_begin=3, staircase=True)),
             (opt.cosine_decay_schedule(1.0, 50, alpha=0.2, exponent=2.0),
              optax.cosine_decay_schedule(1.0, 50, alpha=0.2, exponent=2.0)),
             (opt.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.05),
              optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.05))]
    for ours, theirs in pairs:
        for step in [0, 3, 9, 10, 11, 40, 100, 150]:
            assert float(ours(step)) == pytest.approx(float(theirs(step)), rel=1e-6, abs=1e-9)


def test_schedule_as_learning_rate_matches_torch_lambda_lr():
    torch = pytest.importorskip("torch")
    schedule = opt.exponential_decay(0.1, 1, 0.9)
    w = torch.ones(3, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.1)
    sched = torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.9)
    a, y = torch.tensor(A), torch.tensor(Y)
    for _ in range(STEPS):
        optimizer.zero_grad()
        (((a @ w + b - y) ** 2).sum() + 0.1 * (w ** 4).sum()).backward()
        optimizer.step()
        sched.step()
    got = run(opt.sgd(schedule))
    np.testing.assert_allclose(got["w"], w.detach().numpy(), rtol=1e-10)


def test_minimize_bridges_to_scipy_lbfgs():
    pytest.importorskip("scipy")
    best, info = opt.minimize(loss, start())
    assert info.success
    g = fg.grad(loss)(best)
    assert max(np.max(np.abs(g["w"])), abs(float(g["b"]))) < 1e-4
    best_jit, _ = opt.minimize(loss, start(), jit=True, method="BFGS")
    np.testing.assert_allclose(best_jit["w"], best["w"], atol=1e-4)
    assert isinstance(best, dict) and best["w"].shape == (3,)


def test_rosenbrock_converges_with_adam_and_lbfgs():
    pytest.importorskip("scipy")

    def rosen(p):
        x, y = p["x"], p["y"]
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    best, _ = opt.minimize(rosen, {"x": np.array(-1.0), "y": np.array(2.0)})
    assert float(best["x"]) == pytest.approx(1.0, abs=1e-4)


# -- ravel_pytree ------------------------------------------------------------------------------

def test_ravel_pytree_round_trip_and_order():
    tree = {"b": (np.ones((2, 2)), np.array(3.0)), "a": np.arange(3.0)}
    flat, unravel = ravel_pytree(tree)
    np.testing.assert_array_equal(flat, [0, 1, 2, 1, 1, 1, 1, 3])  # keys sorted, as JAX
    back = unravel(flat)
    assert fg.tree_util.tree_structure(back) == fg.tree_util.tree_structure(tree)
    for x, y in zip(fg.tree_util.tree_leaves(back), fg.tree_util.tree_leaves(tree)):
        np.testing.assert_array_equal(x, y)
        assert x.shape == y.shape
    with pytest.raises(ValueError, match="shape"):
        unravel(np.zeros(3))


def test_ravel_pytree_dtypes_and_empty():
    flat, unravel = ravel_pytree([np.ones(2, np.float32), np.arange(2)])
    assert flat.dtype == np.float64
    back = unravel(flat)
    assert back[0].dtype == np.float32 and back[1].dtype == np.int64
    flat, unravel = ravel_pytree({})
    assert flat.shape == (0,) and unravel(flat) == {}


def test_ravel_pytree_matches_jax():
    jax = pytest.importorskip("jax")
    from jax.flatten_util import ravel_pytree as jax_ravel
    jax.config.update("jax_enable_x64", True)
    tree = {"w": np.arange(6.0).reshape(2, 3), "b": [np.array(1.0), np.array([2.0, 3.0])]}
    np.testing.assert_array_equal(ravel_pytree(tree)[0], np.asarray(jax_ravel(tree)[0]))


def test_ravel_pytree_under_grad_and_vmap():
    tree = {"w": np.ones(3), "b": np.array(2.0)}
    flat, unravel = ravel_pytree(tree)
    g = fg.grad(lambda v: loss(unravel(v)))(flat)
    want = ravel_pytree(fg.grad(loss)(tree))[0]
    np.testing.assert_allclose(g, want)
    g2 = fg.grad(lambda t: fnp.sum(ravel_pytree(t)[0] ** 2))(tree)
    np.testing.assert_allclose(g2["w"], 2 * tree["w"])
    batch = fg.vmap(lambda v: fnp.sum(unravel(v)["w"]))(np.stack([flat, 2 * flat]))
    np.testing.assert_allclose(batch, [3.0, 6.0])
    assert math.isfinite(float(fg.jit(lambda v: loss(unravel(v)))(flat)))


def test_global_norm_has_norms_derivative_convention_at_the_zero_tree():
    """0 at the zero tree as `norm`'s convention says (sqrt of a sum of squares gave nan), and the
    gradient and Hessian of the 2-norm elsewhere."""
    zero = {"a": np.zeros(3), "b": 0.0}
    grads = fg.grad(opt.global_norm)(zero)
    np.testing.assert_array_equal(grads["a"], np.zeros(3))
    assert float(grads["b"]) == 0.0
    x = np.array([1.0, 2.0, -3.0, 0.5])
    tree = {"a": x[:3], "b": x[3]}
    grads = fg.grad(opt.global_norm)(tree)
    np.testing.assert_allclose(np.append(grads["a"], grads["b"]), x / np.linalg.norm(x), rtol=1e-14)
    np.testing.assert_allclose(fg.hessian(lambda v: opt.global_norm({"a": v}))(x),
                               fg.hessian(fnp.linalg.norm)(x), rtol=1e-14)
