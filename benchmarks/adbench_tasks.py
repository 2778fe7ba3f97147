"""The four ADBench tasks (GMM, BA, HT, LSTM), written once for every NumPy-like namespace.

Definitions follow Microsoft's ADBench (arXiv:1807.10129), as continued by GradBench; the code
here is written from those published definitions, not copied. Each objective takes `xp`, a
namespace of array functions (`ops(name)` gives funcgrad.numpy, NumPy, autograd.numpy,
jax.numpy or a small PyTorch adapter), so every framework runs the same algorithm.
benchmarks/adbench.py times them; tests/test_adbench_objectives.py checks them.

Data are synthetic, of the published sizes (the ADBench data files are not shipped here): GMM
points, means and inverse-covariance factors are random; BA cameras and points are random near
a realistic pose with ADBench's observation layout (observation i sees camera i % n and point
i % m); the HT hand model has ADBench's shape (22 bones: root, wrist and five fingers of four
bones; 544 vertices; each vertex skinned to at most three bones) with random rest transforms.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np


# -- namespaces ---------------------------------------------------------------------------------

class _Namespace:
    """A NumPy-like module plus the few functions whose names differ between frameworks."""

    def __init__(self, module, **extra):
        self._module = module
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._module, name)


def _sigmoid_by_tanh(xp):
    return lambda x: 0.5 * (xp.tanh(0.5 * x) + 1.0)


class _TorchNamespace:
    """The NumPy names the objectives use, on PyTorch tensors."""

    def __init__(self):
        import torch
        self.torch = torch
        for name in ("exp", "log", "sin", "cos", "sqrt", "square", "tanh", "sigmoid", "einsum",
                     "reshape", "where", "swapaxes", "matmul"):
            setattr(self, name, getattr(torch, name))

    def sum(self, a, axis=None, keepdims=False):
        return self.torch.sum(a) if axis is None else self.torch.sum(a, dim=axis, keepdim=keepdims)

    def logsumexp(self, a, axis=None):
        return self.torch.logsumexp(a.reshape(-1) if axis is None else a, dim=0 if axis is None else axis)

    def stack(self, arrays, axis=0):
        return self.torch.stack(list(arrays), dim=axis)

    def concatenate(self, arrays, axis=0):
        return self.torch.cat(list(arrays), dim=axis)

    def asarray(self, a):
        return self.torch.as_tensor(np.asarray(a))


def _numpy_logsumexp(a, axis=None):
    shift = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)


def ops(name):
    """The namespace for `name` in {"numpy", "funcgrad", "autograd", "jax", "torch"}."""
    if name == "numpy":
        return _Namespace(np, logsumexp=_numpy_logsumexp, sigmoid=_sigmoid_by_tanh(np))
    if name == "funcgrad":
        import funcgrad.numpy as fnp
        from funcgrad.primitives.nn import sigmoid  # one primitive, as jax.nn's and torch's
        return _Namespace(fnp, asarray=np.asarray, sigmoid=sigmoid)
    if name == "autograd":
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp
        return _Namespace(anp, logsumexp=logsumexp, sigmoid=_sigmoid_by_tanh(anp), asarray=np.asarray)
    if name == "jax":
        import jax
        import jax.numpy as jnp
        from jax.scipy.special import logsumexp
        return _Namespace(jnp, logsumexp=logsumexp, sigmoid=jax.nn.sigmoid)
    if name == "torch":
        return _TorchNamespace()
    raise ValueError(f"no namespace {name!r}")


def convert(xp, data):
    """Every array leaf of the SimpleNamespace `data` as xp's array type (integers stay integers)."""
    return SimpleNamespace(**{key: xp.asarray(value) if isinstance(value, np.ndarray) else value
                              for key, value in vars(data).items()})


# -- GMM: negative log-likelihood of a Gaussian mixture with a Wishart prior -------------------

