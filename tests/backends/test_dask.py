"""The same traced programs on Dask arrays, run by a real local cluster of two worker processes.

The cluster (127.0.0.1 only, no dashboard) is started and closed by a module fixture. Every
result is checked against the same program on NumPy arrays; laziness is checked by running the
transforms under a scheduler that refuses to compute anything.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.errors import ConcretizationError

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pytest.importorskip("array_api_compat")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       memory_limit="512MiB", silence_logs=40)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


cloudpickle = pytest.importorskip("cloudpickle")
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class NoCompute:
    """A scheduler that fails the test if anything is computed while it is active."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("a Dask computation ran before the user asked for one")

    def __enter__(self):
        self._config = dask.config.set(scheduler=self)
        self._config.__enter__()
        return self

    def __exit__(self, *exc):
        self._config.__exit__(*exc)


def nll(w, X, y):
    z = X @ w
    return fnp.mean(fnp.logaddexp(0.0, z) - y * z)


def least_squares(w, X, y):
    r = X @ w - y
    return 0.5 * fnp.sum(r * r) / X.shape[0]


def mlp_layer(params, X):
    W, b = params
    return fnp.sum(fnp.tanh(X @ W + b) ** 2)


def recurrence(a, xs):
    def step(h, x):
        h = fnp.tanh(a * h + x)
        return h, h * h
    h, ys = fg.lax.scan(step, fnp.zeros_like(xs[0]), xs)
    return fnp.sum(h) + fnp.sum(ys)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 5))
    w = rng.standard_normal(5)
    y = (X @ w + 0.3 * rng.standard_normal(400) > 0).astype(float)
    return X, y, rng.standard_normal(5) * 0.1


def chunked(a, rows=100):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


def assert_dask_close(got, want):
    assert isinstance(got, da.Array), type(got)
    np.testing.assert_allclose(got.compute(), want, rtol=1e-10, atol=1e-12)


def test_value_and_grad_of_the_logistic_loss_is_lazy_and_agrees(client, data):
    X, y, w0 = data
    with NoCompute():
        value, g = fg.value_and_grad(nll)(w0, chunked(X), chunked(y))
    assert isinstance(value, da.Array) and isinstance(g, da.Array)
    value, g = dask.compute(value, g)
    want_value, want_g = fg.value_and_grad(nll)(w0, X, y)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(g, want_g, rtol=1e-10)
    # the hand-written gradient of the same loss
    p = 1 / (1 + np.exp(-(X @ w0)))
    np.testing.assert_allclose(g, X.T @ (p - y) / len(y), rtol=1e-10)


@pytest.mark.parametrize("loss", [nll, least_squares], ids=["logistic", "least_squares"])
def test_grad_vjp_jvp_of_losses_agree_with_numpy(client, loss, data):
    X, y, w0 = data
    Xd, yd = chunked(X), chunked(y)
    with NoCompute():
        g = fg.grad(loss)(w0, Xd, yd)
        out, pullback = fg.vjp(lambda w: loss(w, Xd, yd), w0)
        (pulled,) = pullback(np.float64(1.0))
        primal, tangent = fg.jvp(lambda w: loss(w, Xd, yd), (w0,), (np.ones(5),))
    want_g = fg.grad(loss)(w0, X, y)
    assert_dask_close(g, want_g)
    assert_dask_close(pulled, want_g)
    assert_dask_close(out, loss(w0, X, y))
    assert_dask_close(tangent, want_g.sum())
    assert_dask_close(primal, loss(w0, X, y))


def test_jacobians_and_hessian_of_small_outputs_and_inputs(client, data):
    X, y, w0 = data
    Xd, yd = chunked(X), chunked(y)
    with NoCompute():
        H = fg.hessian(nll)(w0, Xd, yd)
        J_rev = fg.jacrev(lambda w: fnp.tanh(Xd[:3] @ w))(w0)
        J_fwd = fg.jacfwd(lambda w: fnp.tanh(Xd[:3] @ w))(w0)
    assert_dask_close(H, fg.hessian(nll)(w0, X, y))
    want = fg.jacrev(lambda w: fnp.tanh(X[:3] @ w))(w0)
    assert_dask_close(J_rev, want)
    assert_dask_close(J_fwd, want)


def test_grad_with_respect_to_the_dask_data_stays_chunked(client, data):
    X, y, w0 = data
    with NoCompute():
        gX = fg.grad(nll, argnums=1)(w0, chunked(X), chunked(y))
    assert gX.chunks[0] == (100,) * 4
    assert_dask_close(gX, fg.grad(nll, argnums=1)(w0, X, y))


def test_mlp_layer_grad_and_vmap_agree_with_numpy(client, data):
    X, _, _ = data
    rng = np.random.default_rng(1)
    params = (rng.standard_normal((5, 3)) * 0.3, rng.standard_normal(3) * 0.1)
    Xd = chunked(X)
    with NoCompute():
        gW, gb = fg.grad(mlp_layer)(params, Xd)
        per_row = fg.vmap(lambda x: mlp_layer(params, x[None]))(Xd)
    want_W, want_b = fg.grad(mlp_layer)(params, X)
    assert_dask_close(gW, want_W)
    assert_dask_close(gb, want_b)
    assert_dask_close(per_row, fg.vmap(lambda x: mlp_layer(params, x[None]))(X))


