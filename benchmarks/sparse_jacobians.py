"""Sparse Jacobians and Hessians (issue 11): three problems, funcgrad against the alternatives.

    python benchmarks/sparse_jacobians.py            # all three problems
    python benchmarks/sparse_jacobians.py --quick    # smaller sizes, fewer rounds

1. The 2-d Brusselator reaction-diffusion right-hand side on a 64x64 grid (n = 8,192), periodic:
   funcgrad's sparse Jacobian against a hand-written SciPy sparse Jacobian, SciPy's sparse
   finite differences with the same colouring, dense funcgrad jacfwd, JAX jacfwd under jit (and
   sparsejac if it is installed). Targets: >= 100x faster than dense jacfwd, within 5x of the
   hand-written Jacobian; detection + colouring < 1 s.
2. A banded (pentadiagonal) objective, n = 100,000: the sparse Hessian against one gradient.
   Target: < 10x one gradient.
3. A bundle-adjustment-like residual: 10,000 observations of 2 residuals, each touching one
   camera (9 parameters) of 100 and one point (3) of 2,000: a block-sparse 20,000 x 6,900
   Jacobian, against SciPy's sparse finite differences.

CPU seconds per call (process time, one BLAS thread), medians of interleaved rounds in one run.
Colour counts are printed next to each figure. Memory: every sparse step is O(nnz).
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, report, steady_malloc  # noqa: E402  (pins BLAS threads)

import numpy as np  # noqa: E402

import funcgrad as fg  # noqa: E402
import funcgrad.numpy as fnp  # noqa: E402

QUICK = "--quick" in sys.argv
ROUNDS = 3


def once(fn):
    """CPU seconds of one call (for the contenders too slow to repeat)."""
    start = time.process_time()
    fn()
    return time.process_time() - start


# -- 1. Brusselator ---------------------------------------------------------------------------

A, B, ALPHA = 3.4, 1.0, 10.0


def brusselator_rhs(xp, y, n, roll):
    """du/dt, dv/dt of the 2-d Brusselator on an n x n periodic grid (spacing 1/(n-1))."""
    u, v = xp.reshape(y[: n * n], (n, n)), xp.reshape(y[n * n:], (n, n))
    scale = ALPHA * (n - 1) ** 2

    def laplacian(w):
        return roll(w, 1, 0) + roll(w, -1, 0) + roll(w, 1, 1) + roll(w, -1, 1) - 4.0 * w

    grid = np.linspace(0.0, 1.0, n)
    forcing = 5.0 * (((grid[:, None] - 0.3) ** 2 + (grid[None, :] - 0.6) ** 2) <= 0.1 ** 2)
    u2v = u * u * v
    du = scale * laplacian(u) + B + u2v - (A + 1.0) * u + forcing
    dv = scale * laplacian(v) + A * u - u2v
    return xp.concatenate([xp.reshape(du, (-1,)), xp.reshape(dv, (-1,))])


def brusselator_by_hand(n):
    """The Jacobian written out with SciPy: the Laplacian's stencil is fixed, the reaction terms
    are four diagonals."""
    import scipy.sparse as sp

    eye = sp.identity(n, format="csr")
    ring = sp.diags([1.0, 1.0, -2.0, 1.0, 1.0], [-(n - 1), -1, 0, 1, n - 1], shape=(n, n))
    laplacian = (ALPHA * (n - 1) ** 2 * (sp.kron(ring, eye) + sp.kron(eye, ring))).tocsr()

    def jacobian(y):
        u, v = y[: n * n], y[n * n:]
        uv, uu = 2.0 * u * v, u * u
        return sp.block_array([[laplacian + sp.diags(uv - (A + 1.0)), sp.diags(uu)],
                               [sp.diags(A - uv), laplacian - sp.diags(uu)]], format="csr")
    return jacobian


def brusselator(n):
    print(f"\n== Brusselator 2-d, {n}x{n} grid, n = {2 * n * n} ==")
    rng = np.random.default_rng(0)
    y = rng.random(2 * n * n) + 0.5
    f = lambda y: brusselator_rhs(fnp, y, n, fnp.roll)  # noqa: E731

    start = time.process_time()
    pattern = fg.jacobian_sparsity(f)(y)
    detected = time.process_time() - start
    colors = fg.sparse.coloring(pattern)
    both = time.process_time() - start
    again = once(lambda: fg.sparse.coloring(fg.jacobian_sparsity(f)(y)))
    print(f"  detection {detected * 1e3:.1f} ms + colouring {(both - detected) * 1e3:.1f} ms = "
          f"{both * 1e3:.1f} ms on the first call, {again * 1e3:.1f} ms again (target < 1000 ms);"
          f" {pattern.nnz} non-zeros, {colors.n_colors} colours ({colors.mode})")

    sparse_jac = fg.sparse_jacobian(f, sparsity=colors)
    jit_jac = fg.jit(fg.sparse_jacobian(f, sparsity=colors))
    by_hand = brusselator_by_hand(n)
    J = sparse_jac(y)
    error = abs(J - by_hand(y)).max()
    print(f"  max |funcgrad - by hand| = {error:.2e}")
    contenders = {
        "scipy sparse by hand": lambda: by_hand(y),
        f"funcgrad sparse ({colors.n_colors} col)": lambda: sparse_jac(y),
        "funcgrad jit(sparse)": lambda: jit_jac(y),
    }
    numdiff = optional("scipy.optimize._numdiff")
    if numdiff is not None:
        from scipy.optimize._numdiff import approx_derivative
        fd = lambda y: brusselator_rhs(np, y, n, np.roll)  # noqa: E731
        groups = colors.colors if colors.mode == "fwd" else None
        if groups is not None:
            contenders[f"scipy sparse FD ({colors.n_colors} col)"] = lambda: approx_derivative(
                fd, y, sparsity=(pattern, groups))
    medians = compare(contenders, rounds=ROUNDS)
    report("Brusselator sparse Jacobian (CPU time per call)", medians, "scipy sparse by hand")

    dense_time = once(lambda: fg.jacfwd(f, chunk_size=512)(y))
    sparse_time = medians[f"funcgrad sparse ({colors.n_colors} col)"]
    print(f"  funcgrad dense jacfwd (chunk_size=512): {dense_time * 1e3:9.1f} ms, "
          f"{dense_time / sparse_time:7.1f}x funcgrad sparse (target >= 100x)")
    print(f"  funcgrad sparse / by hand: {sparse_time / medians['scipy sparse by hand']:.2f}x "
          f"(target <= 5x); jit(sparse) / by hand: "
          f"{medians['funcgrad jit(sparse)'] / medians['scipy sparse by hand']:.2f}x")
    _jax_brusselator(n, y, pattern, colors)


def _jax_brusselator(n, y, pattern, colors):
    jax = optional("jax")
    if jax is None:
        print("  JAX: not installed")
        return
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    f = lambda y: brusselator_rhs(jnp, y, n, jnp.roll)  # noqa: E731
    dense = jax.jit(jax.jacfwd(f))
    yj = jnp.asarray(y)
    dense(yj).block_until_ready()
    t = min(once(lambda: dense(yj).block_until_ready()) for _ in range(2))
    print(f"  JAX jit(jacfwd) dense: {t * 1e3:9.1f} ms ({y.size} x {y.size} written out)")
    sparsejac = optional("sparsejac")
    if sparsejac is None:
        print("  sparsejac: not installed (pip install sparsejac, or put it on PYTHONPATH)")
        return
    import jax.experimental.sparse as jsparse
    import scipy.sparse as sp
    jac = jax.jit(sparsejac.jacfwd(f, sparsity=jsparse.BCOO.from_scipy_sparse(sp.coo_matrix(pattern))))
    jac(yj).data.block_until_ready()
    t = min(once(lambda: jac(yj).data.block_until_ready()) for _ in range(5))
    print(f"  sparsejac jit(jacfwd), same pattern: {t * 1e3:9.3f} ms (its own colouring)")


# -- 2. banded Hessian ----------------------------------------------------------------------

def banded_objective(x):
    """A chained Rosenbrock plus a coupling two apart: a pentadiagonal Hessian."""
    return (fnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
            + fnp.sum(fnp.sin(x[2:] * x[:-2])))


def banded_hessian(n):
    print(f"\n== banded Hessian, n = {n} ==")
    x = np.random.default_rng(1).standard_normal(n)
    start = time.process_time()
    pattern = fg.hessian_sparsity(banded_objective)(x)
    detected = time.process_time() - start
    colors = fg.sparse.coloring(pattern, mode="star")
    both = time.process_time() - start
    print(f"  detection {detected * 1e3:.0f} ms + star colouring {(both - detected) * 1e3:.0f} ms;"
          f" {pattern.nnz} non-zeros, {colors.n_colors} colours")
    gradient = fg.grad(banded_objective)
    hessian = fg.sparse_hessian(banded_objective, sparsity=colors)
    jit_gradient, jit_hessian = fg.jit(gradient), fg.jit(hessian)
    medians = compare({
        "funcgrad grad": lambda: gradient(x),
        f"funcgrad sparse_hessian ({colors.n_colors} col)": lambda: hessian(x),
        "funcgrad jit(grad)": lambda: jit_gradient(x),
        "funcgrad jit(sparse_hessian)": lambda: jit_hessian(x),
    }, rounds=ROUNDS)
    report("Banded Hessian against one gradient (target < 10x)", medians, "funcgrad grad")
    print(f"  jit(sparse_hessian) / jit(grad): "
          f"{medians['funcgrad jit(sparse_hessian)'] / medians['funcgrad jit(grad)']:.2f}x")
    small = 2000
    xs = x[:small]
    H = fg.sparse_hessian(banded_objective)(xs)
    error = np.abs(H.toarray() - fg.hessian(banded_objective)(xs)).max()
    print(f"  check at n = {small}: max |sparse - dense hessian| = {error:.2e}, nnz {H.nnz}")


# -- 3. bundle adjustment ---------------------------------------------------------------------

def bundle_problem(n_cameras=100, n_points=2000, n_observations=10000, seed=2):
    rng = np.random.default_rng(seed)
    cameras = np.concatenate([rng.normal(0, 0.1, (n_cameras, 3)), rng.normal(0, 1, (n_cameras, 3)),
                              np.tile([1.0, 0.01, 0.001], (n_cameras, 1))], axis=1)
    points = rng.normal(0, 1, (n_points, 3)) + [0.0, 0.0, 10.0]
    camera_of = rng.integers(0, n_cameras, n_observations)
    point_of = np.concatenate([np.arange(n_points), rng.integers(0, n_points,
                                                                 n_observations - n_points)])
    observed = rng.normal(0, 0.1, (n_observations, 2))
    return cameras, points, camera_of, point_of, observed


def bundle_residual(xp, params, n_cameras, n_points, camera_of, point_of, observed):
    """Reprojection error with a Rodrigues rotation and radial distortion (SciPy's tutorial)."""
    cameras = xp.reshape(params[: n_cameras * 9], (n_cameras, 9))[camera_of]
    points = xp.reshape(params[n_cameras * 9:], (n_points, 3))[point_of]
    rot, trans = cameras[:, :3], cameras[:, 3:6]
    f, k1, k2 = cameras[:, 6], cameras[:, 7], cameras[:, 8]
    theta = xp.sqrt(xp.sum(rot ** 2, axis=1, keepdims=True) + 1e-12)
    axis = rot / theta
    dot = xp.sum(points * axis, axis=1, keepdims=True)
    cross = xp.stack([axis[:, 1] * points[:, 2] - axis[:, 2] * points[:, 1],
                      axis[:, 2] * points[:, 0] - axis[:, 0] * points[:, 2],
                      axis[:, 0] * points[:, 1] - axis[:, 1] * points[:, 0]], axis=1)
    cos, sin = xp.cos(theta), xp.sin(theta)
    rotated = cos * points + sin * cross + dot * (1 - cos) * axis + trans
    projected = -rotated[:, :2] / rotated[:, 2:3]
    r2 = xp.sum(projected ** 2, axis=1)
    scale = f * (1 + k1 * r2 + k2 * r2 ** 2)
    return xp.reshape(projected * scale[:, None] - observed, (-1,))


def bundle_adjustment():
    n_cameras, n_points, n_obs = (20, 400, 2000) if QUICK else (100, 2000, 10000)
    cameras, points, camera_of, point_of, observed = bundle_problem(n_cameras, n_points, n_obs)
    params = np.concatenate([cameras.ravel(), points.ravel()])
    print(f"\n== bundle adjustment: {n_obs} observations, {n_cameras} cameras, {n_points} points:"
          f" Jacobian {2 * n_obs} x {params.size} ==")
    args = (n_cameras, n_points, camera_of, point_of, observed)
    f = lambda p: bundle_residual(fnp, p, *args)  # noqa: E731
    start = time.process_time()
    pattern = fg.jacobian_sparsity(f)(params)
    detected = time.process_time() - start
    colors = fg.sparse.coloring(pattern)
    both = time.process_time() - start
    print(f"  detection {detected * 1e3:.0f} ms + colouring {(both - detected) * 1e3:.0f} ms; "
          f"{pattern.nnz} non-zeros (24 per observation pair), {colors.n_colors} colours "
          f"({colors.mode})")
    sparse_jac = fg.sparse_jacobian(f, sparsity=colors)
    jit_jac = fg.jit(fg.sparse_jacobian(f, sparsity=colors))
    contenders = {
        f"funcgrad sparse ({colors.n_colors} col)": lambda: sparse_jac(params),
        "funcgrad jit(sparse)": lambda: jit_jac(params),
    }
    if optional("scipy.optimize._numdiff") is not None and colors.mode == "fwd":
        from scipy.optimize._numdiff import approx_derivative
        fd = lambda p: bundle_residual(np, p, *args)  # noqa: E731
        contenders[f"scipy sparse FD ({colors.n_colors} col)"] = lambda: approx_derivative(
            fd, params, sparsity=(pattern, colors.colors))
        J, Jfd = sparse_jac(params), approx_derivative(fd, params, sparsity=(pattern, colors.colors))
        print(f"  max |funcgrad - FD| / max |J| = {abs(J - Jfd).max() / abs(J).max():.1e}")
    medians = compare(contenders, rounds=ROUNDS)
    report("Bundle-adjustment Jacobian (CPU time per call)", medians,
           f"funcgrad sparse ({colors.n_colors} col)")


def main():
    print(steady_malloc())
    brusselator(16 if QUICK else 64)
    banded_hessian(10_000 if QUICK else 100_000)
    bundle_adjustment()


if __name__ == "__main__":
    main()
