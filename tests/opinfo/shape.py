"""Shape ops: reshape, broadcast_to, transpose, concatenate, flip, and the composites on them
(ravel, squeeze, swapaxes, stack, hstack, vstack, split, tile, repeat, roll, expand_dims...)."""
import numpy as np
from hypothesis import strategies as st

from tests.opinfo import Case
from tests.opinfo import strategies as S


def _permuted(x):
    return st.permutations(range(np.ndim(x))).map(lambda p: (x, {"axes": tuple(p)}))


def _same_shape_pair(min_dims=1):
    return S.shapes(min_dims=min_dims).flatmap(lambda s: st.tuples(S.values(s), S.values(s)))


CASES = [
    Case("reshape", lambda xp, x: xp.reshape(x, (-1,)), S.unary(min_dims=1), name="flatten"),
    Case("reshape", lambda xp, x: xp.reshape(x, (1,) + x.shape + (1,)), S.unary(), name="pad"),
    Case("reshape", lambda xp, x: xp.ravel(x), S.unary(min_dims=2), name="ravel"),
    Case("reshape", lambda xp, x: xp.squeeze(x), S.unary(min_dims=1), name="squeeze"),
    Case("reshape", lambda xp, x: xp.expand_dims(x, -1), S.unary(), name="expand_dims"),
    Case("broadcast_to", lambda xp, x: xp.broadcast_to(x, (2,) + x.shape), S.unary()),
    Case("broadcast_to", lambda xp, x: xp.tile(x, (2, 1)), S.unary(min_dims=1), name="tile"),
    Case("transpose", lambda xp, x, axes: xp.transpose(x, axes), S.array(min_dims=2).flatmap(_permuted)),
    Case("transpose", lambda xp, x: xp.swapaxes(x, 0, -1), S.unary(min_dims=2), name="swapaxes"),
    Case("transpose", lambda xp, x: xp.moveaxis(x, 0, -1), S.unary(min_dims=2), name="moveaxis"),
    Case("concatenate", lambda xp, x, y: xp.concatenate([x, y, x], axis=0), _same_shape_pair()),
    Case("concatenate", lambda xp, x, y: xp.stack([x, y], axis=-1), _same_shape_pair(0), name="stack"),
    # a constant among the inputs: forward mode gives it a zero tangent (the joint rule)
    Case("concatenate", lambda xp, x, y: xp.concatenate([x, xp.ones_like(x), y]),
         _same_shape_pair(), name="constant_input"),
    Case("concatenate", lambda xp, x, y: xp.hstack([x, y]), _same_shape_pair(), name="hstack"),
    Case("concatenate", lambda xp, x, y: xp.vstack([x, y]), _same_shape_pair(), name="vstack"),
    Case("concatenate", lambda xp, x: xp.roll(x, 1, axis=0), S.unary(min_dims=1).filter(
        lambda a: a[0].shape[0] > 1), name="roll"),
    Case("flip", lambda xp, x, axis: xp.flip(x, axis), S.with_axis(S.array()).map(
        lambda xa: (xa[0], {"axis": xa[1]}))),
    Case("getitem", lambda xp, x: xp.split(x, 2, axis=0)[1],
         S.array(min_dims=1).filter(lambda x: x.shape[0] % 2 == 0).map(lambda x: (x,)),
         name="split"),
    Case("getitem", lambda xp, x: xp.array_split(x, 2, axis=-1)[0], S.unary(min_dims=1),
         name="array_split"),
    Case("getitem", lambda xp, x: xp.repeat(x, 2, axis=0), S.unary(min_dims=1), name="repeat"),
    Case("getitem", lambda xp, x: xp.repeat(x, [2, 0, 1][:x.shape[-1]] + [1] * (x.shape[-1] - 3),
                                             axis=-1), S.unary(min_dims=1), name="repeat_counts"),
]
