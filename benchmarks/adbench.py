"""The ADBench tasks: derivative time over objective time, funcgrad and its peers, one run.

    python benchmarks/adbench.py [--quick] [gmm] [ba] [ht] [lstm]

ADBench (Microsoft, continued as GradBench) reports, per tool, the time of the derivative over
the time of the same tool's objective. Every contender here runs the same algorithm
(benchmarks/adbench_tasks.py), eager and under jit where the framework has one; each row also
gives the derivative's time over hand-written NumPy's objective. Before timing, every
objective value and every derivative is checked against the others (funcgrad eager is the
reference for derivatives, NumPy for objectives); any disagreement stops the run.

Medians of CPU time, interleaved rounds, one BLAS thread (benchmarks/_timing.py). Issue-15
targets: GMM <= 5x, BA (sparse Jacobian) <= 10x, LSTM <= 5x, each ratio at most the best
Python peer's in the same run.
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import compare, optional, steady_malloc  # noqa: E402  (pins BLAS threads first)

import numpy as np  # noqa: E402

import adbench_tasks as tasks  # noqa: E402
import funcgrad as fg  # noqa: E402

QUICK = "--quick" in sys.argv
ROUNDS = 3
PEERS = [name for name in ("autograd", "jax", "torch") if optional(name) is not None]
if "jax" in PEERS:
    import jax
    jax.config.update("jax_enable_x64", True)
if "torch" in PEERS:
    import torch
    torch.set_num_threads(1)


def numpy_of(value):
    """A derivative result as a tuple of NumPy arrays (any framework, dense or scipy sparse)."""
    if isinstance(value, (tuple, list)):
        return tuple(a for v in value for a in numpy_of(v))
    if hasattr(value, "detach"):
        return (value.detach().numpy(),)
    return (np.asarray(value),)


def check(task, name, got, want, rtol):
    got, want = numpy_of(got), numpy_of(want)
    if len(got) != len(want):
        raise SystemExit(f"{task}: {name} gave {len(got)} arrays, the reference {len(want)}")
    for i, (g, w) in enumerate(zip(got, want)):
        scale = max(np.abs(w).max(), 1e-300)
        error = np.abs(g.reshape(w.shape) - w).max() / scale
        if not error <= rtol:
            raise SystemExit(f"{task}: {name}, result {i}, differs from the reference by "
                             f"{error:.2e} of its largest entry (tolerance {rtol:.0e})")


def run(task, contenders, reference_objective, reference_derivative, rtol=1e-8):
    """contenders: {name: (objective, derivative, derivative_as_reference)}; check, time, report."""
    want_objective = contenders[reference_objective][0]()
    want_derivative = contenders[reference_derivative][2]()
    for name, (objective, derivative, comparable) in contenders.items():
        check(task, f"{name} objective", objective(), want_objective, 1e-10)
        if derivative is not None:
            check(task, f"{name} derivative", comparable(), want_derivative, rtol)
    print(f"  checked: every objective within 1e-10 of {reference_objective}'s, every derivative"
          f" within {rtol:.0e} of {reference_derivative}'s (relative to the largest entry)")
    timed = {}
    for name, (objective, derivative, _) in contenders.items():
        timed[(name, "objective")] = objective
        if derivative is not None:
            timed[(name, "derivative")] = derivative
    medians = compare(timed, rounds=ROUNDS, min_time=0.1 if not QUICK else 0.02)
    base = medians[(reference_objective, "objective")]
    print(f"  {'contender':<34} {'objective':>11} {'derivative':>11} {'ratio':>7} "
          f"{'/ numpy obj':>11}")
    ratios = {}
    for name, (objective, derivative, _) in contenders.items():
        t_obj = medians[(name, "objective")]
        if derivative is None:
            print(f"  {name:<34} {t_obj * 1e3:9.2f}ms {'-':>11} {'-':>7} {t_obj / base:10.2f}x")
            continue
        t_der = medians[(name, "derivative")]
        ratios[name] = t_der / t_obj
        print(f"  {name:<34} {t_obj * 1e3:9.2f}ms {t_der * 1e3:9.2f}ms {t_der / t_obj:6.2f}x "
              f"{t_der / base:10.2f}x")
    return ratios


def summary(task, ratios, target):
    ours = {name: r for name, r in ratios.items() if name.startswith("funcgrad")}
    peers = {name: r for name, r in ratios.items() if not name.startswith("funcgrad")}
    best_peer = min(peers.items(), key=lambda item: item[1]) if peers else None
    for name, r in ours.items():
        verdict = "no target" if target is None else "met" if r <= target else "NOT met"
        against = (f"; best peer {best_peer[0]} {best_peer[1]:.2f}x: "
                   f"{'at most' if r <= best_peer[1] else 'ABOVE'}") if best_peer else ""
        bound = "" if target is None else f" <= {target}x"
        print(f"  target {task}{bound}: {name} {r:.2f}x {verdict}{against}")


def timed_once(fn):
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def torch_eager(objective, data, fields):
    """PyTorch eager's (objective, gradient, gradient) of `objective(T, *data.fields, data)`,
    differentiated in the named fields of the task's data."""
    T = tasks.ops("torch")
    dt = tasks.convert(T, data)
    at = tuple(getattr(dt, f).clone().requires_grad_(True) for f in fields)

    def objective_only():
        with torch.no_grad():
            return objective(T, *at, dt)

    def gradient():
        return torch.autograd.grad(objective(T, *at, dt), at)
    return objective_only, gradient, gradient


