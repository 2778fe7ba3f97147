"""Sensitivities of ODE solutions: the primitives behind funcgrad.scipy.integrate.

An `OdeProblem` holds y' = f(y, t, p) on flat vectors (f written with funcgrad operations) and
how to solve it (SciPy's solve_ivp method and tolerances). Three primitives:

    odeint(y0, ts, p)               ys[i] = y(ts[i])                       (T, n)
    ode_tangent(y0, ts, p, s0, dp)  ss[i] = s(ts[i]), the forward sensitivity
                                    s' = f_y s + f_p dp, s(t0) = s0         (T, n)
    ode_adjoint(g, y0, ts, p)       (y0_bar, ts_bar, p_bar) = J^T g         (n + T + P,)

odeint's forward rule is ode_tangent (the augmented system (y, s) solved forward); its reverse
rule is ode_adjoint, the adjoint method: a(t) = dL/dy(t) integrated backward,
a' = -f_y^T a, p_bar' = -f_p^T a, from the last output time to the first, with g[i] added to a
at each ts[i]. y(t) on the way back comes from the forward solve's dense output (checkpoints at
every step of the forward solve, not a backward re-integration of y, which is unstable for
stiff problems). Both run SciPy on plain values, with f's jvp and vjp traced once and replayed as
generated code (funcgrad.jit's programs) at every step.

ode_tangent is linear in (s0, dp) and ode_adjoint in g, and each is the transpose of the other,
so those derivatives are the other primitive. Their derivatives in (y0, ts, p) (second order:
hessian, jacfwd(grad), grad(grad)) are those of reference formulas written with funcgrad
operations: the tangent as the s-part of odeint of the augmented system, the adjoint as the
contraction of g with the full forward sensitivity matrix. Second order therefore costs a solve
with n * (1 + n + P) states: meant for small problems.

Under vmap, odeint of a batch is one solve of the stacked system; several tangents (jacfwd) or
cotangents (jacrev) of one solution are one solve with a matrix of sensitivities.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from typing import Any

import numpy as np

from funcgrad.core.primitive import PerInputRules, Primitive, ShapedArray
from funcgrad.core.tracer import Tracer
from funcgrad.errors import where
from funcgrad.primitives.contraction import matmul as _matmul
from funcgrad.primitives import elementwise as _ew
from funcgrad.primitives import reductions as _red
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import shape_of
from funcgrad.transforms.custom import Once
from funcgrad.transforms.implicit import report_failure

IMPLICIT_METHODS = ("BDF", "Radau", "LSODA")
SENSITIVITIES = ("adjoint", "forward")


def scipy_solve_ivp():
    try:
        from scipy.integrate import solve_ivp
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("funcgrad's ODE solvers run scipy.integrate.solve_ivp: "
                          "pip install funcgrad[scipy]") from err
    return solve_ivp


def _sparse():
    import scipy.sparse as sp
    return sp


class Compiled:
    """fun (funcgrad operations) on plain float64 arrays, traced once per signature by jit and
    then run as its generated program; traced again when a value-dependent guard fails.

    Programs are shared between calls (each solve makes new problems): a call records fun's
    trace (cheap) and reuses the program generated for an identical trace, same equations, same
    parameters and the same constants by value, so a changed closure value is never stale."""

    __slots__ = ("jitted", "programs")

    def __init__(self, fun):
        from funcgrad.transforms.jit import jit
        self.jitted = jit(fun)
        self.programs = {}

    def __call__(self, *args):
        key = tuple(a.shape for a in args)
        lowered = self.programs.get(key)
        if lowered is not None:
            try:
                return lowered.unpack(lowered.compiled(*args))
            except _guard_failed():
                pass
        fingerprint = _fingerprint(self.jitted.fun, args)
        lowered = _PROGRAMS.get(fingerprint) if fingerprint is not None else None
        if lowered is not None:
            _PROGRAMS.move_to_end(fingerprint)
            self.programs[key] = lowered
            return lowered.unpack(lowered.compiled(*args))
        try:
            lowered, result = self.jitted.trace_uncounted(args, {})
        except Exception:  # not traceable by jit (float() of a value...): run it as it is
            return self.jitted.fun(*args)
        if lowered.pure:
            self.programs[key] = lowered
            if fingerprint is not None:
                _PROGRAMS[fingerprint] = lowered
                while len(_PROGRAMS) > PROGRAM_CACHE_SIZE:
                    _PROGRAMS.popitem(last=False)
        return result


PROGRAM_CACHE_SIZE = 64
_PROGRAMS: OrderedDict = OrderedDict()


def _fingerprint(fun, args):
    """A key equal for two traces of fun that generate the same program (None: not keyable,
    e.g. a value-dependent Python branch, which only jit's guards can record)."""
    from funcgrad.transforms.tracing import make_trace
    try:
        trace = make_trace(fun)(*args)
        parts: list[Any] = [tuple((v.shape, v.dtype.str) for v in trace.inputs)]
        for eq in trace.equations:
            parts.append((eq.primitive, tuple(_constant_key(x) for x in eq.inputs),
                          tuple(v.index for v in eq.outputs), _constant_key(eq.params)))
        parts.append(tuple(_constant_key(x) for x in trace.outputs))
        key = tuple(parts)
        hash(key)
        return key
    except Exception:
        return None


def _constant_key(x):
    from funcgrad.core.ir import Var
    if isinstance(x, Var):
        return ("var", x.index)
    if isinstance(x, (np.ndarray, np.generic)):
        x = np.asarray(x)
        return ("array", x.shape, x.dtype.str, x.tobytes())
    if isinstance(x, (tuple, list)):
        return (type(x).__name__,) + tuple(_constant_key(v) for v in x)
    if isinstance(x, dict):
        return ("dict",) + tuple((k, _constant_key(v)) for k, v in sorted(x.items()))
    if isinstance(x, (bool, int, float, complex, str, type(None), slice, type(Ellipsis))):
        return (type(x).__name__, repr(x))
    return ("object", x)  # compared by identity (kept alive by the key)


def _guard_failed():
    from funcgrad.transforms.codegen import GuardFailed
    return GuardFailed


class OdeProblem:
    """y' = rhs(y, t, p) on flat vectors (n states, P parameters) and how to solve it.

    `rhs(y, t, p)` is written with funcgrad operations; `method`, `rtol`, `atol`, `options` go to
    scipy.integrate.solve_ivp for every solve (the primal, the tangent and the adjoint ones);
    `sensitivity` chooses the reverse rule ("adjoint", or "forward": J^T g from the full forward
    sensitivity matrix); `dense` keeps the forward solve's dense output for the adjoint."""

    def __init__(self, rhs, n, n_params, dtype, *, method="RK45", rtol=1.4e-8, atol=1.4e-8,
                 options=None, sensitivity="adjoint", on_failure="raise", name="odeint",
                 dense=True, rhs_pieces=None, pieces=None):
        if sensitivity not in SENSITIVITIES:
            raise ValueError(f"{name}: sensitivity must be 'adjoint' or 'forward', not "
                             f"{sensitivity!r}.")
        self.rhs = rhs
        # the plain evaluators take p in pieces (one per parameter array) when rhs_pieces is
        # given: rhs_pieces(y, t, *pieces) == rhs(y, t, concatenate(pieces)), and its vjp then
        # has no scatter of each piece's cotangent into p
        self.rhs_pieces = rhs_pieces if rhs_pieces is not None else rhs
        if rhs_pieces is None:
            self.pieces = [int(n_params)]
        elif pieces is None:
            raise TypeError(f"{name}: rhs_pieces needs pieces (the parameter arrays' sizes)")
        else:
            self.pieces = list(pieces)
        self.offsets = np.cumsum([0] + self.pieces)
        self.n = int(n)
        self.n_params = int(n_params)
        self.dtype = np.dtype(dtype)
        self.method = method
        self.rtol = rtol
        self.atol = atol
        self.options = dict(options or {})
        self.sensitivity = sensitivity
        self.on_failure = on_failure
        self.name = name
        self.dense = dense
        self.memo = Once()          # odeint's three reverse rules share one adjoint solve
        self.last = None            # the last primal solve: (key, scipy result)
        self._compiled = {}
        self._augmented = None
        self._stacked = {}

    def __repr__(self):
        return f"<ODE {self.name}: {self.n} states, {self.n_params} parameters, {self.method}>"

    # -- plain evaluators -------------------------------------------------------------------
    def compiled(self, kind):
        fun = self._compiled.get(kind)
        if fun is None:
            fun = self._compiled[kind] = Compiled(getattr(self, "_" + kind))
        return fun

    def split(self, p):
        """p as the pieces the plain evaluators take (views)."""
        return [p[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def _value(self, y, t, *p):
        return self.rhs_pieces(y, t, *p)

    def _tangents(self, y, t, s, *pd):
        # f and the rows f_y s_b + f_p d_b, one linearisation shared by every row
        from funcgrad.transforms.linearize import linearize
        from funcgrad.transforms.vmap import vmap
        k = len(pd) // 2
        value, push = linearize(lambda yy, *pp: self.rhs_pieces(yy, t, *pp), y, *pd[:k])
        return value, vmap(push)(s, *pd[k:])

    def _cotangents(self, y, t, a, *p):
        # the rows a_b f_y and a_b f_p: one recorded vjp, its pullback vmapped over the rows
        from funcgrad.transforms.reverse import vjp
        from funcgrad.transforms.vmap import vmap
        _, pullback = vjp(lambda yy, *pp: self.rhs_pieces(yy, t, *pp), y, *p)
        return vmap(pullback)(a)

    def _cotangent(self, y, t, a, *p):
        # one row: a f_y and a f_p without the batch axis (fewer reshapes in the program)
        from funcgrad.transforms.reverse import vjp
        _, pullback = vjp(lambda yy, *pp: self.rhs_pieces(yy, t, *pp), y, *p)
        return pullback(a)

    def _jacobians(self, y, t, *p):
        from funcgrad.transforms.jacobians import jacfwd
        argnums = tuple(range(len(p) + 1))
        return jacfwd(lambda yy, *pp: self.rhs_pieces(yy, t, *pp), argnums=argnums)(y, *p)

    def jacobians_values(self, y, t, pieces):
        """(f_y, f_p) as (n, n), (n, P) float64 arrays."""
        blocks = self.compiled("jacobians")(y, np.float64(t), *pieces)
        fy = np.asarray(blocks[0], np.float64)
        fp = [np.asarray(b, np.float64).reshape(self.n, -1) for b in blocks[1:]]
        return fy, (np.concatenate(fp, axis=1) if fp else np.zeros((self.n, 0)))

    # -- solves on plain values -------------------------------------------------------------
    def _run(self, fun, t_span, z0, t_eval=None, jac=None, dense=False, what="the ODE"):
        solve_ivp = scipy_solve_ivp()
        options = dict(self.options)
        if what != "the ODE":
            options.pop("first_step", None)  # the user's first step is the primal solve's
        if self.method in IMPLICIT_METHODS and jac is not None:
            options.setdefault("jac", jac)
        result = solve_ivp(fun, t_span, z0, method=self.method, t_eval=t_eval, rtol=self.rtol,
                           atol=self.atol, dense_output=dense, **options)
        if not result.success:
            report_failure(f"{self.name}: solve_ivp(method={self.method!r}) failed solving "
                           f"{what}{where()}: {result.message} The solution (and its "
                           "derivative) is not available; loosen rtol/atol, try another method "
                           "(BDF or Radau for stiff problems), or pass on_failure='warn'.",
                           self.on_failure)
        return result

    def _fun(self, p):
        value = self.compiled("value")
        pieces = self.split(p)
        return lambda t, y: np.asarray(value(y, np.float64(t), *pieces), np.float64)

    def _jac(self, p, blocks=None):
        if self.method not in IMPLICIT_METHODS:
            return None
        pieces = self.split(p)

        def jac(t, z):
            fy = self.jacobians_values(z[:self.n], t, pieces)[0]
            if blocks is None:
                return fy
            return _sparse().kron(_sparse().identity(blocks), fy, format="csc")
        return jac

    def solve_values(self, y0, ts, p):
        """ys (T, n) on plain values; the solve is kept (dense output) for the adjoint."""
        y0 = np.asarray(y0, np.float64)
        ts = np.asarray(ts, np.float64)
        p = np.asarray(p, np.float64)
        if ts.size == 1:
            return y0[None].astype(self.dtype)
        result = self._run(self._fun(p), (ts[0], ts[-1]), y0, ts, self._jac(p), self.dense)
        ys = np.ascontiguousarray(result.y.T)
        if ys.shape[0] != ts.size:  # a failed solve accepted with on_failure="warn"
            ys = np.concatenate([ys, np.full((ts.size - ys.shape[0], self.n), np.nan)])
        self.last = (_key(y0, ts, p), result)
        return ys.astype(self.dtype, copy=False)

    def _dense_solution(self, y0, ts, p):
        key = _key(y0, ts, p)
        last = self.last
        if last is None or not _same_key(last[0], key) or last[1].sol is None:
            dense, self.dense = self.dense, True
            try:
                self.solve_values(y0, ts, p)
            finally:
                self.dense = dense
            last = self.last
            assert last is not None  # (solve_values keeps its solve)
        return last[1].sol

    def tangent_values(self, y0, ts, p, s0, dp, batched):
        """ss: lead + (T, n), lead the `batched` leading axes of s0 and dp (one row each)."""
        y0, ts, p = (np.asarray(v, np.float64) for v in (y0, ts, p))
        s0, dp = np.asarray(s0, np.float64), np.asarray(dp, np.float64)
        lead = s0.shape[:batched]
        rows = int(np.prod(lead, dtype=np.int64))
        s0 = s0.reshape(rows, self.n)
        dp = np.broadcast_to(dp, lead + (self.n_params,)).reshape(rows, self.n_params)
        n, T = self.n, ts.size
        if T == 1:
            return s0.reshape(lead + (1, n)).astype(self.dtype)
        tangents = self.compiled("tangents")
        pd = self.split(p) + [dp[:, a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

        def fun(t, z):
            value, pushed = tangents(z[:n], np.float64(t), z[n:].reshape(rows, n), *pd)
            return np.concatenate([np.asarray(value, np.float64).ravel(),
                                   np.asarray(pushed, np.float64).ravel()])
        result = self._run(fun, (ts[0], ts[-1]), np.concatenate([y0, s0.ravel()]), ts,
                           self._jac(p, rows + 1), what="the forward sensitivities")
        ss = result.y[n:].reshape(rows, n, -1)
        if ss.shape[-1] != T:
            ss = np.concatenate([ss, np.full((rows, n, T - ss.shape[-1]), np.nan)], axis=-1)
        return np.swapaxes(ss, 1, 2).reshape(lead + (T, n)).astype(self.dtype, copy=False)

    def adjoint_values(self, g, y0, ts, p, batched):
        """(y0_bar, ts_bar, p_bar) concatenated: lead + (n + T + P,)."""
        y0, ts, p = (np.asarray(v, np.float64) for v in (y0, ts, p))
        g = np.asarray(g, np.float64)
        lead = g.shape[:batched]
        n, T, P = self.n, ts.size, self.n_params
        rows = int(np.prod(lead, dtype=np.int64))
        g = g.reshape(rows, T, n)
        if self.sensitivity == "forward":
            bars = self._adjoint_by_tangents(g, y0, ts, p)
        else:
            bars = self._adjoint(g, y0, ts, p)
        return bars.reshape(lead + (n + T + P,)).astype(self.dtype, copy=False)

    def _adjoint(self, g, y0, ts, p):
        n, T, P = self.n, ts.size, self.n_params
        rows = g.shape[0]
        f = self._fun(p)
        pieces = self.split(p)
        a = g[:, -1].copy()
        p_bar = np.zeros((rows, P))
        ts_bar = np.zeros((rows, T))
        if T == 1:  # no interval: y(t0) = y0 depends on nothing else
            return np.concatenate([a, ts_bar, p_bar], axis=1)
        solution = self._dense_solution(y0, ts, p)
        sol = _Interpolant(solution)
        jac = self._adjoint_jac(pieces, sol, rows)
        if rows == 1:
            cotangent = self.compiled("cotangent")

            def one_row(t, z):
                bars = cotangent(sol(t), np.float64(t), z[:n], *pieces)
                return -np.concatenate([b.ravel() for b in bars])
            fun = one_row
        else:
            cotangents = self.compiled("cotangents")

            def many_rows(t, z):
                bars = cotangents(sol(t), np.float64(t), z[:rows * n].reshape(rows, n), *pieces)
                return -_rows_then_params(bars, rows, n)
            fun = many_rows
        # the first backward step: the forward solve's last one (the adjoint's time scales are
        # the solution's); the solver's controller adapts it from there
        step = float(solution.ts[-1] - solution.ts[-2]) if len(solution.ts) > 1 else None
        for i in range(T - 1, 0, -1):
            ts_bar[:, i] = g[:, i] @ f(ts[i], sol(ts[i]))
            z0 = np.concatenate([a.ravel(), p_bar.ravel()])
            z, step = self._integrate(fun, ts[i], z0, ts[i - 1], jac, step)
            a = z[:rows * n].reshape(rows, n) + g[:, i - 1]
            p_bar = z[rows * n:].reshape(rows, P)
        ts_bar[:, 0] = -(a - g[:, 0]) @ f(ts[0], y0)
        return np.concatenate([a, ts_bar, p_bar], axis=1)

    def _integrate(self, fun, t0, z0, t1, jac, step):
        """z(t1) from z(t0) = z0 with SciPy's solver object of the method, starting with the
        step size the previous segment ended with (no initial step selection per segment)."""
        import scipy.integrate as sint
        cls = getattr(sint, self.method) if isinstance(self.method, str) else self.method
        options = {k: v for k, v in self.options.items() if k != "first_step"}
        if step is not None and step > 0:
            options["first_step"] = min(step, abs(t1 - t0))
        if jac is not None:
            options["jac"] = jac
        solver = cls(fun, t0, z0, t1, rtol=self.rtol, atol=self.atol, **options)
        while solver.status == "running":
            message = solver.step()
            if solver.status == "failed":
                report_failure(f"{self.name}: {self.method} failed solving the adjoint system "
                               f"backward from t={t0} to t={t1}{where()}: {message}. Loosen "
                               "rtol/atol or try another method (BDF or Radau for stiff "
                               "problems).", self.on_failure)
                return np.full(np.shape(z0), np.nan), None
        # the step the solver would take next (its own controller's proposal), else the last
        return solver.y, getattr(solver, "h_abs", None) or solver.step_size

    def _adjoint_jac(self, pieces, sol, rows):
        if self.method not in IMPLICIT_METHODS:
            return None
        sp = _sparse()
        n, P = self.n, self.n_params
        eye = sp.identity(rows, format="csc")

        def jac(t, z):
            fy, fp = self.jacobians_values(sol(t), t, pieces)
            top = sp.kron(eye, -fy.T)
            bottom = sp.kron(eye, -fp.T)
            zeros = sp.csc_matrix((rows * (n + P), rows * P))
            return sp.hstack([sp.vstack([top, bottom]), zeros], format="csc")
        return jac

    def _adjoint_by_tangents(self, g, y0, ts, p):
        n, P = self.n, self.n_params
        basis = np.eye(n + P)
        s = self.tangent_values(y0, ts, p, basis[:, :n], basis[:, n:], 1)  # (n + P, T, n)
        yp_bar = g.reshape(len(g), -1) @ s.reshape(n + P, -1).T.astype(np.float64)
        ys = self.solve_values(y0, ts, p).astype(np.float64)
        f = self._fun(p)
        fs = np.stack([f(t, y) for y, t in zip(ys, ts)])
        ts_bar = np.einsum("rti,ti->rt", g, fs)
        if ts.size > 1:
            ts_bar[:, 0] = -(yp_bar[:, :n] - g[:, 0]) @ fs[0]
        else:
            ts_bar[:, 0] = 0.0
        return np.concatenate([yp_bar[:, :n], ts_bar, yp_bar[:, n:]], axis=1)

    # -- derived problems -------------------------------------------------------------------
    def augmented(self):
        """The problem of (y, s) with parameters (p, dp): s' = f_y s + f_p dp."""
        if self._augmented is None:
            n, P = self.n, self.n_params

            def rhs(z, t, q):
                from funcgrad.transforms.forward import jvp
                y, s, p, d = z[:n], z[n:], q[:P], q[P:]
                value, pushed = jvp(lambda yy, pp: self.rhs(yy, t, pp), (y, p), (s, d))
                return _shape.concatenate([value, pushed])
            self._augmented = self.derived(rhs, 2 * n, 2 * P, "tangent")
        return self._augmented

    def stacked(self, size, params_batched):
        """The problem of `size` independent copies (vmap): states stacked, parameters stacked
        when `params_batched`, shared otherwise."""
        key = (size, params_batched)
        if key not in self._stacked:
            n, P = self.n, self.n_params

            def rhs(z, t, q):
                from funcgrad.transforms.vmap import vmap
                ys = _shape.reshape(z, (size, n))
                ps = _shape.reshape(q, (size, P)) if params_batched else q
                out = vmap(lambda y, pp: self.rhs(y, t, pp),
                           in_axes=(0, 0 if params_batched else None))(ys, ps)
                return _shape.reshape(out, (size * n,))
            self._stacked[key] = self.derived(rhs, size * n, size * P if params_batched else P,
                                              f"vmap({size})")
        return self._stacked[key]

    def derived(self, rhs, n, n_params, what):
        return OdeProblem(rhs, n, n_params, self.dtype, method=self.method, rtol=self.rtol,
                          atol=self.atol, options={k: v for k, v in self.options.items()
                                                   if k != "first_step"},
                          sensitivity=self.sensitivity, on_failure=self.on_failure,
                          name=f"{self.name} [{what}]", dense=self.dense)


class _Interpolant:
    """y(t) from a SciPy OdeSolution, one scalar t at a time, with the step found by bisection
    (OdeSolution's own call is general: arrays of t, either direction)."""

    __slots__ = ("ts", "pieces", "last")

    def __init__(self, solution):
        self.ts = [float(t) for t in solution.ts]
        self.pieces = solution.interpolants
        self.last = len(self.pieces) - 1

    def __call__(self, t):
        k = min(max(bisect_left(self.ts, t) - 1, 0), self.last)
        piece = self.pieces[k]
        q = getattr(piece, "Q", None)
        if q is None or type(piece).__name__ != "RkDenseOutput":
            return piece(t)
        # an explicit Runge-Kutta step's interpolant: y_old + h Q (x, x^2, ..., x^k), as SciPy
        x = (t - piece.t_old) / piece.h
        powers = np.cumprod(np.full(q.shape[1], x))
        return piece.y_old + piece.h * (q @ powers)


def _rows_then_params(bars, rows, n):
    """The adjoint state's derivative (a rows, then p_bar rows) from (a f_y, a f_p pieces)."""
    y_bar = np.asarray(bars[0], np.float64).reshape(rows * n)
    if len(bars) == 1:
        return y_bar
    q_bar = np.concatenate([np.asarray(b, np.float64).reshape(rows, -1) for b in bars[1:]],
                           axis=1)
    return np.concatenate([y_bar, q_bar.ravel()])


def _key(y0, ts, p):
    return (y0.tobytes(), ts.tobytes(), p.tobytes())


def _same_key(a, b):
    return a == b


def _zeros(shape, dtype):
    return np.zeros(shape, dtype)


def _rows(x, batched):
    """x with its `batched` leading axes flattened to one."""
    shape = tuple(shape_of(x))
    lead = int(np.prod(shape[:batched], dtype=np.int64))
    return _shape.reshape(x, (lead,) + shape[batched:]), shape[:batched]


def _vmap_n(fun, count, in_axes):
    from funcgrad.transforms.vmap import vmap
    for _ in range(count):
        fun = vmap(fun, in_axes=in_axes)
    return fun


def _rhs_along(problem, ys, ts, p):
    """f(ys[i], ts[i], p) for every i: (T, n)."""
    from funcgrad.transforms.vmap import vmap
    return vmap(lambda y, t: problem.rhs(y, t, p))(ys, ts)


# -- odeint -----------------------------------------------------------------------------------

def _odeint_impl(y0, ts, p, problem):
    return problem.solve_values(y0, ts, p)


def _odeint_shape(y0, ts, p, problem):
    return ShapedArray((ts.shape[0], problem.n), problem.dtype)


def _odeint_jvp(k):
    def rule(t, ans, y0, ts, p, problem):
        zeros_y = _zeros((problem.n,), problem.dtype)
        zeros_p = _zeros((problem.n_params,), problem.dtype)
        if k == 0:
            return ode_tangent_p.bind(y0, ts, p, t, zeros_p, problem=problem, batched=0)
        if k == 2:
            return ode_tangent_p.bind(y0, ts, p, zeros_y, t, problem=problem, batched=0)
        # d ys[i] / d ts[i] = f(ys[i], ts[i]); d ys[i] / d t0 = -Phi(ts[i], t0) f(y0, t0)
        moved = _ew.multiply(_rhs_along(problem, ans, ts, p), _shape.reshape(t, (-1, 1)))
        start = _ew.multiply(problem.rhs(y0, ts[0], p), t[0])
        return _ew.subtract(moved, ode_tangent_p.bind(y0, ts, p, start, zeros_p,
                                                      problem=problem, batched=0))
    return rule


def _split_bars(bars, problem, T):
    n = problem.n
    return bars[..., :n], bars[..., n:n + T], bars[..., n + T:]


def _odeint_vjp(k):
    def rule(g, ans, y0, ts, p, problem):
        bars = problem.memo.get((g, y0, ts, p), lambda: ode_adjoint_p.bind(
            g, y0, ts, p, problem=problem, batched=0))
        return _split_bars(bars, problem, shape_of(ts)[0])[k]
    return rule


def _odeint_batch(values, dims, problem):
    from funcgrad.transforms.vmap import loop_rule
    y0, ts, p = values
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    if dims[1] is not None:  # each example its own output times: one solve each
        return loop_rule(odeint_p, list(values), list(dims), {"problem": problem}, size)
    y0 = _stacked(y0, dims[0], size)
    params_batched = dims[2] is not None
    if params_batched:
        p = _shape.reshape(_shape.moveaxis(p, dims[2], 0), (-1,))
    stacked = problem.stacked(size, params_batched)
    ys = odeint_p.bind(_shape.reshape(y0, (-1,)), ts, p, problem=stacked)
    return _shape.reshape(ys, (shape_of(ts)[0], size, problem.n)), 1


def _stacked(x, dim, size):
    if dim is None:
        shape = tuple(shape_of(x))
        return _shape.broadcast_to(_shape.reshape(x, (1,) + shape), (size,) + shape)
    return _shape.moveaxis(x, dim, 0)


odeint_p = Primitive(
    "odeint", _odeint_impl, shape=_odeint_shape, vjp=PerInputRules(_odeint_vjp),
    jvp=PerInputRules(_odeint_jvp), batch=_odeint_batch, family="custom",
    doc="ys[i] = y(ts[i]) for y' = f(y, t, p), y(ts[0]) = y0, by scipy.integrate.solve_ivp; "
        "forward rule: forward sensitivities; reverse rule: the adjoint method.")


# -- ode_tangent ------------------------------------------------------------------------------

def _tangent_impl(y0, ts, p, s0, dp, problem, batched):
    return problem.tangent_values(y0, ts, p, s0, dp, batched)


def _tangent_shape(y0, ts, p, s0, dp, problem, batched):
    return ShapedArray(tuple(s0.shape[:batched]) + (ts.shape[0], problem.n), problem.dtype)


def _tangent_reference(y0, ts, p, s0, dp, problem, batched):
    """ss as the s-part of odeint of the augmented system (y, s): differentiable in y0, ts, p."""
    n = problem.n
    augmented = problem.augmented()

    def one(s, d):
        zs = odeint_p.bind(_shape.concatenate([y0, s]), ts, _shape.concatenate([p, d]),
                           problem=augmented)
        return zs[:, n:]
    return _vmap_n(one, batched, (0, 0))(s0, _broadcast_rows(dp, s0, batched))


def _broadcast_rows(dp, s0, batched):
    lead = tuple(shape_of(s0)[:batched])
    return _shape.broadcast_to(dp, lead + tuple(shape_of(dp)[-1:]))


def _tangent_jvp(k):
    def rule(t, ans, y0, ts, p, s0, dp, problem, batched):
        from funcgrad.transforms.forward import jvp
        if k == 3:
            return ode_tangent_p.bind(y0, ts, p, t, _ew.multiply(dp, 0.0), problem=problem,
                                      batched=batched)
        if k == 4:
            return ode_tangent_p.bind(y0, ts, p, _ew.multiply(s0, 0.0), t, problem=problem,
                                      batched=batched)
        inputs = [y0, ts, p, s0, dp]

        def of(x):
            inputs[k] = x
            return _tangent_reference(*inputs, problem=problem, batched=batched)
        return jvp(of, ((y0, ts, p)[k],), (t,))[1]
    return rule


def _tangent_vjp(k):
    def rule(g, ans, y0, ts, p, s0, dp, problem, batched):
        from funcgrad.transforms.reverse import vjp
        if k in (3, 4):  # the tangent map's transpose is the adjoint
            bars = ode_adjoint_p.bind(g, y0, ts, p, problem=problem, batched=batched)
            y0_bar, _, p_bar = _split_bars(bars, problem, shape_of(ts)[0])
            if k == 3:
                return y0_bar
            return p_bar
        inputs = [y0, ts, p, s0, dp]

        def of(x):
            inputs[k] = x
            return _tangent_reference(*inputs, problem=problem, batched=batched)
        return vjp(of, (y0, ts, p)[k])[1](g)[0]
    return rule


def _tangent_batch(values, dims, problem, batched):
    from funcgrad.transforms.vmap import loop_rule
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    if any(d is not None for d in dims[:3]):
        return loop_rule(ode_tangent_p, list(values), list(dims),
                         {"problem": problem, "batched": batched}, size)
    y0, ts, p, s0, dp = values
    s0 = _stacked(s0, dims[3], size)
    dp = _stacked(dp, dims[4], size)
    if len(shape_of(dp)) < batched + 2:  # a shared dp: give each row its own
        dp = _shape.broadcast_to(_shape.reshape(dp, (size,) + (1,) * batched + (-1,)),
                                 tuple(shape_of(s0)[:batched + 1]) + (problem.n_params,))
    return ode_tangent_p.bind(y0, ts, p, s0, dp, problem=problem, batched=batched + 1), 0


ode_tangent_p = Primitive(
    "ode_tangent", _tangent_impl, shape=_tangent_shape, vjp=PerInputRules(_tangent_vjp),
    jvp=PerInputRules(_tangent_jvp), batch=_tangent_batch, family="custom",
    doc="The forward sensitivities ss[i] = s(ts[i]) of an ODE solution along (s0, dp).")


# -- ode_adjoint ------------------------------------------------------------------------------

def _adjoint_impl(g, y0, ts, p, problem, batched):
    return problem.adjoint_values(g, y0, ts, p, batched)


def _adjoint_shape(g, y0, ts, p, problem, batched):
    return ShapedArray(tuple(g.shape[:batched]) + (problem.n + ts.shape[0] + problem.n_params,),
                       problem.dtype)


def _adjoint_reference(g, y0, ts, p, problem, batched):
    """J^T g by contracting g with the full forward sensitivity matrix (funcgrad operations)."""
    n, P, T = problem.n, problem.n_params, shape_of(ts)[0]
    basis = np.eye(n + P, dtype=problem.dtype)
    s = ode_tangent_p.bind(y0, ts, p, basis[:, :n], basis[:, n:], problem=problem, batched=1)
    g_rows, lead = _rows(g, batched)
    yp_bar = _matmul(_shape.reshape(g_rows, (-1, T * n)),
                                 _shape.transpose(_shape.reshape(s, (n + P, T * n)), (1, 0)))
    ys = odeint_p.bind(y0, ts, p, problem=problem)
    fs = _rhs_along(problem, ys, ts, p)
    ts_bar = _red.sum(_ew.multiply(g_rows, fs), axis=(2,), keepdims=False)
    start = _ew.negative(_red.sum(
        _ew.multiply(_ew.subtract(yp_bar[:, :n], g_rows[:, 0]), fs[0]), axis=(1,),
        keepdims=True))
    ts_bar = _shape.concatenate([start, ts_bar[:, 1:]], axis=1) if T > 1 else \
        _ew.multiply(ts_bar, 0.0)
    bars = _shape.concatenate([yp_bar[:, :n], ts_bar, yp_bar[:, n:]], axis=1)
    return _shape.reshape(bars, tuple(lead) + (n + T + P,))


def _adjoint_jvp(k):
    def rule(t, ans, g, y0, ts, p, problem, batched):
        from funcgrad.transforms.forward import jvp
        if k == 0:
            return ode_adjoint_p.bind(t, y0, ts, p, problem=problem, batched=batched)
        inputs = [g, y0, ts, p]

        def of(x):
            inputs[k] = x
            return _adjoint_reference(*inputs, problem=problem, batched=batched)
        return jvp(of, (inputs[k],), (t,))[1]
    return rule


def _adjoint_vjp(k):
    def rule(c, ans, g, y0, ts, p, problem, batched):
        from funcgrad.transforms.reverse import vjp
        if k == 0:  # the adjoint map's transpose: the tangent of ys along c = (c_y0, c_ts, c_p)
            c_y0, c_ts, c_p = _split_bars(c, problem, shape_of(ts)[0])
            ys = odeint_p.bind(y0, ts, p, problem=problem)
            fs = _rhs_along(problem, ys, ts, p)
            start = _ew.subtract(c_y0, _ew.multiply(fs[0], c_ts[..., :1]))
            moved = _ew.multiply(_shape.reshape(c_ts, tuple(shape_of(c_ts)) + (1,)), fs)
            return _ew.add(moved, ode_tangent_p.bind(y0, ts, p, start, c_p, problem=problem,
                                                     batched=batched))
        inputs = [g, y0, ts, p]

        def of(x):
            inputs[k] = x
            return _adjoint_reference(*inputs, problem=problem, batched=batched)
        return vjp(of, inputs[k])[1](c)[0]
    return rule


def _adjoint_batch(values, dims, problem, batched):
    from funcgrad.transforms.vmap import loop_rule
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    if any(d is not None for d in dims[1:]):
        return loop_rule(ode_adjoint_p, list(values), list(dims),
                         {"problem": problem, "batched": batched}, size)
    g = _shape.moveaxis(values[0], dims[0], 0)
    return ode_adjoint_p.bind(g, *values[1:], problem=problem, batched=batched + 1), 0


ode_adjoint_p = Primitive(
    "ode_adjoint", _adjoint_impl, shape=_adjoint_shape, vjp=PerInputRules(_adjoint_vjp),
    jvp=PerInputRules(_adjoint_jvp), batch=_adjoint_batch, family="custom",
    doc="The adjoint method: (y0_bar, ts_bar, p_bar) = J^T g for an ODE solution's "
        "cotangent g, by backward integration against the forward solve's dense output.")


def is_traced(*values):
    return any(isinstance(v, Tracer) for v in values)


__all__ = ["OdeProblem", "odeint_p", "ode_tangent_p", "ode_adjoint_p", "Compiled",
           "scipy_solve_ivp", "is_traced"]
