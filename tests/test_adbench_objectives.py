"""The ADBench objectives of benchmarks/adbench_tasks.py are right, and so are their derivatives.

Each vectorised objective is checked against a direct loop over its published definition
(plain NumPy, written here independently), funcgrad's derivatives against finite differences,
and, where installed, JAX's, PyTorch's and autograd's results against funcgrad's. Small sizes.
"""
from __future__ import annotations

import importlib.util
import math
import os

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.testing import check_grads

# loaded from its file: putting benchmarks/ on sys.path would let its scripts shadow modules
_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks",
                     "adbench_tasks.py")
_SPEC = importlib.util.spec_from_file_location("adbench_tasks", _PATH)
tasks = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(tasks)

F = tasks.ops("funcgrad")
NP = tasks.ops("numpy")


def _peer(name):
    pytest.importorskip(name)
    if name == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    return tasks.ops(name)


def _close(got, want, rtol=1e-9):
    got = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


# -- GMM ----------------------------------------------------------------------------------------

def gmm_by_loops(alphas, means, icf, x, gamma, m):
    """The GMM objective term by term: Q_k built entry by entry (icf's lower part column-wise)."""
    n, d = x.shape
    k = len(alphas)
    total = 0.0
    for i in range(n):
        terms = []
        for j in range(k):
            Q = np.diag(np.exp(icf[j, :d]))
            position = d
            for col in range(d):
                for row in range(col + 1, d):
                    Q[row, col] = icf[j, position]
                    position += 1
            z = Q @ (x[i] - means[j])
            terms.append(alphas[j] + icf[j, :d].sum() - 0.5 * z @ z)
        total += np.log(np.sum(np.exp(terms)))
    dof = d + m + 1
    prior = sum(0.5 * gamma ** 2 * (np.sum(np.exp(icf[j, :d]) ** 2) + np.sum(icf[j, d:] ** 2))
                - m * icf[j, :d].sum() for j in range(k))
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi) + sum(
        math.lgamma(0.5 * dof + 0.5 * (1 - j)) for j in range(1, d + 1))
    constant = dof * d * (math.log(gamma) - 0.5 * math.log(2)) - log_gamma_d
    return (-n * d * 0.5 * math.log(2 * math.pi) + total - n * np.log(np.sum(np.exp(alphas)))
            + prior - k * constant)


GMM = tasks.gmm_data(d=3, k=2, n=5, seed=1)
GMM_ARGS = (GMM.alphas, GMM.means, GMM.icf)


def gmm_f(a, mu, q):
    return tasks.gmm_objective(F, a, mu, q, GMM)


def test_gmm_objective_matches_its_definition():
    want = gmm_by_loops(*GMM_ARGS, GMM.x, GMM.gamma, GMM.m)
    _close(gmm_f(*GMM_ARGS), want, 1e-12)
    _close(tasks.gmm_objective(NP, *GMM_ARGS, GMM), want, 1e-12)


def test_gmm_gradient_matches_finite_differences():
    check_grads(gmm_f, GMM_ARGS, order=1, modes=("rev",))


@pytest.mark.parametrize("peer", ["jax", "torch", "autograd"])
def test_gmm_peers_agree(peer):
    xp = _peer(peer)
    want = fg.grad(gmm_f, argnums=(0, 1, 2))(*GMM_ARGS)
    data = tasks.convert(xp, GMM)
    args = (data.alphas, data.means, data.icf)
    if peer == "jax":
        import jax
        got = jax.jit(jax.grad(lambda *a: tasks.gmm_objective(xp, *a, data), argnums=(0, 1, 2)))(*args)
    elif peer == "torch":
        import torch
        args = tuple(a.clone().requires_grad_(True) for a in args)
        got = torch.autograd.grad(tasks.gmm_objective(xp, *args, data), args)
    else:
        import autograd
        got = autograd.grad(lambda *a: tasks.gmm_objective(xp, *a, data), argnum=(0, 1, 2))(*args)
    for g, w in zip(got, want):
        _close(g, w)


# -- BA -----------------------------------------------------------------------------------------

def rodrigues(r, v):
    t = np.linalg.norm(r)
    u = r / t
    return v * np.cos(t) + np.cross(u, v) * np.sin(t) + u * (u @ v) * (1 - np.cos(t))