# -- GMM ----------------------------------------------------------------------------------------

def gmm(d, k, n):
    print(f"\n== GMM: d = {d}, k = {k}, n = {n:,}: gradient of the negative log-likelihood "
          f"({k + k * d + k * d * (d + 1) // 2:,} parameters) ==")
    data = tasks.gmm_data(d, k, n)
    args = (data.alphas, data.means, data.icf)
    contenders = {}
    np_ops = tasks.ops("numpy")
    contenders["numpy (objective only)"] = (lambda: tasks.gmm_objective(np_ops, *args, data), None, None)
    F = tasks.ops("funcgrad")
    f = lambda a, mu, q: tasks.gmm_objective(F, a, mu, q, data)  # noqa: E731
    grad = fg.grad(f, argnums=(0, 1, 2))
    jit_f, jit_grad = fg.jit(f), fg.jit(grad)
    (_, compile_time) = timed_once(lambda: jit_grad(*args))
    print(f"  funcgrad jit(grad) first call (trace + compile): {compile_time:.2f} s")
    contenders["funcgrad"] = (lambda: f(*args), lambda: grad(*args), lambda: grad(*args))
    contenders["funcgrad jit"] = (lambda: jit_f(*args), lambda: jit_grad(*args), lambda: jit_grad(*args))
    if "autograd" in PEERS:
        import autograd
        A = tasks.ops("autograd")
        fa = lambda a, mu, q: tasks.gmm_objective(A, a, mu, q, data)  # noqa: E731
        ga = autograd.grad(fa, argnum=(0, 1, 2))
        contenders["autograd"] = (lambda: fa(*args), lambda: ga(*args), lambda: ga(*args))
    if "jax" in PEERS:
        J = tasks.ops("jax")
        dj = tasks.convert(J, data)
        aj = (dj.alphas, dj.means, dj.icf)
        fj = lambda a, mu, q: tasks.gmm_objective(J, a, mu, q, dj)  # noqa: E731
        gj = jax.grad(fj, argnums=(0, 1, 2))
        jfj, jgj = jax.jit(fj), jax.jit(gj)
        block = jax.block_until_ready
        contenders["jax eager"] = (lambda: block(fj(*aj)), lambda: block(gj(*aj)), lambda: gj(*aj))
        contenders["jax jit"] = (lambda: block(jfj(*aj)), lambda: block(jgj(*aj)), lambda: jgj(*aj))
    if "torch" in PEERS:
        contenders["torch eager"] = torch_eager(tasks.gmm_objective, data, ("alphas", "means", "icf"))
    ratios = run("GMM", contenders, "numpy (objective only)", "funcgrad")
    summary("GMM", ratios, 5.0)
    return ratios


# -- LSTM ---------------------------------------------------------------------------------------