def gmm_data(d, k, n, seed=0):
    """alphas (k,), means (k, d), icf (k, d + d(d-1)/2), x (n, d), and the constants of Q."""
    rng = np.random.default_rng(seed)
    lower_rows, lower_cols = [], []
    for col in range(d):                          # ADBench's order: column by column
        for row in range(col + 1, d):
            lower_rows.append(row)
            lower_cols.append(col)
    index = np.zeros((d, d), dtype=np.int64)
    index[lower_rows, lower_cols] = d + np.arange(len(lower_rows))
    lower = np.zeros((d, d))
    lower[lower_rows, lower_cols] = 1.0
    return SimpleNamespace(
        alphas=rng.standard_normal(k), means=rng.uniform(0, 1, (k, d)),
        icf=np.concatenate([rng.normal(0, 0.1, (k, d)), rng.normal(0, 0.1, (k, len(lower_rows)))],
                           axis=1),
        x=rng.standard_normal((n, d)), gamma=1.0, m=0,
        tri_index=index, tri_lower=lower, eye=np.eye(d))


def log_multigamma(a, p):
    """log of the multivariate gamma function Gamma_p(a) (a constant here: no derivative)."""
    return 0.25 * p * (p - 1) * math.log(math.pi) + sum(math.lgamma(a - 0.5 * j) for j in range(p))


def gmm_objective(xp, alphas, means, icf, data):
    """ADBench's GMM objective: -log likelihood with lower-triangular Q_k = inverse Cholesky factors.

    Q_k = diag(exp(q_k)) + L_k, icf[k] = (q_k, L_k's strict lower part column by column);
    term[i, k] = alpha_k + sum(q_k) - |Q_k (x_i - mu_k)|^2 / 2, summed by log-sum-exp over k.
    Q_k (x_i - mu_k) is computed as Q_k x_i - Q_k mu_k: one matrix product of x with every Q.
    """
    x = data.x
    n, d = x.shape
    k = alphas.shape[0]
    qs = icf[:, :d]
    q_diag = xp.exp(qs)
    sum_qs = xp.sum(qs, axis=1)
    Q = icf[:, data.tri_index] * data.tri_lower + q_diag[:, :, None] * data.eye     # (k, d, d)
    Qx = xp.reshape(xp.matmul(x, xp.swapaxes(xp.reshape(Q, (k * d, d)), 0, 1)), (n, k, d))
    z = Qx - xp.einsum("kij,kj->ki", Q, means)
    term = alphas + sum_qs - 0.5 * xp.sum(xp.square(z), axis=2)  # (n, k)
    # the Wishart prior on the precision matrices (gamma, m) and its normalising constant
    gamma, m = data.gamma, data.m
    dof = d + m + 1
    frobenius = xp.sum(q_diag * q_diag, axis=1) + xp.sum(icf[:, d:] ** 2, axis=1)
    prior = xp.sum(0.5 * gamma * gamma * frobenius - m * sum_qs)
    prior_constant = dof * d * (math.log(gamma) - 0.5 * math.log(2.0)) - log_multigamma(0.5 * dof, d)
    constant = -n * d * 0.5 * math.log(2 * math.pi)
    return (constant + xp.sum(xp.logsumexp(term, axis=1)) - n * xp.logsumexp(alphas)
            + prior - k * prior_constant)


# -- BA: bundle adjustment, reprojection error and weight error -------------------------------

def ba_data(n, m, p, seed=0):
    """cams (n, 11) = rotation 3, centre 3, focal 1, principal point 2, distortion 2; X (m, 3);
    w (p,); observation i sees camera i % n and point i % m at feats[i]."""
    rng = np.random.default_rng(seed)
    cams = np.concatenate([rng.normal(0, 0.3, (n, 3)), rng.normal(0, 1, (n, 3)),
                           rng.uniform(400, 600, (n, 1)), rng.normal(0, 1, (n, 2)),
                           rng.normal(0, 1e-3, (n, 1)), rng.normal(0, 1e-6, (n, 1))], axis=1)
    X = rng.normal(0, 1, (m, 3)) + [0.0, 0.0, -10.0]
    obs = np.arange(p)
    return SimpleNamespace(cams=cams, X=X, w=rng.uniform(0.5, 1.5, p),
                           cam_of=obs % n, point_of=obs % m, feats=rng.normal(0, 50, (p, 2)))


def _cross(xp, a, b):
    return xp.stack([a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1], a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                     a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]], axis=1)