def ba_by_loops(data):
    p = len(data.w)
    reprojection, weight = np.zeros((p, 2)), np.zeros(p)
    for i in range(p):
        cam, X = data.cams[data.cam_of[i]], data.X[data.point_of[i]]
        v = rodrigues(cam[0:3], X - cam[3:6])
        proj = v[:2] / v[2]
        rsq = proj @ proj
        proj = proj * (1 + cam[9] * rsq + cam[10] * rsq ** 2) * cam[6] + cam[7:9]
        reprojection[i] = data.w[i] * (proj - data.feats[i])
        weight[i] = 1 - data.w[i] ** 2
    return np.concatenate([reprojection.ravel(), weight])


BA = tasks.ba_data(n=3, m=5, p=12, seed=1)
BA_PARAMS = tasks.ba_params(BA)


def ba_f(q):
    return tasks.ba_objective(F, q, BA)


def test_ba_objective_matches_its_definition():
    _close(ba_f(BA_PARAMS), ba_by_loops(BA), 1e-12)


def test_ba_jacobian_dense_and_sparse():
    check_grads(ba_f, (BA_PARAMS,), order=1, modes=("fwd",))
    dense = fg.jacfwd(ba_f)(BA_PARAMS)
    sparse = fg.sparse_jacobian(ba_f)(BA_PARAMS)
    _close(sparse.toarray(), dense)
    rows, cols = tasks.ba_block_positions(BA)
    outside = np.ones(dense.shape, bool)
    outside[rows, cols] = False
    assert not dense[outside].any(), "a non-zero outside the observation blocks"


def test_ba_local_jacobian_is_the_full_one_renamed():
    pytest.importorskip("scipy")
    local = tasks.BALocal(F, BA)
    assert local.colors.n_colors == 2 and local.colors.mode == "rev"
    J = local.jacobian(BA_PARAMS)
    _close(J.toarray(), fg.jacfwd(ba_f)(BA_PARAMS))


@pytest.mark.parametrize("peer", ["torch", "autograd"])
def test_ba_peers_agree(peer):
    xp = _peer(peer)
    data = tasks.convert(xp, BA)
    f = lambda q: tasks.ba_objective(xp, q, data)  # noqa: E731
    if peer == "torch":
        import torch
        got = torch.autograd.functional.jacobian(f, torch.as_tensor(BA_PARAMS))
    else:
        import autograd
        got = autograd.jacobian(f)(BA_PARAMS)
    _close(got, fg.jacfwd(ba_f)(BA_PARAMS))


# -- HT -----------------------------------------------------------------------------------------

def euler(angles):
    tx, tz, ty = angles
    Rx = np.array([[1, 0, 0], [0, np.cos(tx), -np.sin(tx)], [0, np.sin(tx), np.cos(tx)]])
    Ry = np.array([[np.cos(ty), 0, np.sin(ty)], [0, 1, 0], [-np.sin(ty), 0, np.cos(ty)]])
    Rz = np.array([[np.cos(tz), -np.sin(tz), 0], [np.sin(tz), np.cos(tz), 0], [0, 0, 1]])
    return Rz @ Ry @ Rx


def ht_by_loops(theta, data):
    """ADBench's steps one bone at a time: pose parameters, relatives, absolutes, skinning."""
    n_bones = len(data.parents)
    pose = np.zeros((n_bones + 3, 3))
    pose[0], pose[1], pose[2] = theta[0:3], 1.0, theta[3:6]
    i_theta, i_pose = 6, 5
    for _ in range(5):
        for joint in range(3):
            pose[i_pose, 0] = theta[i_theta]
            i_theta += 1
            if joint == 0:
                pose[i_pose, 1] = theta[i_theta]
                i_theta += 1
            i_pose += 1
        i_pose += 1
    absolutes = []
    for b in range(n_bones):
        T = np.eye(4)
        T[:3, :3] = euler(pose[b + 3])
        relative = data.base_relatives[b] @ T
        absolutes.append(relative if data.parents[b] < 0 else absolutes[data.parents[b]] @ relative)
    positions = np.zeros((3, data.base_positions.shape[1]))
    for b in range(n_bones):
        transform = absolutes[b] @ data.inverse_base_absolutes[b]
        positions += (transform[:3] @ data.base_positions) * data.weights[b]
    if data.mirror is not None:
        positions[0] *= -1
    aa = pose[0]
    K = np.array([[0, -aa[2], aa[1]], [aa[2], 0, -aa[0]], [-aa[1], aa[0], 0]]) / np.linalg.norm(aa)
    t = np.linalg.norm(aa)
    R = np.eye(3) + np.sin(t) * K + (1 - np.cos(t)) * K @ K
    positions = (R * pose[1]) @ positions + pose[2][:, None]
    return (data.points - positions[:, data.correspondences].T).ravel()