def lstm(l, c, b):
    print(f"\n== LSTM: l = {l} layers, c = {c} steps, b = {b}: gradient of the sequence loss "
          f"({8 * l * b + 3 * b} parameters) ==")
    data = tasks.lstm_data(l, c, b)
    args = (data.main, data.extra)
    contenders = {}
    np_ops = tasks.ops("numpy")
    contenders["numpy (objective only)"] = (lambda: tasks.lstm_objective(np_ops, *args, data), None, None)
    F = tasks.ops("funcgrad")
    f = lambda main, extra: tasks.lstm_objective(F, main, extra, data)  # noqa: E731
    grad = fg.grad(f, argnums=(0, 1))
    contenders["funcgrad"] = (lambda: f(*args), lambda: grad(*args), lambda: grad(*args))
    fs = lambda main, extra: tasks.lstm_objective(F, main, extra, data, scan=fg.lax.scan)  # noqa: E731
    jit_f, jit_grad = fg.jit(fs), fg.jit(fg.grad(fs, argnums=(0, 1)))
    (_, compile_time) = timed_once(lambda: jit_grad(*args))
    print(f"  funcgrad jit(grad) first call (trace + compile): {compile_time:.2f} s")
    contenders["funcgrad jit"] = (lambda: jit_f(*args), lambda: jit_grad(*args), lambda: jit_grad(*args))
    if "autograd" in PEERS:
        import autograd
        A = tasks.ops("autograd")
        fa = lambda main, extra: tasks.lstm_objective(A, main, extra, data)  # noqa: E731
        ga = autograd.grad(fa, argnum=(0, 1))
        contenders["autograd"] = (lambda: fa(*args), lambda: ga(*args), lambda: ga(*args))
    if "jax" in PEERS:
        J = tasks.ops("jax")
        dj = tasks.convert(J, data)
        aj = (dj.main, dj.extra)
        fj = lambda main, extra: tasks.lstm_objective(J, main, extra, dj)  # noqa: E731
        fjs = lambda main, extra: tasks.lstm_objective(J, main, extra, dj, scan=jax.lax.scan)  # noqa: E731
        gj = jax.grad(fj, argnums=(0, 1))
        jfj, jgj = jax.jit(fjs), jax.jit(jax.grad(fjs, argnums=(0, 1)))
        block = jax.block_until_ready
        if c <= 256:  # op by op, JAX takes seconds per call here (2.6 s for c = 64's gradient)
            contenders["jax eager"] = (lambda: block(fj(*aj)), lambda: block(gj(*aj)),
                                       lambda: gj(*aj))
        contenders["jax jit (scan)"] = (lambda: block(jfj(*aj)), lambda: block(jgj(*aj)),
                                        lambda: jgj(*aj))
    if "torch" in PEERS:
        contenders["torch eager"] = torch_eager(tasks.lstm_objective, data, ("main", "extra"))
    ratios = run("LSTM", contenders, "numpy (objective only)", "funcgrad")
    summary("LSTM", ratios, 5.0)
    return ratios


# -- BA -----------------------------------------------------------------------------------------

def ba(n, m, p):
    print(f"\n== BA: n = {n} cameras, m = {m:,} points, p = {p:,} observations: sparse Jacobian "
          f"{3 * p:,} x {11 * n + 3 * m + p:,} ==")
    data = tasks.ba_data(n, m, p)
    params = tasks.ba_params(data)
    rows, cols = tasks.ba_block_positions(data)
    contenders = {}
    np_ops = tasks.ops("numpy")
    contenders["numpy (objective only)"] = (lambda: tasks.ba_objective(np_ops, params, data), None, None)
    F = tasks.ops("funcgrad")
    f = lambda q: tasks.ba_objective(F, q, data)  # noqa: E731

    # (a) the sparse Jacobian of the objective as written: detect, colour columns, forward replay
    (pattern, detect_time) = timed_once(lambda: fg.jacobian_sparsity(f)(params))
    (colors, color_time) = timed_once(lambda: fg.sparse.coloring(pattern))
    print(f"  whole objective: detection {detect_time:.2f} s, colouring {color_time:.2f} s: "
          f"{pattern.nnz:,} non-zeros, {colors.n_colors} colours ({colors.mode})")
    sparse = fg.sparse_jacobian(f, sparsity=colors)
    jit_sparse = fg.jit(fg.sparse_jacobian(f, sparsity=colors))
    jit_f = fg.jit(f)
    blocks_of = lambda J: np.asarray(J[rows.ravel(), cols.ravel()]).reshape(rows.shape)  # noqa: E731
    contenders[f"funcgrad sparse_jacobian ({colors.n_colors} fwd)"] = (
        lambda: f(params), lambda: sparse(params), lambda: blocks_of(sparse(params)))
    contenders["funcgrad jit(sparse_jacobian)"] = (
        lambda: jit_f(params), lambda: jit_sparse(params), lambda: blocks_of(jit_sparse(params)))

    # (b) the same Jacobian from the observation-local residuals (rows 2 + 1 colours, reverse)
    local = tasks.BALocal(F, data)
    contenders[f"funcgrad sparse_jacobian local ({local.colors.n_colors} {local.colors.mode})"] = (
        lambda: f(params), lambda: local.jacobian(params), lambda: blocks_of(local.jacobian(params)))
    local_jit = tasks.BALocal(F, data, jit=True)
    contenders["funcgrad jit(sparse_jacobian local)"] = (
        lambda: jit_f(params), lambda: local_jit.jacobian(params),
        lambda: blocks_of(local_jit.jacobian(params)))
    print(f"  observation-local reprojection errors: {local.colors.n_colors} colours ({local.colors.mode}), weight errors 1; "
          f"the full CSR is both, columns renamed")
    if "autograd" in PEERS:
        contenders["autograd (3 reverse sums)"] = autograd_ba(data)
    if "jax" in PEERS:
        contenders.update(jax_ba(data))
    if "torch" in PEERS:
        contenders["torch.func vmap(jacrev)"] = torch_ba(data)
    ratios = run("BA", contenders, "numpy (objective only)",
                 f"funcgrad sparse_jacobian ({colors.n_colors} fwd)", rtol=1e-9)
    summary("BA", ratios, 10.0)
    return ratios


