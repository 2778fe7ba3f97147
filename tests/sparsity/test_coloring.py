"""Colourings are valid on random patterns, and reach the known colour counts."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import funcgrad as fg
from funcgrad.sparse.coloring import ORDERS, is_star_coloring, symmetrized
from funcgrad.sparse.pattern import as_csr

SOME = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@st.composite
def patterns(draw, square=False):
    m = draw(st.integers(1, 14))
    n = m if square else draw(st.integers(1, 14))
    density = draw(st.floats(0.0, 0.6))
    seed = draw(st.integers(0, 2 ** 31))
    return np.random.default_rng(seed).random((m, n)) < density


def columns_structurally_orthogonal(pattern, colors):
    for c in np.unique(colors):
        if (pattern[:, colors == c].sum(axis=1) > 1).any():
            return False
    return True


@pytest.mark.parametrize("order", ORDERS)
@given(pattern=patterns())
@SOME
def test_column_and_row_colorings_are_valid(order, pattern):
    fwd = fg.sparse.coloring(pattern, mode="fwd", order=order)
    assert fwd.mode == "fwd" and fwd.colors.shape == (pattern.shape[1],)
    assert columns_structurally_orthogonal(pattern, fwd.colors)
    rev = fg.sparse.coloring(pattern, mode="rev", order=order)
    assert rev.mode == "rev" and rev.colors.shape == (pattern.shape[0],)
    assert columns_structurally_orthogonal(pattern.T, rev.colors)
    auto = fg.sparse.coloring(pattern, order=order)
    assert auto.n_colors == min(fwd.n_colors, rev.n_colors)


@pytest.mark.parametrize("order", ORDERS)
@given(pattern=patterns(square=True))
@SOME
def test_star_colorings_are_valid(order, pattern):
    star = fg.sparse.coloring(pattern, mode="star", order=order)
    indptr, indices, shape = as_csr(pattern)
    sym_indptr, sym_indices = symmetrized(indptr, indices, shape)
    assert is_star_coloring(sym_indptr, sym_indices, shape[0], star.colors)


def test_the_star_checker_rejects_a_two_colored_path():
    path = np.eye(4, k=1, dtype=bool) | np.eye(4, k=-1, dtype=bool)
    indptr, indices, _ = as_csr(path)
    assert not is_star_coloring(indptr, indices, 4, [0, 1, 0, 1])
    assert is_star_coloring(indptr, indices, 4, [0, 1, 2, 0])


@given(pattern=patterns(square=True), data=st.data())
@SOME
def test_star_decompression_recovers_every_symmetric_entry(pattern, data):
    pattern = pattern | pattern.T | np.eye(len(pattern), dtype=bool)
    values = np.random.default_rng(0).standard_normal(pattern.shape)
    H = np.where(pattern, values + values.T, 0.0)
    colors = fg.sparse.coloring(pattern, mode="star")
    compressed = colors.seeds() @ H  # row c: H @ seed c (H is symmetric)
    rows = colors.rows()
    np.testing.assert_allclose(colors.decompress(compressed), H[rows, colors.indices],
                               rtol=1e-12, atol=1e-12)


def laplacian_2d(n):
    index = np.arange(n * n).reshape(n, n)
    pattern = np.zeros((n * n, n * n), bool)
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
                if 0 <= i + di < n and 0 <= j + dj < n:
                    pattern[index[i, j], index[i + di, j + dj]] = True
    return pattern


def tridiagonal(n):
    return np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)


def test_known_color_counts():
    assert fg.sparse.coloring(tridiagonal(50)).n_colors == 3
    assert fg.sparse.coloring(tridiagonal(50), mode="star").n_colors == 3
    assert fg.sparse.coloring(laplacian_2d(12)).n_colors == 5
    assert fg.sparse.coloring(laplacian_2d(12), mode="star").n_colors == 5


def test_arrow_patterns_choose_the_cheaper_mode():
    dense_row = np.eye(60, dtype=bool)
    dense_row[-1] = True   # a dense row: 60 colours by columns, 2 by rows
    colors = fg.sparse.coloring(dense_row)
    assert (colors.mode, colors.n_colors) == ("rev", 2)
    dense_column = dense_row.T.copy()
    colors = fg.sparse.coloring(dense_column)
    assert (colors.mode, colors.n_colors) == ("fwd", 2)


def test_patterns_in_every_accepted_form_agree():
    sparse = pytest.importorskip("scipy.sparse")
    dense = tridiagonal(7)
    for form in (dense, sparse.csr_array(dense), sparse.coo_matrix(dense),
                 fg.sparse.COOMatrix(np.ones(dense.sum()), *np.nonzero(dense), dense.shape)):
        assert np.array_equal(fg.sparse.coloring(form).colors,
                              fg.sparse.coloring(dense).colors)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="mode"):
        fg.sparse.coloring(tridiagonal(3), mode="columns")
    with pytest.raises(ValueError, match="order"):
        fg.sparse.coloring(tridiagonal(3), order="random")
    with pytest.raises(ValueError, match="square"):
        fg.sparse.coloring(np.ones((2, 3), bool), mode="star")
    with pytest.raises(ValueError, match="2-d"):
        fg.sparse.coloring(np.ones(3, bool))
