"""Every input generator of the op tables, in one place.

Shapes include 0-d arrays, size-1 axes and broadcasting pairs; values stay inside each op's
domain and away from its singular points (those are explicit `Singular` table entries instead).
Values on a coarse grid keep ties out of sort, max and friends: finite differences across a tie
would measure a different one-sided derivative.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcast_pair(max_dims=3):
    """Two shapes that broadcast together (size-1 axes and missing leading axes included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             max_side=MAX_SIDE).map(lambda s: s.input_shapes)


# value domains: name -> (low, high)
DOMAINS = {
    "real": (-2.0, 2.0),
    "positive": (0.5, 2.0),
    "unit": (-0.8, 0.8),          # inside (-1, 1): arcsin, arctanh
    "above_one": (1.2, 3.0),      # arccosh
    "away_from_zero": (0.4, 2.0),  # magnitudes for division; the sign is drawn separately
}


def values(shape, domain="real", dtype=np.float64):
    """A float array of `shape` with elements inside `domain`."""
    low, high = DOMAINS[domain] if isinstance(domain, str) else domain
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    if domain == "away_from_zero":
        elements = st.tuples(elements, st.sampled_from([-1.0, 1.0])).map(lambda p: p[0] * p[1])
    return hnp.arrays(dtype, shape, elements=elements)


def distinct(shape, offset=0.05, dtype=np.float64):
    """Elements on the grid k * 0.37 + offset, all different, so ties are at least 0.37 apart
    (far beyond a finite-difference step). Arrays drawn with offsets 0.05 and 0.2 never share a
    value either. Shapes up to 29 elements (MAX_SIDE = 3, three axes: 27)."""
    size = int(np.prod(shape, dtype=np.int64))
    return st.permutations(range(-14, 15)).map(
        lambda ks: (np.array(ks[:size], dtype=np.float64) * 0.37 + offset).astype(dtype).reshape(shape))


def array(domain="real", min_dims=0, max_dims=3, min_side=1):
    return shapes(min_dims, max_dims, min_side).flatmap(lambda s: values(s, domain))


def unary(domain="real", min_dims=0, max_dims=3):
    """A 1-tuple of one array: the inputs of a one-argument op."""
    return array(domain, min_dims, max_dims).map(lambda x: (x,))


def ternary_where():
    """(condition, x, y) of three broadcasting shapes."""
    return hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=MAX_SIDE).flatmap(
        lambda s: st.tuples(hnp.arrays(np.bool_, s.input_shapes[0]), values(s.input_shapes[1]),
                            values(s.input_shapes[2])))


def binary(first="real", second="real"):
    """Two arrays of broadcasting shapes."""
    return broadcast_pair().flatmap(
        lambda shapes: st.tuples(values(shapes[0], first), values(shapes[1], second)))


def binary_distinct():
    """Two arrays of broadcasting shapes that never share a value (maximum, minimum...)."""
    return broadcast_pair().flatmap(
        lambda shapes: st.tuples(distinct(shapes[0], 0.05), distinct(shapes[1], 0.2)))


def with_axis(arrays, allow_none=True):
    """(array, axis) pairs: a valid axis of the array (or None), negative axes included."""
    def pick(x):
        ndim = np.ndim(x)
        choices = [st.integers(-ndim, ndim - 1)] if ndim else []
        if allow_none or not ndim:
            choices.append(st.none())
        return st.tuples(st.just(x), st.one_of(*choices))
    return arrays.flatmap(pick)


def matrix_pair(batch=True):
    """(a, b) with a @ b defined: vectors, matrices, broadcasting stacks of matrices."""
    def build(dims):
        n, k, m, a_nd, b_nd, lead = dims
        a_shape = {1: (k,), 2: (n, k), 3: (lead, n, k)}[a_nd]
        b_shape = {1: (k,), 2: (k, m), 3: (1, k, m)}[b_nd]
        return st.tuples(values(a_shape), values(b_shape))
    side = st.integers(1, MAX_SIDE)
    nd = st.integers(1, 3 if batch else 2)
    return st.tuples(side, side, side, nd, nd, side).flatmap(build)
