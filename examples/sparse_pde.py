"""A stiff 2-d PDE with SciPy's BDF solver, using funcgrad's sparse Jacobian.

    python examples/sparse_pde.py [--grid 32] [--picture docs/sparse_pattern.png]

The 2-d Brusselator reaction-diffusion system on a periodic grid (the standard sparse-AD test):
    du/dt = alpha Lap(u) + B + u^2 v - (A + 1) u + f(x, y, t)
    dv/dt = alpha Lap(v) + A u - u^2 v
is solved with `scipy.integrate.solve_ivp(method="BDF")` twice: with the exact sparse Jacobian from
`funcgrad.sparse_jacobian` (pattern detected and coloured once), and with SciPy's own sparse
finite differences (`jac_sparsity` only). The time of each is printed. With `--picture`, it also
writes a picture of a small grid's Jacobian pattern, each non-zero in the colour of its column
(docs/sparse.md shows it): columns of one colour never share a row, so one JVP computes them all.
"""
from __future__ import annotations

import argparse
import os
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402

A, B, ALPHA = 3.4, 1.0, 10.0


def brusselator(y, t, n, xp=fnp):
    """The right-hand side for the state y = (u, v) flattened, on an n x n grid, written against
    a NumPy-like namespace: funcgrad.numpy to differentiate, numpy itself for the solver's calls."""
    u, v = xp.reshape(y[: n * n], (n, n)), xp.reshape(y[n * n:], (n, n))

    def laplacian(w):
        return (xp.roll(w, 1, 0) + xp.roll(w, -1, 0) + xp.roll(w, 1, 1) + xp.roll(w, -1, 1)
                - 4.0 * w) * (n - 1) ** 2

    grid = np.linspace(0.0, 1.0, n)
    spot = ((grid[:, None] - 0.3) ** 2 + (grid[None, :] - 0.6) ** 2) <= 0.1 ** 2
    forcing = 5.0 * spot * (t >= 1.1)
    u2v = u * u * v
    du = ALPHA * laplacian(u) + B + u2v - (A + 1.0) * u + forcing
    dv = ALPHA * laplacian(v) + A * u - u2v
    return xp.concatenate([xp.reshape(du, (-1,)), xp.reshape(dv, (-1,))])


def initial_state(n):
    grid = np.linspace(0.0, 1.0, n)
    x, y = np.meshgrid(grid, grid, indexing="ij")
    u = 22.0 * (y * (1.0 - y)) ** 1.5
    v = 27.0 * (x * (1.0 - x)) ** 1.5
    return np.concatenate([u.ravel(), v.ravel()])


def solve(n, t_end):
    from scipy.integrate import solve_ivp

    y0 = initial_state(n)
    rhs = lambda t, y: brusselator(y, t, n, np)  # noqa: E731

    start = time.perf_counter()
    pattern = fg.jacobian_sparsity(brusselator)(y0, 0.0, n)
    colors = fg.sparse.coloring(pattern)
    setup = time.perf_counter() - start
    jacobian = fg.sparse_jacobian(brusselator, sparsity=colors)
    print(f"grid {n}x{n}: n = {y0.size}, {pattern.nnz} non-zeros, {colors.n_colors} colours "
          f"({colors.mode}); detection + colouring {setup * 1e3:.0f} ms")

    runs = {
        "funcgrad sparse Jacobian": dict(jac=lambda t, y: jacobian(y, t, n)),
        "SciPy finite differences (jac_sparsity)": dict(jac_sparsity=pattern),
    }
    solutions = {}
    for name, options in runs.items():
        start = time.perf_counter()
        sol = solve_ivp(rhs, (0.0, t_end), y0, method="BDF", rtol=1e-6, atol=1e-8, **options)
        elapsed = time.perf_counter() - start
        solutions[name] = sol
        print(f"  {name:<42} {elapsed:7.2f} s  ({sol.nfev} rhs calls, {sol.njev} Jacobians, "
              f"{sol.t.size - 1} steps, {sol.message})")
    a, b = (s.y[:, -1] for s in solutions.values())
    print(f"  the two solutions at t = {t_end} differ by {np.abs(a - b).max():.1e} (max)")


# -- the picture ----------------------------------------------------------------------------

PALETTE = np.array([[230, 25, 75], [60, 180, 75], [0, 130, 200], [245, 130, 48], [145, 30, 180],
                    [70, 240, 240], [240, 50, 230], [210, 245, 60], [0, 128, 128],
                    [170, 110, 40], [128, 0, 0], [0, 0, 128], [128, 128, 0], [255, 215, 180]],
                   np.uint8)


def write_png(path, rgb):
    """A minimal PNG writer (8-bit RGB), so the example needs no plotting package."""
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[i].tobytes() for i in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                  + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def picture(path, n=6, cell=6):
    y0 = initial_state(n)
    pattern = fg.jacobian_sparsity(brusselator)(y0, 0.0, n)
    colors = fg.sparse.coloring(pattern)
    dense = pattern.toarray()
    m = dense.shape[0]
    image = np.full((m, m, 3), 255, np.uint8)
    rows, cols = np.nonzero(dense)
    image[rows, cols] = PALETTE[colors.colors[cols] % len(PALETTE)]
    image = np.repeat(np.repeat(image, cell, axis=0), cell, axis=1)
    image[::cell, :] = np.minimum(image[::cell, :], 235)  # a faint grid
    image[:, ::cell] = np.minimum(image[:, ::cell], 235)
    write_png(path, image)
    print(f"wrote {path}: the {m}x{m} Jacobian of a {n}x{n} grid, {colors.n_colors} colours")
    for r in range(min(m, 12)):  # the first rows as text, one letter per colour
        print("  " + "".join(chr(ord("a") + colors.colors[c]) if dense[r, c] else "."
                             for c in range(m)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=32)
    parser.add_argument("--t-end", type=float, default=1.5)
    parser.add_argument("--picture", default=None, help="write the pattern picture (PNG) here")
    args = parser.parse_args()
    if args.picture:
        picture(args.picture)
    solve(args.grid, args.t_end)


if __name__ == "__main__":
    main()