def ba_local(xp, cam, X, w, feats):
    """Residuals of p observations from their own camera (p, 11), point (p, 3) and weight (p,):
    (p, 3), the weighted reprojection error (2 columns) and the weight error 1 - w^2."""
    return xp.concatenate([ba_reprojection(xp, cam, X, w, feats), (1 - w * w)[:, None]], axis=1)


def ba_reprojection(xp, cam, X, w, feats):
    """(p, 2) weighted reprojection errors w * (projection of X by cam - feats).

    The rotation is Rodrigues' formula R(r) v = v cos t + (u x v) sin t + u (u . v)(1 - cos t),
    u = r / t, t = |r| > 0 in the data (ADBench's first-order branch for t = 0 is not taken).
    """
    rot, centre = cam[:, 0:3], cam[:, 3:6]
    v = X - centre
    theta = xp.sqrt(xp.sum(rot * rot, axis=1, keepdims=True))
    u = rot / theta
    cos, sin = xp.cos(theta), xp.sin(theta)
    rotated = v * cos + _cross(xp, u, v) * sin + u * (xp.sum(u * v, axis=1, keepdims=True) * (1 - cos))
    projected = rotated[:, 0:2] / rotated[:, 2:3]
    rsq = xp.sum(projected * projected, axis=1, keepdims=True)
    distorted = projected * (1 + cam[:, 9:10] * rsq + cam[:, 10:11] * rsq * rsq)
    reprojection = distorted * cam[:, 6:7] + cam[:, 7:9]
    return w[:, None] * (reprojection - feats)


def ba_objective(xp, params, data):
    """All residuals from the flat parameters (cams, X, w): 2p reprojection errors (observation
    by observation), then p weight errors, ADBench's order. Jacobian (3p, 11n + 3m + p)."""
    n, m, p = len(data.cams), len(data.X), len(data.w)
    cams = xp.reshape(params[: 11 * n], (n, 11))
    X = xp.reshape(params[11 * n: 11 * n + 3 * m], (m, 3))
    w = params[11 * n + 3 * m:]
    r = ba_local(xp, cams[data.cam_of], X[data.point_of], w, data.feats)
    return xp.concatenate([xp.reshape(r[:, 0:2], (-1,)), r[:, 2]])


def ba_params(data):
    return np.concatenate([data.cams.ravel(), data.X.ravel(), data.w])


def ba_block_positions(data):
    """(rows, cols), each (p, 3, 15): where observation i's 3 x 15 block sits in the Jacobian."""
    n, m, p = len(data.cams), len(data.X), len(data.w)
    i = np.arange(p)
    rows = np.stack([2 * i, 2 * i + 1, 2 * p + i], axis=1)[:, :, None].repeat(15, axis=2)
    cols = np.concatenate([11 * data.cam_of[:, None] + np.arange(11),
                           11 * n + 3 * data.point_of[:, None] + np.arange(3),
                           11 * n + 3 * m + i[:, None]], axis=1)[:, None, :].repeat(3, axis=1)
    return rows, cols