def test_scan_recurrence_grad_agrees_with_numpy(client):
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((6, 50))
    xsd = da.from_array(xs, chunks=(6, 25))
    with NoCompute():
        g = fg.grad(recurrence, argnums=(0, 1))(0.7, xsd)
    want = fg.grad(recurrence, argnums=(0, 1))(0.7, xs)
    assert_dask_close(g[1], want[1])
    np.testing.assert_allclose(dask.compute(g[0])[0], want[0], rtol=1e-10)


def test_python_control_flow_on_a_dask_value_raises_unless_allowed(client, data):
    X, y, w0 = data

    def branchy(w, X):
        s = fnp.sum(X @ w)
        if s > 0:  # would compute the whole graph above it
            return s
        return -s
    with NoCompute(), pytest.raises(ConcretizationError, match="lax.cond|where"):
        fg.grad(branchy)(w0, chunked(X))
    with fg.backends.allow_compute():
        g = fg.grad(branchy)(w0, chunked(X))
    np.testing.assert_allclose(np.asarray(dask.compute(g)[0]), fg.grad(branchy)(w0, X))


def test_jit_generates_namespace_code_and_agrees(client, data):
    X, y, w0 = data
    step = fg.jit(fg.value_and_grad(nll))
    Xd, yd = chunked(X), chunked(y)
    with NoCompute():
        value, g = step(w0, Xd, yd)
        source = step.lower(w0, Xd, yd).source
    assert "xp." in source and "np." not in source.replace("xp.", ""), source
    want_value, want_g = step(w0, X, y)  # the NumPy program, cached beside the Dask one
    assert_dask_close(g, want_g)
    np.testing.assert_allclose(dask.compute(value)[0], want_value, rtol=1e-12)


# -- data larger than the workers' memory; a worker killed mid-computation -----------------------

WORKER_MEMORY = 512 * 2**20
FEATURES = 64
CHUNK_ROWS = 62_500  # 32 MB chunks


def lazy_design(rows, seed=0):
    """A chunked design matrix and labels generated on the workers, never on the client."""
    X = da.random.default_rng(seed).standard_normal((rows, FEATURES),
                                                    chunks=(CHUNK_ROWS, FEATURES))
    y = (X @ np.linspace(-1.0, 1.0, FEATURES) > 0).astype("f8")
    return X, y


def _rss():
    import psutil
    return psutil.Process().memory_info().rss


class PeakWorkerMemory:
    """The largest resident memory of each worker process while the block runs (sampled)."""

    def __init__(self, client):
        self.client, self.peak = client, {}

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            try:
                for addr, rss in self.client.run(_rss).items():
                    self.peak[addr] = max(self.peak.get(addr, 0), rss)
            except Exception:  # noqa: BLE001 - a worker restarting between samples
                pass
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_gradient_of_data_larger_than_the_cluster_memory(client):
    psutil = pytest.importorskip("psutil")  # noqa: F841
    rows = 3_000_000  # 1.43 GiB of float64 against 2 x 512 MiB of workers
    X, y = lazy_design(rows)
    assert X.nbytes > 2 * WORKER_MEMORY * 1.3
    w = np.linspace(0.5, -0.5, FEATURES) * 0.1
    workers_before = set(client.scheduler_info()["workers"])
    with NoCompute():
        value, g = fg.value_and_grad(nll)(w, X, y)
    with PeakWorkerMemory(client) as memory:
        value, g = dask.compute(value, g)
    assert set(client.scheduler_info()["workers"]) == workers_before, "a worker was restarted"
    assert memory.peak and max(memory.peak.values()) < WORKER_MEMORY, {
        a: f"{m / 2**20:.0f} MiB" for a, m in memory.peak.items()}
    # the hand-written gradient of the same loss, by Dask on the same lazily generated data
    z = X @ w
    want = dask.compute(X.T @ (1 / (1 + da.exp(-z)) - y) / rows)[0]
    np.testing.assert_allclose(g, want, rtol=1e-9)


def test_a_worker_killed_mid_computation_is_survived(client):
    rows = 500_000  # 244 MiB: enough tasks to kill a worker between them
    X, y = lazy_design(rows, seed=1)
    w = np.linspace(0.5, -0.5, FEATURES) * 0.1
    g = fg.grad(nll)(w, X, y)
    future = client.compute(g)
    victim = sorted(client.scheduler_info()["workers"])[0]
    pid = client.run(os.getpid, workers=[victim])[victim]
    deadline = time.time() + 30
    while not client.processing().get(victim) and time.time() < deadline:
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)  # our own worker process; its nanny starts a new one
    got = future.result(timeout=120)
    client.wait_for_workers(2, timeout=60)
    z = X @ w  # the hand-written gradient, computed after the cluster has recovered
    want = dask.compute(X.T @ (1 / (1 + da.exp(-z)) - y) / rows)[0]
    np.testing.assert_allclose(got, want, rtol=1e-9)