@pytest.mark.parametrize("mirrored", [False, True])
def test_ht_objective_matches_its_definition(mirrored):
    data = tasks.ht_data(n_points=7, n_vertices=30, seed=1, mirrored=mirrored)
    _close(tasks.ht_objective(F, data.theta, data), ht_by_loops(data.theta, data), 1e-12)


HT = tasks.ht_data(n_points=7, n_vertices=30, seed=2)


def ht_f(theta):
    return tasks.ht_objective(F, theta, HT)


def test_ht_jacobian_matches_finite_differences_and_reverse_mode():
    check_grads(ht_f, (HT.theta,), order=1, modes=("fwd",))
    _close(fg.jacfwd(ht_f)(HT.theta), fg.jacrev(ht_f)(HT.theta))


def test_ht_small_global_rotation_is_the_identity_branch():
    theta = HT.theta.copy()
    theta[:3] = 1e-6
    small = ht_f(theta)
    theta[:3] = 0.0
    _close(small, ht_f(theta), 1e-12)
    assert np.isfinite(fg.jacfwd(ht_f)(theta)).all()


@pytest.mark.parametrize("peer", ["torch", "autograd"])
def test_ht_peers_agree(peer):
    xp = _peer(peer)
    data = tasks.convert(xp, HT)
    f = lambda t: tasks.ht_objective(xp, t, data)  # noqa: E731
    if peer == "torch":
        import torch
        got = torch.autograd.functional.jacobian(f, torch.as_tensor(HT.theta))
    else:
        import autograd
        got = autograd.jacobian(f)(HT.theta)
    _close(got, fg.jacfwd(ht_f)(HT.theta))


# -- LSTM ---------------------------------------------------------------------------------------

def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_by_loops(main, extra, data):
    l, b = main.shape[0] // 2, data.sequence.shape[1]
    state = data.state.copy()
    total = 0.0
    for t in range(len(data.sequence) - 1):
        x = data.sequence[t] * extra[0]
        for i in range(l):
            w, bias = main[2 * i], main[2 * i + 1]
            hidden, cell = state[2 * i], state[2 * i + 1]
            forget = sigmoid(x * w[:b] + bias[:b])
            ingate = sigmoid(hidden * w[b:2 * b] + bias[b:2 * b])
            outgate = sigmoid(x * w[2 * b:3 * b] + bias[2 * b:3 * b])
            change = np.tanh(hidden * w[3 * b:] + bias[3 * b:])
            cell = cell * forget + ingate * change
            hidden = outgate * np.tanh(cell)
            state[2 * i], state[2 * i + 1] = hidden, cell
            x = hidden
        y = x * extra[1] + extra[2]
        total += data.sequence[t + 1] @ (y - np.log(np.sum(np.exp(y)) + 2))
    return -total / ((len(data.sequence) - 1) * b)


LSTM = tasks.lstm_data(l=2, c=5, b=3, seed=1)


def lstm_f(main, extra):
    return tasks.lstm_objective(F, main, extra, LSTM)


def test_lstm_objective_matches_its_definition_with_and_without_scan():
    want = lstm_by_loops(LSTM.main, LSTM.extra, LSTM)
    _close(lstm_f(LSTM.main, LSTM.extra), want, 1e-12)
    _close(tasks.lstm_objective(F, LSTM.main, LSTM.extra, LSTM, scan=fg.lax.scan), want, 1e-12)
    _close(fg.jit(lstm_f)(LSTM.main, LSTM.extra), want, 1e-12)


def test_lstm_gradient_matches_finite_differences():
    check_grads(lstm_f, (LSTM.main, LSTM.extra), order=1, modes=("rev",))


@pytest.mark.parametrize("peer", ["jax", "torch", "autograd"])
def test_lstm_peers_agree(peer):
    xp = _peer(peer)
    want = fg.grad(lstm_f, argnums=(0, 1))(LSTM.main, LSTM.extra)
    data = tasks.convert(xp, LSTM)
    args = (data.main, data.extra)
    if peer == "jax":
        import jax
        f = lambda m, e: tasks.lstm_objective(xp, m, e, data, scan=jax.lax.scan)  # noqa: E731
        got = jax.jit(jax.grad(f, argnums=(0, 1)))(*args)
    elif peer == "torch":
        import torch
        args = tuple(a.clone().requires_grad_(True) for a in args)
        got = torch.autograd.grad(tasks.lstm_objective(xp, *args, data), args)
    else:
        import autograd
        got = autograd.grad(lambda m, e: tasks.lstm_objective(xp, m, e, data), argnum=(0, 1))(*args)
    for g, w in zip(got, want):
        _close(g, w)
