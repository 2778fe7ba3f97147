"""Graph colourings of a sparsity pattern, and the index maps that decompress with them.

Columns j and k of a Jacobian are *structurally orthogonal* when no row has a non-zero in both:
then one forward-mode seed e_j + e_k computes both columns at once. A *column colouring* gives
orthogonal columns one colour (a distance-2 colouring of the bipartite row/column graph); a *row
colouring* does the same for rows and reverse mode. The number of colours is the number of
compressed JVPs (VJPs) needed, instead of n (m).

A symmetric Hessian needs fewer: a *star colouring* (a distance-1 colouring in which every path on
four vertices uses at least three colours) lets each H[i, j] be read either from row i of H S at
j's colour (when j is the only column of that colour in row i) or from row j at i's colour.

The algorithms are greedy: vertices are taken in an order (largest-first by default, or
smallest-last, or natural) and each gets the smallest colour its constraints allow. NumPy only.
"""
from __future__ import annotations

import heapq

import numpy as np

ORDERS = ("dsatur", "largest_first", "smallest_last", "natural")


class Coloring:
    """A colouring of a sparsity pattern, ready to decompress compressed derivatives.

    Attributes
    ----------
    mode : "fwd" (columns coloured, forward mode), "rev" (rows, reverse mode) or "star"
        (symmetric, forward-over-reverse Hessians).
    colors : int array, one colour per column ("fwd", "star") or per row ("rev").
    n_colors : the number of compressed products one evaluation costs.
    shape : the shape of the pattern; `indptr`, `indices`: the pattern in CSR form.

    Reuse one Coloring for every evaluation at the same pattern:
    `fg.sparse_jacobian(f, sparsity=fg.sparse.coloring(pattern))`.
    """

    __slots__ = ("mode", "colors", "n_colors", "shape", "indptr", "indices", "order",
                 "_gather", "_seeds")

    def __init__(self, mode, colors, shape, indptr, indices, order):
        self.mode = mode
        self.colors = np.asarray(colors, np.int64)
        self.n_colors = int(self.colors.max()) + 1 if self.colors.size else 0
        self.shape = tuple(shape)
        self.indptr = indptr
        self.indices = indices
        self.order = order
        self._gather = None
        self._seeds = None

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def rows(self):
        """The row of each non-zero, in CSR order."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def seeds(self):
        """The seed matrix, (n_colors, n) for "fwd"/"star" or (n_colors, m) for "rev": row c is
        the sum of the basis vectors of colour c."""
        if self._seeds is None:
            size = self.shape[0] if self.mode == "rev" else self.shape[1]
            seeds = np.zeros((self.n_colors, size))
            seeds[self.colors, np.arange(size)] = 1.0
            seeds.flags.writeable = False  # made once, shared by every evaluation
            self._seeds = seeds
        return self._seeds

    def gather_index(self):
        """For each non-zero in CSR order, its flat position in the compressed result: (n_colors,
        m) for "fwd"/"star" (row c = J @ seed c), (n_colors, n) for "rev" (row c = seed c @ J)."""
        if self._gather is None:
            self._gather = _gather_index(self)
        return self._gather

    def decompress(self, compressed):
        """The non-zeros (CSR order) from the compressed products, a NumPy array."""
        return np.asarray(compressed).reshape(-1)[self.gather_index()]

    def __repr__(self):
        m, n = self.shape
        return (f"<Coloring {self.mode}: {self.n_colors} colors for a {m}x{n} pattern with "
                f"{self.nnz} non-zeros>")


def _gather_index(col: Coloring):
    rows, cols = col.rows(), col.indices
    m, n = col.shape
    if col.mode == "fwd":
        return col.colors[cols] * m + rows
    if col.mode == "rev":
        return col.colors[rows] * n + cols
    # star: read H[i, j] at (colour of j, row i) when j is alone with its colour in row i,
    # otherwise at (colour of i, row j); the star colouring guarantees one of the two
    colors = col.colors
    key = rows * col.n_colors + colors[cols]
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    alone = counts[inverse] == 1
    return np.where(alone, colors[cols] * n + rows, colors[rows] * n + cols)


# -- the pattern as adjacency lists -----------------------------------------------------------

def _transpose(indptr, indices, shape):
    """CSR of the transpose (CSC of the pattern)."""
    m, n = shape
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(indptr))
    order = np.argsort(indices, kind="stable")
    t_indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(indices, minlength=n), out=t_indptr[1:])
    return t_indptr, rows[order]


def _lists(indptr, indices):
    flat = indices.tolist()
    bounds = indptr.tolist()
    return [flat[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


def _vertex_order(order, degree, neighbours_of):
    n = len(degree)
    if order == "natural":
        return list(range(n))
    if order in ("largest_first", "dsatur"):  # DSATUR is dynamic: for a star colouring, the
        return np.argsort(-np.asarray(degree), kind="stable").tolist()  # static order nearest
    if order == "smallest_last":
        return _smallest_last(neighbours_of, n)
    raise ValueError(f"coloring: order must be one of {ORDERS}, got {order!r}")


def _smallest_last(neighbours_of, n):
    """Repeatedly remove a vertex of smallest remaining degree; colour in reverse removal order."""
    adjacency = [set(neighbours_of(v)) - {v} for v in range(n)]
    degree = [len(a) for a in adjacency]
    buckets: dict[int, set] = {}
    for v, d in enumerate(degree):
        buckets.setdefault(d, set()).add(v)
    removed = [False] * n
    sequence = []
    low = 0
    for _ in range(n):
        while not buckets.get(low):
            low += 1
        v = buckets[low].pop()
        removed[v] = True
        sequence.append(v)
        for w in adjacency[v]:
            if not removed[w]:
                d = degree[w]
                buckets[d].discard(w)
                degree[w] = d - 1
                buckets.setdefault(d - 1, set()).add(w)
        low = max(low - 1, 0)
    return sequence[::-1]


def _first_free(forbidden, stamp):
    c = 0
    while c < len(forbidden) and forbidden[c] == stamp:
        c += 1
    return c


# -- column (row) colouring: distance 2 in the bipartite graph --------------------------------

def _partial_distance2(indptr, indices, shape, order):
    """A colour per column such that columns sharing a row differ."""
    m, n = shape
    t_indptr, t_indices = _transpose(indptr, indices, shape)
    cols_of_row = _lists(indptr, indices)
    rows_of_col = _lists(t_indptr, t_indices)
    if order == "dsatur":
        return _dsatur(cols_of_row, rows_of_col, n)

    def neighbours(j):
        return [k for r in rows_of_col[j] for k in cols_of_row[r]]

    degree = [sum(len(cols_of_row[r]) - 1 for r in rows) for rows in rows_of_col]
    colors = [-1] * n
    forbidden = [-1] * (n + 1)
    for j in _vertex_order(order, degree, neighbours):
        for r in rows_of_col[j]:
            for k in cols_of_row[r]:
                c = colors[k]
                if c >= 0:
                    forbidden[c] = j
        colors[j] = _first_free(forbidden, j)
    return np.asarray(colors, np.int64)


def _dsatur(cols_of_row, rows_of_col, n):
    """Greedy colouring in a dynamic order: next the column whose neighbours (columns sharing a
    row) already use the most distinct colours, ties by degree (Brelaz's DSATUR). It finds the
    optimal five colours of the 2-d five-point stencil, where static orders need seven."""
    degree = [sum(len(cols_of_row[r]) for r in rows) for rows in rows_of_col]
    saturation = [set() for _ in range(n)]
    colors = [-1] * n
    forbidden = [-1] * (n + 1)
    heap = [(0, -degree[j], j) for j in range(n)]
    heapq.heapify(heap)
    while heap:
        _, _, j = heapq.heappop(heap)
        if colors[j] >= 0:
            continue
        for r in rows_of_col[j]:
            for k in cols_of_row[r]:
                c = colors[k]
                if c >= 0:
                    forbidden[c] = j
        c = _first_free(forbidden, j)
        colors[j] = c
        for r in rows_of_col[j]:
            for k in cols_of_row[r]:
                if colors[k] < 0 and c not in saturation[k]:
                    saturation[k].add(c)
                    heapq.heappush(heap, (-len(saturation[k]), -degree[k], k))
    return np.asarray(colors, np.int64)


# -- star colouring of a symmetric pattern --------------------------------------------------

def _star(indptr, indices, n, order):
    """A distance-1 colouring where every path on four vertices has at least three colours.

    Each vertex v, coloured last on some path, must avoid: its neighbours' colours; the colour of
    x on a path v-w-x-y with colour(w) == colour(y) (v an end of a two-coloured path); and the
    colour of x on a path x-w-v-y with colour(w) == colour(y) (v inside one)."""
    adjacency = [[w for w in row if w != v] for v, row in enumerate(_lists(indptr, indices))]
    degree = [len(a) for a in adjacency]
    colors = [-1] * n
    forbidden = [-1] * (n + 1)
    for v in _vertex_order(order, degree, lambda u: adjacency[u]):
        coloured = [w for w in adjacency[v] if colors[w] >= 0]
        seen_colors: dict[int, int] = {}
        for w in coloured:
            c = colors[w]
            forbidden[c] = v
            seen_colors[c] = seen_colors.get(c, 0) + 1
        for w in coloured:
            cw = colors[w]
            repeated = seen_colors[cw] > 1  # v is inside a path x-w-v-y with colour(y) == cw
            for x in adjacency[w]:
                cx = colors[x]
                if x == v or cx < 0 or forbidden[cx] == v:
                    continue
                if repeated or any(colors[y] == cw for y in adjacency[x] if y != w):
                    forbidden[cx] = v
        colors[v] = _first_free(forbidden, v)
    return np.asarray(colors, np.int64)


def is_star_coloring(indptr, indices, n, colors) -> bool:
    """Whether `colors` is a distance-1 colouring in which every 4-vertex path has 3+ colours."""
    adjacency = [[w for w in row if w != v] for v, row in enumerate(_lists(indptr, indices))]
    colors = np.asarray(colors).tolist()
    for v in range(n):
        for w in adjacency[v]:
            if colors[v] == colors[w]:
                return False
            for x in adjacency[w]:
                if x == v or colors[x] != colors[v]:
                    continue
                if any(colors[y] == colors[w] for y in adjacency[x] if y not in (w, v)):
                    return False
    return True


# -- the public entry point -----------------------------------------------------------------

def coloring(pattern, mode: str = "auto", order: str = "dsatur") -> Coloring:
    """Colour a sparsity pattern: compute once, evaluate derivatives many times.

    Parameters
    ----------
    pattern : a boolean SciPy sparse matrix/array, a dense boolean array, or the result of
        `funcgrad.jacobian_sparsity` / `funcgrad.hessian_sparsity`.
    mode : "fwd" (colour columns: forward mode), "rev" (colour rows: reverse mode), "auto" (the
        one with fewer colours, forward on ties) or "star" (a symmetric Hessian pattern).
    order : the vertex order of the greedy colouring: "dsatur" (dynamic: the most constrained
        first), "largest_first", "smallest_last", "natural", or "best" (try them all, keep the
        fewest colours). A star colouring uses "largest_first" for "dsatur".

    >>> import numpy as np, funcgrad as fg
    >>> tridiagonal = np.eye(6, dtype=bool) | np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    >>> fg.sparse.coloring(tridiagonal).n_colors
    3
    """
    from funcgrad.sparse.pattern import as_csr

    indptr, indices, shape = as_csr(pattern)
    orders = ORDERS if order == "best" else (order,)
    if mode not in ("auto", "fwd", "rev", "star"):
        raise ValueError(f"coloring: mode must be 'auto', 'fwd', 'rev' or 'star', got {mode!r}")
    if mode == "star":
        if shape[0] != shape[1]:
            raise ValueError(f"coloring: a star colouring needs a square (symmetric) pattern, "
                             f"got shape {shape}")
        indptr, indices = symmetrized(indptr, indices, shape)
        return _best(Coloring("star", _star(indptr, indices, shape[0], o), shape, indptr, indices,
                              o) for o in orders)
    t_indptr, t_indices = _transpose(indptr, indices, shape)
    modes = ("fwd", "rev") if mode == "auto" else (mode,)
    # a row colouring needs at least as many colours as the longest column has non-zeros, a
    # column colouring as the longest row: try the mode with the lower bound first, and the
    # other only if it could do better (an arrow-shaped pattern then costs one cheap pass)
    bound = {"fwd": _longest(indptr), "rev": _longest(t_indptr)}
    best = None
    for m in sorted(modes, key=lambda m: bound[m]):
        if best is not None and bound[m] >= best.n_colors:
            continue
        pattern_for_mode = (indptr, indices, shape) if m == "fwd" else (t_indptr, t_indices,
                                                                        shape[::-1])
        found = _best(Coloring(m, _partial_distance2(*pattern_for_mode, o), shape, indptr,
                               indices, o) for o in orders)
        if best is None or found.n_colors < best.n_colors or (
                found.n_colors == best.n_colors and m == "fwd"):
            best = found
    assert best is not None  # the first mode tried always gives one
    return best


def _longest(indptr) -> int:
    return int(np.diff(indptr).max()) if len(indptr) > 1 else 0


def _best(candidates) -> Coloring:
    return min(candidates, key=lambda c: c.n_colors)  # the first of the fewest colours


def symmetrized(indptr, indices, shape):
    """The CSR of pattern | pattern.T (a Hessian's pattern is symmetric)."""
    from funcgrad.transforms._dependency_rows import from_pairs

    rows = np.repeat(np.arange(shape[0], dtype=np.int64), np.diff(indptr))
    both = from_pairs(np.concatenate([rows, indices]), np.concatenate([indices, rows]), shape[0])
    return both.indptr, both.indices