class BALocal:
    """The BA Jacobian through fg.sparse_jacobian of the observation-local residuals.

    Observation i's reprojection error depends only on its own camera, point and weight, so as
    a function of the gathered (p, 11) cameras, (p, 3) points and the weights its Jacobian is
    block diagonal: its rows take 2 colours (reverse mode), against at least 15 columns for the
    objective as written. The weight errors 1 - w^2 are a second, diagonal sparse Jacobian (1
    colour). Each gathered column is one column of the full Jacobian, so the full CSR is the
    two local ones stacked with their column indices renamed (a fixed map, computed once).
    """

    def __init__(self, F, data, jit=False):
        import funcgrad as fg
        n, m, p = len(data.cams), len(data.X), len(data.w)
        self.data = data

        def reprojection(z):
            cam = F.reshape(z[: 11 * p], (p, 11))
            X = F.reshape(z[11 * p: 14 * p], (p, 3))
            return F.reshape(ba_reprojection(F, cam, X, z[14 * p:], data.feats), (-1,))

        def weight_error(w):
            return 1 - w * w
        z = self.gather(ba_params(data))
        self.colors = fg.sparse.coloring(fg.jacobian_sparsity(reprojection)(z))
        self.reprojection = fg.sparse_jacobian(reprojection, sparsity=self.colors)
        self.weight_error = fg.sparse_jacobian(
            weight_error, sparsity=fg.jacobian_sparsity(weight_error)(data.w))
        if jit:
            self.reprojection = fg.jit(self.reprojection)
            self.weight_error = fg.jit(self.weight_error)
        J, W = self.reprojection(z), self.weight_error(data.w)
        column_of = np.concatenate([(11 * data.cam_of[:, None] + np.arange(11)).ravel(),
                                    (11 * n + 3 * data.point_of[:, None] + np.arange(3)).ravel(),
                                    11 * n + 3 * m + np.arange(p)])
        self.indices = np.concatenate([column_of[J.indices], 11 * n + 3 * m + W.indices])
        self.indptr = np.concatenate([J.indptr, J.indptr[-1] + W.indptr[1:]])
        self.shape = (3 * p, 11 * n + 3 * m + p)

    def gather(self, params):
        data = self.data
        n, m = len(data.cams), len(data.X)
        cams = params[: 11 * n].reshape(n, 11)[data.cam_of]
        X = params[11 * n: 11 * n + 3 * m].reshape(m, 3)[data.point_of]
        return np.concatenate([cams.ravel(), X.ravel(), params[11 * n + 3 * m:]])

    def jacobian(self, params):
        """The (3p, 11n + 3m + p) Jacobian of ba_objective at params, a scipy.sparse.csr_array."""
        import scipy.sparse
        n, m = len(self.data.cams), len(self.data.X)
        J = self.reprojection(self.gather(params))
        W = self.weight_error(params[11 * n + 3 * m:])
        return scipy.sparse.csr_array((np.concatenate([J.data, W.data]), self.indices, self.indptr),
                                      shape=self.shape)


# -- HT: hand tracking, skinned-mesh vertex positions against observed points -----------------

N_FINGERS, BONES_PER_FINGER = 5, 4


def hand_parents():
    """Root, wrist, then five chains of four bones hanging off the wrist (22 bones)."""
    parents = [-1, 0]
    for finger in range(N_FINGERS):
        first = 2 + BONES_PER_FINGER * finger
        parents += [1, first, first + 1, first + 2]
    return np.array(parents)


def pose_index(n_bones):
    """(n_bones + 3, 3) positions in [theta (26), 0, 1] of ADBench's pose parameters: global
    rotation, scale (ones), translation, then per bone its Euler angles: per finger the
    knuckle flexes and abducts, the next two joints flex, the tip is fixed."""
    zero, one = 26, 27
    index = np.full((n_bones + 3, 3), zero)
    index[0], index[1], index[2] = [0, 1, 2], one, [3, 4, 5]
    i_theta = 6
    for finger in range(N_FINGERS):
        row = 5 + BONES_PER_FINGER * finger
        index[row, :2] = i_theta, i_theta + 1
        index[row + 1, 0], index[row + 2, 0] = i_theta + 2, i_theta + 3
        i_theta += 4
    return index


def _random_rotation(rng, scale):
    a = rng.normal(0, scale, 3)
    t = np.linalg.norm(a)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]]) / t
    return np.eye(3) + math.sin(t) * K + (1 - math.cos(t)) * K @ K


