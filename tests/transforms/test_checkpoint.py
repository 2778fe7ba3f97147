"""checkpoint: same derivatives, less memory for the reverse pass."""
import tracemalloc

import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp

rng = np.random.default_rng(4)


def _layer(x, w):
    return fnp.tanh(x * w + 0.1)


def _block(x, w):
    for _ in range(10):
        x = _layer(x, w)
    return x


def test_same_gradients_in_every_mode():
    x, w = rng.standard_normal(5), rng.standard_normal(5)
    plain = lambda x, w: fnp.sum(_block(_block(x, w), w))  # noqa: E731
    remat = lambda x, w: fnp.sum(fg.checkpoint(_block)(fg.checkpoint(_block)(x, w), w))  # noqa: E731
    for g in (fg.grad(plain, argnums=(0, 1))(x, w),):
        h = fg.grad(remat, argnums=(0, 1))(x, w)
        np.testing.assert_allclose(h[0], g[0], rtol=1e-12) and np.testing.assert_allclose(h[1], g[1])
    np.testing.assert_allclose(fg.jacfwd(remat)(x, w), fg.jacrev(plain)(x, w), rtol=1e-10)
    np.testing.assert_allclose(fg.hessian(remat)(x, w), fg.hessian(plain)(x, w), rtol=1e-9)
    xs = rng.standard_normal((3, 5))
    np.testing.assert_allclose(fg.vmap(fg.grad(remat), in_axes=(0, None))(xs, w),
                               fg.vmap(fg.grad(plain), in_axes=(0, None))(xs, w), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.grad(remat))(x, w), fg.grad(plain)(x, w), rtol=1e-12)


def _peak_bytes(fun, *args):
    tracemalloc.start()
    try:
        fun(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_of_grad_of_a_deep_chain_falls():
    x, w = rng.standard_normal(20_000), rng.standard_normal(20_000) * 0.1
    blocks = 8
    plain = fg.grad(lambda x: fnp.sum(_chain(x, w, blocks, remat=False)))
    remat = fg.grad(lambda x: fnp.sum(_chain(x, w, blocks, remat=True)))
    np.testing.assert_allclose(remat(x), plain(x), rtol=1e-12)
    stored, recomputed = _peak_bytes(plain, x), _peak_bytes(remat, x)
    # 80 layers x 3 arrays of 160 kB stored vs 8 block boundaries + one block at a time
    assert recomputed < 0.4 * stored, (recomputed, stored)


def _chain(x, w, blocks, remat):
    block = fg.checkpoint(_block) if remat else _block
    for _ in range(blocks):
        x = block(x, w)
    return x


def test_jax_signature_keywords_static_argnums_and_policies():
    import functools
    assert float(fg.grad(fg.checkpoint(lambda x, n: x ** n, static_argnums=(1,)))(2.0, 3)) == 12.0
    assert float(fg.grad(lambda x: fg.checkpoint(lambda x, y: x * y)(x, y=3.0))(2.0)) == 3.0
    block = functools.partial(fg.checkpoint, policy=fg.checkpoint_policies.nothing_saveable,
                              prevent_cse=False)(fnp.sin)
    assert float(fg.grad(block)(0.0)) == 1.0
    assert "checkpoint" in str(fg.make_trace(lambda x: block(x) * 2)(0.5))
    saved = fg.checkpoint(fnp.sin, policy=fg.checkpoint_policies.everything_saveable)
    assert "checkpoint" not in str(fg.make_trace(lambda x: saved(x) * 2)(0.5))
