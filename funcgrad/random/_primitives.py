"""The random primitives: every draw is a pure function of a key, computed by NumPy's Philox.

A key is a uint32 array of shape (2,) (JAX's raw key layout). The 64 bits it holds, together with
a *domain* word saying what the bits are for (draws, splitting, folding in), make the 128-bit key
of a Philox-4x64 counter-based generator: the same key gives the same numbers on every run and
platform, and different keys give independent streams. Because each draw is a primitive taking the
key as an input, `jit` replays the draw for each new key, `vmap` over a batch of keys gives the
batch of per-key draws, and the draws themselves have no derivative (the key is an integer).
"""
from __future__ import annotations

import numpy as np

from funcgrad.core.primitive import Primitive, ShapedArray
from funcgrad.core.tracer import Tracer
from funcgrad.errors import describe, where
from funcgrad.primitives._util import shape_of
from funcgrad.primitives.indexing import getitem_p
from funcgrad.primitives.shape import stack

KEY_SHAPE = (2,)
KEY_DTYPE = np.dtype(np.uint32)

# the second word of the Philox key: what the bits are for
_DRAW, _SPLIT, _FOLD = 0, 1, 2


def check_key(key, caller: str):
    """`key` as a uint32 array of shape (2,), or a TypeError saying what a key is."""
    shape, dtype = shape_of(key), getattr(key, "dtype", None)
    if tuple(shape) == KEY_SHAPE and dtype == KEY_DTYPE:
        return key
    hint = (" It looks like a batch of keys (from split): map over it with funcgrad.vmap, or "
            "index one key (keys[0])." if len(shape) > 1 and tuple(shape[-1:]) == KEY_SHAPE else "")
    raise TypeError(
        f"funcgrad.random.{caller}: expected a key, a uint32 array of shape (2,) made by "
        f"funcgrad.random.key(seed), but got {describe(key)}{where()}.{hint}")


def _philox(key, domain: int) -> np.random.Philox:
    key = np.asarray(key, np.uint64)
    word = (key[0] << np.uint64(32)) | key[1]
    return np.random.Philox(key=np.array([word, domain], dtype=np.uint64))


def _generator(key) -> np.random.Generator:
    return np.random.Generator(_philox(key, _DRAW))


def _keys_from_words(words) -> np.ndarray:
    words = np.asarray(words, np.uint64)
    return np.stack([(words >> np.uint64(32)).astype(np.uint32),
                     (words & np.uint64(0xFFFFFFFF)).astype(np.uint32)], axis=-1)


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def _loop_batch(primitive):
    """vmap by drawing for each example's key (and parameters) and stacking: example b of the
    batch gets exactly the draws its own key would give unbatched."""
    def rule(values, dims, **params):
        size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
        outs = []
        for b in range(size):
            member = [v if d is None else getitem_p.bind(v, index=(slice(None),) * d + (b,))
                      for v, d in zip(values, dims)]
            outs.append(primitive.bind(*member, **params))
        if not any(isinstance(o, Tracer) for o in outs):
            return np.stack([np.asarray(o) for o in outs]), 0
        return stack(outs, 0), 0
    return rule


def _random_primitive(name, impl, shape, doc):
    prim = Primitive(name, impl, shape=shape, vjp=None, jvp=None, family="random", doc=doc)
    prim.batch = _loop_batch(prim)
    return prim


# -- keys ---------------------------------------------------------------------------------------

def _split_impl(key, shape):
    words = _philox(key, _SPLIT).random_raw(int(np.prod(shape, dtype=np.int64)))
    return _keys_from_words(np.reshape(words, shape))


split_p = _random_primitive(
    "random_split", _split_impl,
    lambda key, shape: ShapedArray(tuple(shape) + KEY_SHAPE, KEY_DTYPE),
    "New keys, independent of each other and of `key`: shape + (2,).")


def _fold_in_impl(key, data):
    data = int(np.asarray(data).astype(np.uint64)) & 0xFFFFFFFF
    return _keys_from_words(_philox(key, _FOLD + data).random_raw(1))[0]


fold_in_p = _random_primitive(
    "random_fold_in", _fold_in_impl, lambda key, data: ShapedArray(KEY_SHAPE, KEY_DTYPE),
    "A new key determined by `key` and the 32-bit integer `data`.")


# -- draws --------------------------------------------------------------------------------------

def _bits_impl(key, shape, dtype):
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    raw = _philox(key, _DRAW).random_raw(n)
    if dtype.itemsize < 8:
        raw = raw >> np.uint64(64 - 8 * dtype.itemsize)  # the top bits: Philox's best mixed
    return raw.astype(dtype).reshape(shape)


bits_p = _random_primitive(
    "random_bits", _bits_impl, lambda key, shape, dtype: ShapedArray(shape, dtype),
    "Uniformly random unsigned integers of `dtype` (uint8/16/32/64).")

uniform_p = _random_primitive(
    "random_uniform", lambda key, shape, dtype: _generator(key).random(shape, dtype),
    lambda key, shape, dtype: ShapedArray(shape, dtype),
    "Floats uniform on [0, 1) (NumPy's Generator.random on the key's Philox stream).")

normal_p = _random_primitive(
    "random_normal", lambda key, shape, dtype: _generator(key).standard_normal(shape, dtype),
    lambda key, shape, dtype: ShapedArray(shape, dtype),
    "Standard normal floats (NumPy's Generator.standard_normal on the key's Philox stream).")


def _gamma_impl(key, alpha, shape, dtype):
    alpha = np.broadcast_to(np.asarray(alpha, dtype), shape)
    return np.asarray(_generator(key).standard_gamma(alpha, dtype=dtype), dtype)


gamma_p = _random_primitive(
    "random_gamma", _gamma_impl, lambda key, alpha, shape, dtype: ShapedArray(shape, dtype),
    "Gamma(alpha, 1) draws (NumPy's Generator.standard_gamma). Its derivative in alpha is given "
    "by funcgrad.random.gamma's implicit reparameterisation, not by this primitive.")


def _poisson_impl(key, lam, shape, dtype):
    return _generator(key).poisson(np.broadcast_to(lam, shape), shape).astype(dtype)


poisson_p = _random_primitive(
    "random_poisson", _poisson_impl, lambda key, lam, shape, dtype: ShapedArray(shape, dtype),
    "Poisson(lam) counts (NumPy's Generator.poisson); integers, so no derivative.")


def random_key(seed) -> np.ndarray:
    """The key of an integer seed: its 64 bits as two uint32 words (so key(0) is [0, 0])."""
    seed = int(seed) % (1 << 64)
    return np.array([seed >> 32, seed & 0xFFFFFFFF], dtype=KEY_DTYPE)


def check_draw_shape(shape, caller: str) -> tuple:
    try:
        return _shape(shape)
    except (TypeError, ValueError):
        raise TypeError(f"funcgrad.random.{caller}: shape must be a tuple of ints, got "
                        f"{shape!r}{where()}.") from None