def _blocks(jac_cam, jac_X, jac_w):
    """(p, 3, 15) blocks from per-observation Jacobians w.r.t. camera, point and weight."""
    return np.concatenate([numpy_of(jac_cam)[0], numpy_of(jac_X)[0],
                           numpy_of(jac_w)[0].reshape(-1, 3, 1)], axis=2)


def autograd_ba(data):
    import autograd
    A = tasks.ops("autograd")
    params = tasks.ba_params(data)
    n, m = len(data.cams), len(data.X)
    grads = [autograd.grad(lambda c, X, w, r=r: A.sum(tasks.ba_local(A, c, X, w, data.feats)[:, r]),
                           argnum=(0, 1, 2)) for r in range(3)]

    def jacobian():
        cams = params[: 11 * n].reshape(n, 11)[data.cam_of]
        X = params[11 * n: 11 * n + 3 * m].reshape(m, 3)[data.point_of]
        w = params[11 * n + 3 * m:]
        return [g(cams, X, w) for g in grads]

    def blocks():
        rows = jacobian()
        return np.stack([np.concatenate([r[0], r[1], r[2][:, None]], axis=1) for r in rows], axis=1)
    return (lambda: tasks.ba_objective(A, params, data), jacobian, blocks)


def jax_ba(data):
    import jax.numpy as jnp
    J = tasks.ops("jax")
    dj = tasks.convert(J, data)
    params = jnp.asarray(tasks.ba_params(data))
    n, m = len(data.cams), len(data.X)

    def one(cam, X, w, feat):
        return tasks.ba_local(J, cam[None], X[None], w[None], feat[None])[0]
    per_observation = jax.vmap(jax.jacrev(one, argnums=(0, 1, 2)))

    def jacobian(q):
        cams = jnp.reshape(q[: 11 * n], (n, 11))[dj.cam_of]
        X = jnp.reshape(q[11 * n: 11 * n + 3 * m], (m, 3))[dj.point_of]
        return per_observation(cams, X, q[11 * n + 3 * m:], dj.feats)
    f = lambda q: tasks.ba_objective(J, q, dj)  # noqa: E731
    jf, jj = jax.jit(f), jax.jit(jacobian)
    block = jax.block_until_ready
    return {"jax vmap(jacrev) eager": (lambda: block(f(params)), lambda: block(jacobian(params)),
                                       lambda: _blocks(*jacobian(params))),
            "jax jit(vmap(jacrev))": (lambda: block(jf(params)), lambda: block(jj(params)),
                                      lambda: _blocks(*jj(params)))}