def ht_data(n_points, n_vertices=544, seed=0, mirrored=False):
    """A synthetic hand model of ADBench's shape and n_points correspondences."""
    rng = np.random.default_rng(seed)
    parents = hand_parents()
    n_bones = len(parents)
    base_relatives = np.zeros((n_bones, 4, 4))
    for b in range(n_bones):
        base_relatives[b, :3, :3] = _random_rotation(rng, 0.3)
        base_relatives[b, :3, 3] = rng.normal(0, 1, 3) + ([0, 0, 0] if b < 2 else [0, 3, 0])
        base_relatives[b, 3, 3] = 1.0
    absolutes = np.zeros_like(base_relatives)
    for b in range(n_bones):
        absolutes[b] = base_relatives[b] if parents[b] < 0 else absolutes[parents[b]] @ base_relatives[b]
    weights = np.zeros((n_bones, n_vertices))
    for v in range(n_vertices):
        bones = rng.choice(n_bones, 3, replace=False)
        weights[bones, v] = rng.dirichlet(np.ones(3))
    base_positions = np.concatenate([rng.normal(0, 5, (3, n_vertices)), np.ones((1, n_vertices))])
    levels = _levels(parents)
    order = np.concatenate(levels)
    position_in_order = np.argsort(order)
    data = SimpleNamespace(
        parents=parents, base_relatives=base_relatives, inverse_base_absolutes=np.linalg.inv(absolutes),
        pose_index=pose_index(n_bones), zero_one=np.array([0.0, 1.0]),
        # weights times base positions, (bone, coordinate) by vertex: positions = T @ this
        weighted_base=(weights[:, None, :] * base_positions[None]).reshape(n_bones * 4, n_vertices),
        weights=weights, base_positions=base_positions,
        mirror=np.array([[-1.0], [1.0], [1.0]]) if mirrored else None, eye=np.eye(3),
        levels=levels, level_parents=[position_in_order[parents[level]] for level in levels[1:]],
        unorder=position_in_order,
        correspondences=rng.integers(0, n_vertices, n_points))
    data.points = rng.normal(0, 1, (n_points, 3)) + 10.0
    data.theta = np.concatenate([rng.normal(0, 0.3, 3), rng.normal(0, 1, 3), rng.normal(0, 0.3, 20)])
    return data


def _levels(parents):
    depth = np.zeros(len(parents), dtype=np.int64)
    for b, parent in enumerate(parents):
        depth[b] = 0 if parent < 0 else depth[parent] + 1
    return [np.flatnonzero(depth == level) for level in range(depth.max() + 1)]


def _euler_rotations(xp, angles):
    """R = Rz Ry Rx for ADBench's (x, z, y) ordered angles, one (3, 3) matrix per row."""
    tx, tz, ty = angles[:, 0], angles[:, 1], angles[:, 2]
    cx, sx, cy, sy, cz, sz = xp.cos(tx), xp.sin(tx), xp.cos(ty), xp.sin(ty), xp.cos(tz), xp.sin(tz)
    zero, one = 0.0 * tx, 0.0 * tx + 1.0
    def matrices(*entries):
        return xp.reshape(xp.stack(entries, axis=1), (-1, 3, 3))
    Rx = matrices(one, zero, zero, zero, cx, -sx, zero, sx, cx)
    Ry = matrices(cy, zero, sy, zero, one, zero, -sy, zero, cy)
    Rz = matrices(cz, -sz, zero, sz, cz, zero, zero, zero, one)
    return xp.matmul(Rz, xp.matmul(Ry, Rx))


def _angle_axis_rotation(xp, aa, eye):
    """Rotation by angle |aa| about aa / |aa| (the identity when |aa| < 1e-4, as ADBench)."""
    squared = xp.sum(aa * aa)
    small = squared < 1e-8
    norm = xp.sqrt(xp.where(small, 1.0, squared))   # never sqrt(0): a finite derivative at 0
    u = aa / norm
    x, y, z = u[0], u[1], u[2]
    s, c = xp.sin(norm), xp.cos(norm)
    R = xp.reshape(xp.stack([x * x + (1 - x * x) * c, x * y * (1 - c) - z * s, x * z * (1 - c) + y * s,
                             x * y * (1 - c) + z * s, y * y + (1 - y * y) * c, y * z * (1 - c) - x * s,
                             x * z * (1 - c) - y * s, z * y * (1 - c) + x * s, z * z + (1 - z * z) * c]),
                   (3, 3))
    return xp.where(small, eye, R)