def torch_ba(data):
    import torch.func
    T = tasks.ops("torch")
    dt = tasks.convert(T, data)
    params = torch.as_tensor(tasks.ba_params(data))
    n, m = len(data.cams), len(data.X)

    def one(cam, X, w, feat):
        return tasks.ba_local(T, cam[None], X[None], w[None], feat[None])[0]
    per_observation = torch.func.vmap(torch.func.jacrev(one, argnums=(0, 1, 2)))

    def jacobian():
        cams = params[: 11 * n].reshape(n, 11)[dt.cam_of]
        X = params[11 * n: 11 * n + 3 * m].reshape(m, 3)[dt.point_of]
        return per_observation(cams, X, params[11 * n + 3 * m:], dt.feats)

    def objective():
        return tasks.ba_objective(T, params, dt)
    return (objective, jacobian, lambda: _blocks(*jacobian()))


# -- HT -----------------------------------------------------------------------------------------

def ht(n_points):
    print(f"\n== HT: {n_points:,} points, 22 bones, 544 vertices (synthetic model): Jacobian "
          f"{3 * n_points:,} x 26 ==")
    data = tasks.ht_data(n_points)
    theta = data.theta
    contenders = {}
    np_ops = tasks.ops("numpy")
    contenders["numpy (objective only)"] = (lambda: tasks.ht_objective(np_ops, theta, data), None, None)
    F = tasks.ops("funcgrad")
    f = lambda t: tasks.ht_objective(F, t, data)  # noqa: E731
    jac = fg.jacfwd(f)
    jit_f, jit_jac = fg.jit(f), fg.jit(jac)
    contenders["funcgrad jacfwd"] = (lambda: f(theta), lambda: jac(theta), lambda: jac(theta))
    contenders["funcgrad jit(jacfwd)"] = (lambda: jit_f(theta), lambda: jit_jac(theta),
                                          lambda: jit_jac(theta))
    if "autograd" in PEERS:
        import autograd
        A = tasks.ops("autograd")
        fa = lambda t: tasks.ht_objective(A, t, data)  # noqa: E731
        basis = np.eye(26)

        def jacobian():
            jvp = autograd.make_jvp(fa)(theta)
            return np.stack([jvp(e)[1] for e in basis], axis=1)
        contenders["autograd 26 make_jvp"] = (lambda: fa(theta), jacobian, jacobian)
    if "jax" in PEERS:
        J = tasks.ops("jax")
        dj = tasks.convert(J, data)
        tj = jax.numpy.asarray(theta)
        fj = lambda t: tasks.ht_objective(J, t, dj)  # noqa: E731
        jj = jax.jacfwd(fj)
        jfj, jjj = jax.jit(fj), jax.jit(jj)
        block = jax.block_until_ready
        contenders["jax jacfwd eager"] = (lambda: block(fj(tj)), lambda: block(jj(tj)), lambda: jj(tj))
        contenders["jax jit(jacfwd)"] = (lambda: block(jfj(tj)), lambda: block(jjj(tj)), lambda: jjj(tj))
    if "torch" in PEERS:
        import torch.func
        T = tasks.ops("torch")
        dt = tasks.convert(T, data)
        tt = torch.as_tensor(theta)
        ft = lambda t: tasks.ht_objective(T, t, dt)  # noqa: E731
        jt = torch.func.jacfwd(ft)
        contenders["torch.func jacfwd"] = (lambda: ft(tt), lambda: jt(tt), lambda: jt(tt))
    ratios = run("HT", contenders, "numpy (objective only)", "funcgrad jacfwd")
    summary("HT", ratios, None)
    return ratios


def load_average() -> str:
    """The machine's 1-minute load average, printed with the figures (a shared machine)."""
    return f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load unknown"


def main():
    print(steady_malloc(), "; peers:", ", ".join(PEERS) or "none", ";", load_average())
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")] or ["gmm", "ba", "ht", "lstm"]
    if "gmm" in chosen:
        for d, k, n in ([(8, 5, 1000)] if QUICK else [(64, 25, 10_000), (64, 50, 10_000)]):
            gmm(d, k, n)
    if "ba" in chosen:
        ba(*((10, 500, 2000) if QUICK else (49, 7776, 31843)))
    if "ht" in chosen:
        ht(1000 if QUICK else 10_000)
    if "lstm" in chosen:
        for l, c, b in ([(2, 64, 14)] if QUICK else [(2, 1024, 14)]):
            lstm(l, c, b)
    print(f"\nat the end: {load_average()}")


if __name__ == "__main__":
    main()