def ht_objective(xp, theta, data):
    """ADBench's hand objective (the "simple" variant): 3 n_points errors points - vertices.

    Bone b's relative transform is its rest one times the rotation by its Euler angles;
    absolutes compose down the tree (level by level); a vertex is the skinning-weighted sum of
    its bones' absolute-times-inverse-rest transforms of its rest position, then mirrored if
    the model is, then rotated (angle-axis), scaled and translated globally.
    """
    pose = xp.concatenate([theta, data.zero_one])[data.pose_index]              # (n_bones + 3, 3)
    R = _euler_rotations(xp, pose[3:])
    base = data.base_relatives
    relatives = xp.concatenate([xp.matmul(base[:, :, :3], R), base[:, :, 3:]], axis=2)
    done = relatives[data.levels[0]]
    for level, parent in zip(data.levels[1:], data.level_parents):
        done = xp.concatenate([done, xp.matmul(done[parent], relatives[level])])
    absolutes = done[data.unorder]
    transforms = xp.matmul(absolutes, data.inverse_base_absolutes)[:, :3, :]     # (n_bones, 3, 4)
    T = xp.reshape(xp.swapaxes(transforms, 0, 1), (3, -1))                        # (3, n_bones * 4)
    positions = xp.matmul(T, data.weighted_base)                                  # (3, n_vertices)
    if data.mirror is not None:
        positions = positions * data.mirror
    G = _angle_axis_rotation(xp, pose[0], data.eye) * pose[1][None, :]
    positions = xp.matmul(G, positions) + pose[2][:, None]
    vertices = xp.swapaxes(positions, 0, 1)[data.correspondences]               # (n_points, 3)
    return xp.reshape(data.points - vertices, (-1,))


# -- LSTM: ADBench's LSTM (diagonal weights) over a sequence -----------------------------------

def lstm_data(l, c, b, seed=0):
    """main (2l, 4b): per layer a weight row and a bias row; extra (3, b): input scale, output
    scale, output bias; state (2l, b): per layer hidden and cell; sequence (c, b)."""
    rng = np.random.default_rng(seed)
    return SimpleNamespace(main=rng.normal(0, 1, (2 * l, 4 * b)), extra=rng.normal(0, 1, (3, b)),
                           state=rng.normal(0, 1, (2 * l, b)), sequence=rng.normal(0, 1, (c, b)))


def lstm_step(xp, layers, extra, state, x):
    """One prediction: x scaled in, through every layer, scaled out; returns (y, new state).

    A layer's gates are elementwise ("diagonal" weights): forget and output gates read the
    input, the input gate and the candidate read the hidden state. `extra` is the tuple of
    extra_params' rows (input scale, output scale, output bias).
    """
    b = x.shape[0]
    h_in = x * extra[0]
    new_state = []
    for (weight, bias), (hidden, cell) in zip(layers, state):
        z = xp.concatenate([h_in, hidden, h_in, hidden]) * weight + bias
        gates = xp.sigmoid(z[: 3 * b])
        cell = cell * gates[:b] + gates[b: 2 * b] * xp.tanh(z[3 * b:])
        hidden = gates[2 * b: 3 * b] * xp.tanh(cell)
        new_state.append((hidden, cell))
        h_in = hidden
    return h_in * extra[1] + extra[2], new_state


def _lstm_loss_step(xp, layers, extra, state, x, target):
    y, state = lstm_step(xp, layers, extra, state, x)
    # ADBench's normalisation: log(sum(exp(y)) + 2), not a plain log-sum-exp
    return state, xp.sum(target * (y - xp.log(xp.sum(xp.exp(y)) + 2.0)))


def lstm_objective(xp, main, extra, data, scan=None):
    """-(1 / ((c - 1) b)) sum_t target_t . log-normalised prediction from the previous step.

    With `scan` (fg.lax.scan or jax.lax.scan) the time loop is one scan; otherwise Python.
    """
    l = main.shape[0] // 2
    layers = [(main[2 * i], main[2 * i + 1]) for i in range(l)]
    extra = (extra[0], extra[1], extra[2])  # rows read at every step, taken once
    state = [(data.state[2 * i], data.state[2 * i + 1]) for i in range(l)]
    sequence = data.sequence
    c, b = sequence.shape
    if scan is None:
        total = 0.0
        for t in range(c - 1):
            state, term = _lstm_loss_step(xp, layers, extra, state, sequence[t], sequence[t + 1])
            total = total + term
    else:
        def body(carry, xs):
            state, total = carry
            state, term = _lstm_loss_step(xp, layers, extra, state, xs[0], xs[1])
            return (state, total + term), None
        (state, total), _ = scan(body, (state, 0.0 * main[0, 0]), (sequence[:-1], sequence[1:]))
    return -total / ((c - 1) * b)
