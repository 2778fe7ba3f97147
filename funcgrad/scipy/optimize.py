"""funcgrad.scipy.optimize: SciPy's solvers, differentiable in their arguments.

Each function calls the real `scipy.optimize` function (the user's method and options) on plain
NumPy values and returns SciPy's result, whose solution (`.x`, or `.root`) is a differentiable
function of every array in `args`: its derivative comes from the implicit function theorem
applied to the solution's optimality condition (funcgrad.transforms.implicit), never from
unrolling the iterations.

- root: F(x, *args) = 0.
- minimize: grad f(x, *args) = 0; with bounds, x_i = bound_i on the active bounds; with
  constraints (SLSQP, trust-constr, ...) the KKT system of the Lagrangian f - lambda . c(x),
  with the multipliers of the active constraints found by least squares at the solution.
- least_squares: grad of 0.5 |r(x, *args)|^2 = J^T r = 0 (bounds as for minimize).
- root_scalar: f(x, *args) = 0 in one variable.

`jac` (and `hess`/`hessp` for the methods that use them) default to funcgrad's exact
derivatives; pass jac="2-point" etc. to use SciPy's finite differences. A solver that reports
failure raises ConvergenceError (on_failure="raise") or warns (on_failure="warn"). A singular
dF/dx at the solution raises SingularJacobianError. `tangent_solve` chooses the linear solve of
the implicit rule: "auto" (dense up to 500 unknowns, then matrix-free GMRES or CG), "dense",
"gmres", "cg", "bicgstab", "minres", "lgmres" or a callable (see funcgrad.custom_root).
"""
from __future__ import annotations

try:
    import scipy.optimize as _sopt
except ImportError as _err:  # pragma: no cover - depends on the environment
    raise ImportError("funcgrad.scipy.optimize needs SciPy: pip install funcgrad[scipy]") from _err

import copy
from typing import Any, Callable

import numpy as np

from funcgrad import numpy as fnp
from funcgrad.core.tracer import Tracer
from funcgrad.errors import where
from funcgrad.transforms import jacfwd, jvp, value_and_grad, grad
from funcgrad.transforms.implicit import (ConvergenceError, ConvergenceWarning,  # noqa: F401
                                          SingularJacobianError, report_failure,
                                          solve_implicitly, tangent_options)

_NO_GRADIENT = {"nelder-mead", "powell", "cobyla", "cobyqa"}
_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_HESS = {"dogleg", "trust-exact"}
_JAC_ROOT = {"hybr", "lm"}
BOUND_TOL = 1e-9       # a component this close (relatively) to a bound has the bound active
ROOT_TOL = 1e-12       # root: a failed solve whose |F(x)| is this small (relatively) is a root
CONSTRAINT_TOL = 1e-6  # an inequality this close to zero may be active (if its multiplier > 0)


def _as_tuple(args):
    return args if isinstance(args, tuple) else (args,)


def _plain(x):
    while isinstance(x, Tracer):
        x = x.value
    return np.asarray(x)


def _on_flat(fun, shape):
    """fun of an x of `shape`, as a function of the flat vector SciPy passes."""
    return lambda x, *a: fnp.ravel(fun(fnp.reshape(x, shape), *a))


def _scipy_jacobian(fun, shape, a):
    n = int(np.prod(shape, dtype=np.int64))
    flat = _on_flat(fun, shape)
    return lambda x: np.reshape(jacfwd(lambda y: flat(y, *a))(np.asarray(x, np.float64)), (-1, n))


def _result_with(result, **fields):
    out = copy.copy(result)
    for name, value in fields.items():
        if isinstance(out, dict):
            out[name] = value
        else:
            setattr(out, name, value)
    return out


def _sentence(message):
    message = str(message).strip()
    return message if message.endswith(".") else message + "."


def _check_success(result, name, on_failure):
    if not result.success:
        report_failure(f"{name} did not converge{where()}: {_sentence(result.message)} Its answer is not a "
                       "solution, so it has no implicit derivative; change x0, the method or "
                       "its options, or pass on_failure='warn' to accept it.", on_failure)


# -- root -------------------------------------------------------------------------------------

def root(fun, x0, args=(), method="hybr", jac: "bool | Callable[..., Any] | None" = None,
         tol=None, callback=None, options=None, *, tangent_solve="auto", tangent_tol=1e-12, tangent_maxiter=None, on_failure="raise"):
    """scipy.optimize.root(fun, x0, args, method, ...), with `.x` differentiable in `args`.

    `fun(x, *args)` is written with funcgrad.numpy and returns x's shape (x keeps x0's shape;
    SciPy sees it flattened). jac=None gives hybr and lm funcgrad's exact Jacobian; jac=True
    means fun returns (F, dF/dx) as in SciPy. The derivative: dx = -(dF/dx)^-1 dF/dargs.
    A solve SciPy reports as failed raises ConvergenceError (or warns, on_failure="warn")
    unless |F(x)| <= 1e-12 (1 + |F(x0)|): a root found to rounding (hybr says "not making
    good progress" there) is accepted.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> import funcgrad.scipy.optimize as fopt
    >>> F = lambda x, a: x ** 3 - a
    >>> float(np.round(fg.grad(lambda a: fopt.root(F, 1.0, args=(a,)).x)(8.0), 10))  # 1/(3*4)
    0.0833333333
    """
    args = _as_tuple(args)
    shape = tuple(np.shape(x0))
    residual = (lambda x, *a: fun(x, *a)[0]) if jac is True else fun
    holder = {}

    def solve(x0_value, *a):
        flat = _on_flat(residual, shape)
        f: Callable[[Any], Any]
        if jac is True:
            def with_jacobian(x):
                value, jacobian = fun(np.reshape(x, shape), *a)
                return np.ravel(value), np.reshape(jacobian, (x.size, x.size))
            f, j = with_jacobian, True
        else:
            f = lambda x: np.asarray(flat(x, *a))
            j = jac
            if jac is None and str(method).lower() in _JAC_ROOT:
                j = _scipy_jacobian(residual, shape, a)
            elif callable(jac):
                user_jac = jac
                j = lambda x: np.reshape(user_jac(np.reshape(x, shape), *a), (x.size, x.size))
        start = np.ravel(np.asarray(x0_value, np.float64))
        result = _sopt.root(f, start, method=method, jac=j, tol=tol, callback=callback,
                            options=options)
        holder["result"] = result
        # (a root to rounding that SciPy could not improve is accepted; SciPy's result is kept)
        if result.success or not _at_rounding_level(f, result.x, start, jac is True):
            _check_success(result, f"root(method={method!r})", on_failure)
        return np.reshape(result.x, shape)

    x = solve_implicitly(residual, solve, x0, args, name=f"root(method={method!r})",
                         tangent_options=tangent_options(tangent_solve, tangent_tol,
                                                         tangent_maxiter))
    return _result_with(holder["result"], x=x)


def _at_rounding_level(f, x, start, with_jacobian):
    """Is F(x) zero to rounding (|F(x)| <= ROOT_TOL (1 + |F(x0)|))? hybr, for one, reports
    "not making good progress" at a root it found exactly (F = 1e-16), since no step improves it."""
    value = lambda y: np.asarray(f(y)[0] if with_jacobian else f(y), np.float64)
    residual, initial = value(np.asarray(x, np.float64)), value(start)
    scale = 1.0 + np.max(np.abs(initial), initial=0.0)
    return bool(np.all(np.isfinite(residual)) and
                np.max(np.abs(residual), initial=0.0) <= ROOT_TOL * scale)


# -- bounds and constraints -------------------------------------------------------------------

def _bounds_arrays(bounds, n, pairs=True):
    """(lower, upper) float arrays of n entries (+-inf where unbounded), or None. `pairs`:
    minimize's sequence of (low, high) pairs; otherwise least_squares' (lb, ub)."""
    if bounds is None:
        return None
    if isinstance(bounds, _sopt.Bounds):
        lb, ub = bounds.lb, bounds.ub
    elif not pairs:
        lb, ub = bounds
    else:
        pairs = list(bounds)
        if len(pairs) != n:
            raise ValueError(f"bounds has {len(pairs)} (low, high) pairs for {n} unknowns"
                             f"{where()}; give one pair per component of x.")
        lb = [-np.inf if lo is None else lo for lo, _ in pairs]
        ub = [np.inf if hi is None else hi for _, hi in pairs]
    lb = np.broadcast_to(np.asarray(_plain(lb), np.float64), (n,)).copy()
    ub = np.broadcast_to(np.asarray(_plain(ub), np.float64), (n,)).copy()
    return lb, ub


def _bound_tolerances(lb, ub):
    return (BOUND_TOL * (1.0 + np.abs(np.where(np.isfinite(lb), lb, 0.0))),
            BOUND_TOL * (1.0 + np.abs(np.where(np.isfinite(ub), ub, 0.0))))


def _at_bounds(x, bounds):
    """Which components of the plain flat x sit on a bound (False everywhere without bounds)."""
    x = np.asarray(x, np.float64).ravel()
    if bounds is None:
        return np.zeros(x.shape, bool)
    lb_tol, ub_tol = _bound_tolerances(*bounds)
    return (x <= bounds[0] + lb_tol) | (x >= bounds[1] - ub_tol)


def _with_bounds(optimality, shape, bounds):
    """The optimality condition with x_i - bound_i in place of row i where a bound is active."""
    if bounds is None or not (np.any(np.isfinite(bounds[0])) or np.any(np.isfinite(bounds[1]))):
        return optimality
    lb, ub = bounds
    lb, ub = lb.reshape(shape), ub.reshape(shape)
    lb_tol, ub_tol = _bound_tolerances(lb, ub)

    def condition(x, *a):
        g = optimality(x, *a)
        at_lower = x <= lb + lb_tol
        at_upper = x >= ub - ub_tol
        return fnp.where(at_lower, x - np.where(np.isfinite(lb), lb, 0.0),
                         fnp.where(at_upper, x - np.where(np.isfinite(ub), ub, 0.0), g))
    return condition


class _Constraint:
    """One block of constraints as c(x, *args) >= 0 (kind "ineq") or = 0 (kind "eq")."""

    def __init__(self, kind, fun, args=()):
        self.kind = kind
        self.fun = fun
        self.args = _as_tuple(args)


def _constraint_blocks(constraints):
    if constraints is None:
        return []
    if isinstance(constraints, (dict, _sopt.LinearConstraint, _sopt.NonlinearConstraint)):
        constraints = [constraints]
    blocks = []
    for c in constraints:
        if isinstance(c, dict):
            kind = c.get("type")
            if kind not in ("eq", "ineq"):
                raise ValueError(f"constraint type must be 'eq' or 'ineq', not {kind!r}{where()}.")
            blocks.append(_Constraint(kind, c["fun"], c.get("args", ())))
            continue
        if isinstance(c, _sopt.LinearConstraint):
            matrix = np.atleast_2d(np.asarray(c.A, np.float64))
            fun = lambda x, m=matrix: fnp.matmul(m, fnp.ravel(x))
        elif isinstance(c, _sopt.NonlinearConstraint):
            fun = lambda x, f=c.fun: fnp.ravel(f(x))
        else:
            raise TypeError(f"unsupported constraint {type(c).__name__}{where()}: use dicts, "
                            "LinearConstraint or NonlinearConstraint.")
        lb, ub = np.atleast_1d(np.asarray(c.lb, np.float64)), np.atleast_1d(np.asarray(c.ub, np.float64))
        m = max(lb.size, ub.size)
        lb, ub = np.broadcast_to(lb, (m,)), np.broadcast_to(ub, (m,))
        eq = np.flatnonzero(lb == ub)
        lo = np.flatnonzero(np.isfinite(lb) & (lb != ub))
        hi = np.flatnonzero(np.isfinite(ub) & (lb != ub))
        if eq.size:
            blocks.append(_Constraint("eq", lambda x, f=fun, i=eq: f(x)[i] - lb[i]))
        if lo.size:
            blocks.append(_Constraint("ineq", lambda x, f=fun, i=lo: f(x)[i] - lb[i]))
        if hi.size:
            blocks.append(_Constraint("ineq", lambda x, f=fun, i=hi: ub[i] - f(x)[i]))
    return blocks


def _stacked_constraints(blocks, shape):
    """c(x, constraint_args) of every block as one flat vector, and which entries are "eq"."""
    def c(x, cargs):
        return fnp.concatenate([fnp.ravel(b.fun(fnp.reshape(x, shape), *a))
                                for b, a in zip(blocks, cargs)])
    return c


# -- minimize ---------------------------------------------------------------------------------

def _scipy_objective(fun, shape, a, use_gradient):
    flat = lambda y: fun(fnp.reshape(y, shape), *a)
    if not use_gradient:
        return lambda x: float(np.asarray(flat(x)))
    value_grad = value_and_grad(flat)

    def f(x):
        value, g = value_grad(np.asarray(x, np.float64))
        return float(value), np.asarray(g, np.float64)
    return f


def _scipy_hessp(fun, shape, a):
    g = grad(lambda y: fun(fnp.reshape(y, shape), *a))
    return lambda x, p: np.asarray(jvp(g, (np.asarray(x, np.float64),), (np.asarray(p, np.float64),))[1])


def _scipy_hess(fun, shape, a):
    g = grad(lambda y: fun(fnp.reshape(y, shape), *a))
    return lambda x: np.asarray(jacfwd(g)(np.asarray(x, np.float64)))


def _scipy_constraints(blocks, shape, cargs, method):
    out = []
    for b, a in zip(blocks, cargs):
        fun = _on_flat(lambda x, *aa, f=b.fun: f(x, *aa), shape)
        out.append({"type": b.kind,
                    "fun": lambda x, f=fun, aa=a: np.asarray(f(np.asarray(x, np.float64), *aa)),
                    "jac": lambda x, f=fun, aa=a: np.atleast_2d(np.asarray(
                        jacfwd(lambda y: f(y, *aa))(np.asarray(x, np.float64))))})
    return out


def minimize(fun, x0, args=(), method=None, jac: "bool | str | Callable[..., Any] | None" = None,
             hess=None, hessp=None, bounds=None, constraints=(), tol=None, callback=None, options=None, *, tangent_solve="auto",
             tangent_tol=1e-12, tangent_maxiter=None, on_failure="raise"):
    """scipy.optimize.minimize(fun, x0, args, method, ...), with `.x` (and `.fun`)
    differentiable in `args` (and in the `args` of dict constraints).

    `fun(x, *args)` is a scalar written with funcgrad.numpy. The derivative of the minimiser
    comes from its optimality condition:
    - unconstrained: grad f(x*) = 0, so dx = -H^-1 d(grad f)/dargs dargs (H the Hessian:
      symmetric, so CG serves the matrix-free mode);
    - bounds (L-BFGS-B, TNC, SLSQP, trust-constr, ...): a component at a bound stays there
      (dx_i = 0; bounds are constants), the others satisfy grad_i f = 0;
    - constraints (SLSQP, trust-constr, COBYLA...): the KKT system of L = f - lambda . c,
      grad L = 0 and c_active = 0, with the multipliers of the active constraints (equalities,
      and inequalities with c(x*) <= 1e-6 and a positive multiplier) found by least squares
      at x*. This assumes what
      makes the minimiser differentiable: independent active constraint gradients, strict
      complementarity and a positive definite reduced Hessian.
    jac, hess and hessp default to funcgrad's exact derivatives for the methods that use them.

    >>> import numpy as np, funcgrad as fg, funcgrad.numpy as fnp
    >>> import funcgrad.scipy.optimize as fopt
    >>> f = lambda x, a: fnp.sum((x - a) ** 2) + fnp.sum(x ** 4)
    >>> th = np.array([0.5, 1.0])
    >>> fg.jacfwd(lambda a: fopt.minimize(f, np.zeros(2), args=(a,), method="BFGS",
    ...                                   options={"gtol": 1e-10}).x)(th).round(6)
    array([[0.528689, 0.      ],
           [0.      , 0.323954]])
    """
    args = _as_tuple(args)
    shape = tuple(np.shape(x0))
    n = int(np.prod(shape, dtype=np.int64))
    name = f"minimize(method={method!r})"
    kind = str(method).lower() if method is not None else None
    bound_arrays = _bounds_arrays(bounds, n)
    blocks = _constraint_blocks(constraints)
    cargs = tuple(b.args for b in blocks)
    use_gradient = jac is None and kind not in _NO_GRADIENT
    holder = {}

    def run_scipy(x0_value, a, ca):
        extra = {}
        if use_gradient:
            objective = _scipy_objective(fun, shape, a, True)
            extra["jac"] = True
        else:
            objective = _scipy_objective(fun, shape, a, False)
            if callable(jac):
                user_jac = jac
                extra["jac"] = lambda x: np.ravel(user_jac(np.reshape(x, shape), *a))
            elif jac is not None:
                extra["jac"] = jac
        if hess is not None:
            extra["hess"] = hess
        elif hessp is not None:
            extra["hessp"] = hessp
        elif kind in _HESSP:
            extra["hessp"] = _scipy_hessp(fun, shape, a)
        elif kind in _HESS:
            extra["hess"] = _scipy_hess(fun, shape, a)
        if callable(extra.get("hess")) and hess is not None:
            extra["hess"] = lambda x, h=hess: np.asarray(h(np.reshape(x, shape), *a)).reshape(n, n)
        if callable(extra.get("hessp")) and hessp is not None:
            extra["hessp"] = lambda x, p, h=hessp: np.ravel(
                h(np.reshape(x, shape), np.reshape(p, shape), *a))
        scipy_constraints = _scipy_constraints(blocks, shape, ca, kind) if blocks else ()
        scipy_bounds = None if bound_arrays is None else _sopt.Bounds(*bound_arrays)
        result = _sopt.minimize(objective, np.ravel(np.asarray(x0_value, np.float64)),
                                method=method, bounds=scipy_bounds,
                                constraints=scipy_constraints, tol=tol, callback=callback,
                                options=options, **extra)
        holder["result"] = result
        _check_success(result, name, on_failure)
        return result

    def gradient(x, *a):
        return grad(lambda y: fun(y, *a))(x)

    if not blocks:
        def solve(x0_value, a):
            return np.reshape(run_scipy(x0_value, a, ()).x, shape)

        def condition(x, a):
            return _with_bounds(gradient, shape, bound_arrays)(x, *a)
        x = solve_implicitly(condition, solve, x0, (args,), name=name,
                             tangent_options=tangent_options(
                                 tangent_solve, tangent_tol, tangent_maxiter,
                                 symmetric=bound_arrays is None))
    else:
        x = _minimize_kkt(run_scipy, fun, gradient, x0, shape, n, args, blocks, cargs,
                          bound_arrays, name, on_failure,
                          tangent_options(tangent_solve, tangent_tol, tangent_maxiter))
    result = holder["result"]
    fields = {"x": x}
    if isinstance(x, Tracer):
        fields["fun"] = fun(x, *args)
    return _result_with(result, **fields)


def _minimize_kkt(run_scipy, fun, gradient, x0, shape, n, args, blocks, cargs, bound_arrays,
                  name, on_failure, options):
    """x* of a constrained problem, differentiable through the KKT system in z = (x, lambda)."""
    constraints_of = _stacked_constraints(blocks, shape)
    sizes = []
    x0_plain = np.asarray(_plain(x0), np.float64)
    for b, a in zip(blocks, cargs):
        sizes.append(int(np.size(_plain(b.fun(x0_plain, *[_plain(v) for v in a])))))
    is_eq = np.concatenate([np.full(s, b.kind == "eq") for b, s in zip(blocks, sizes)])
    m = int(is_eq.size)

    def multipliers_at(x, g, c_value, jc):
        """The multipliers of the active constraints, fitted on the free components by least
        squares (grad f = J_active^T lambda; SciPy's sign: L = f - lambda . c, lambda_ineq >= 0).
        Candidates are the equalities and the inequalities with c <= CONSTRAINT_TOL; one whose
        multiplier comes out <= 0 is not active (strict complementarity) and is dropped."""
        free = ~_at_bounds(x, bound_arrays)  # rows of an active bound hold its own multiplier
        active = is_eq | (c_value <= CONSTRAINT_TOL)
        while True:
            multipliers = np.zeros(m)
            if np.any(active):
                multipliers[active] = np.linalg.lstsq(jc[np.ix_(active, free)].T, g[free],
                                                      rcond=None)[0]
            inactive = active & ~is_eq & (multipliers <= 0.0)
            if not np.any(inactive):
                return multipliers, free
            active &= ~inactive

    def solve(z0, a, ca):
        result = run_scipy(np.asarray(z0)[:n].reshape(shape), a, ca)
        x = np.asarray(result.x, np.float64)
        g = np.asarray(gradient(x.reshape(shape), *a), np.float64).ravel()
        c_value = np.asarray(constraints_of(x, ca), np.float64)
        jc = np.atleast_2d(np.asarray(jacfwd(lambda y: constraints_of(y, ca))(x)))
        multipliers, free = multipliers_at(x, g, c_value, jc)
        stationarity = np.abs(g - jc.T @ multipliers)[free]
        scale = 1.0 + np.abs(g).max(initial=0.0)
        if stationarity.max(initial=0.0) > 1e-4 * scale:
            report_failure(f"{name}: the solution does not satisfy the KKT conditions to 1e-4 "
                           f"(|grad L| = {stationarity.max():.3g}){where()}: it is not a "
                           "constrained minimum with independent active constraints, so it has "
                           "no implicit derivative.", on_failure)
        return np.concatenate([x, multipliers])

    def condition(z, a, ca):
        # grad L = 0 on the free components (x_i = bound_i on the others); c_i = 0 for the
        # active constraints (the equalities, the inequalities with lambda_i > 0), lambda_i = 0
        # for the rest
        x, lam = z[:n], z[n:]
        c_value = constraints_of(x, ca)
        _, pullback = _vjp_constraints(constraints_of, x, ca)
        stationarity = fnp.ravel(gradient(fnp.reshape(x, shape), *a)) - pullback(lam)
        feasibility = fnp.where(fnp.logical_or(is_eq, lam > 0.0), c_value, lam)
        if bound_arrays is not None:
            stationarity = _with_bounds(lambda y: stationarity, (n,), bound_arrays)(x)
        return fnp.concatenate([stationarity, feasibility])

    z0 = fnp.concatenate([fnp.ravel(x0), np.zeros(m)]) if isinstance(x0, Tracer) else \
        np.concatenate([x0_plain.ravel(), np.zeros(m)])
    z = solve_implicitly(condition, solve, z0, (args, cargs), name=name, tangent_options=options)
    return fnp.reshape(z[:n], shape)


def _vjp_constraints(constraints_of, x, ca):
    from funcgrad.transforms import vjp
    value, pullback = vjp(lambda y: constraints_of(y, ca), x)
    return value, lambda lam: pullback(lam)[0]


# -- least_squares ----------------------------------------------------------------------------

def least_squares(fun, x0, jac: "str | Callable[..., Any] | None" = None, bounds=(-np.inf, np.inf), method="trf", *, args=(),
                  kwargs=None, tangent_solve="auto", tangent_tol=1e-12, tangent_maxiter=None,
                  on_failure="raise", **options):
    """scipy.optimize.least_squares(fun, x0, ...), with `.x` differentiable in `args`.

    `fun(x, *args)` returns the residual vector r, written with funcgrad.numpy. The derivative
    of the minimiser of 0.5 |r|^2 comes from its optimality condition J^T r = 0 (exact: the
    second-order terms of r are included), with active bounds kept as in minimize. jac=None
    gives SciPy funcgrad's exact Jacobian; other keywords (ftol, xtol, loss, ...) go to SciPy.
    A robust `loss` other than "linear" is not supported by the implicit rule (ValueError).
    """
    args = _as_tuple(args)
    kwargs = dict(kwargs or {})
    if options.get("loss", "linear") != "linear" or kwargs:
        raise ValueError("least_squares: the implicit derivative supports loss='linear' and no "
                         "kwargs (pass extra arguments in args, as arrays)" + where() + ".")
    shape = tuple(np.shape(x0))
    n = int(np.prod(shape, dtype=np.int64))
    bound_arrays = _bounds_arrays(bounds, n, pairs=False)
    holder = {}

    def solve(x0_value, *a):
        flat = _on_flat(fun, shape)
        if jac is None:
            j = lambda x: np.atleast_2d(np.asarray(
                jacfwd(lambda y: flat(y, *a))(np.asarray(x, np.float64))))
        elif callable(jac):
            user_jac = jac
            j = lambda x: user_jac(np.reshape(x, shape), *a)
        else:
            j = jac  # SciPy's finite-difference scheme ('2-point', ...)
        scipy_bounds = bounds if bound_arrays is None else (bound_arrays[0], bound_arrays[1])
        start = np.ravel(np.asarray(x0_value, np.float64))
        # (SciPy's stubs type jac as a string only; it takes a callable too)
        result = _sopt.least_squares(lambda x: np.asarray(flat(x, *a)), start,
                                     jac=j,  # pyright: ignore[reportArgumentType]
                                     bounds=scipy_bounds, method=method, **options)
        holder["result"] = result
        _check_success(result, f"least_squares(method={method!r})", on_failure)
        return np.reshape(result.x, shape)

    def gradient(x, *a):
        return grad(lambda y: 0.5 * fnp.sum(fnp.ravel(fun(y, *a)) ** 2))(x)

    condition = _with_bounds(gradient, shape, bound_arrays)
    x = solve_implicitly(condition, solve, x0, args, name="least_squares",
                         tangent_options=tangent_options(
                             tangent_solve, tangent_tol, tangent_maxiter,
                             symmetric=condition is gradient))
    return _result_with(holder["result"], x=x)


# -- root_scalar ------------------------------------------------------------------------------

def root_scalar(f, args=(), method=None, bracket=None, fprime=None, fprime2=None, x0=None,
                x1=None, xtol=None, rtol=None, maxiter=None, options=None, *,
                on_failure="raise"):
    """scipy.optimize.root_scalar(f, args, method, bracket, ...), with `.root` differentiable
    in `args`: d root = -(df/dargs dargs) / (df/dx). A root where df/dx = 0 (a double root)
    raises SingularJacobianError. fprime/fprime2 default to funcgrad's derivatives for the
    methods that use them ("newton", "halley"); the bracket and x0 are constants.

    >>> import funcgrad as fg, funcgrad.scipy.optimize as fopt
    >>> r = lambda a: fopt.root_scalar(lambda x, a: x * x - a, args=(a,), bracket=(0, 5)).root
    >>> round(float(fg.grad(r)(4.0)), 8)
    0.25
    """
    args = _as_tuple(args)
    kind = str(method).lower() if method is not None else None
    holder = {}

    def solve(x_start, *a):
        scalar = lambda x: float(np.asarray(f(x, *a)))
        fp, fp2 = fprime, fprime2
        if fp is None and kind in ("newton", "halley"):
            fp = lambda x: float(np.asarray(grad(lambda y: f(y, *a))(float(x))))
        elif callable(fprime):
            user_fp = fprime
            fp = lambda x: float(np.asarray(user_fp(x, *a)))
        if fp2 is None and kind == "halley":
            fp2 = lambda x: float(np.asarray(grad(grad(lambda y: f(y, *a)))(float(x))))
        elif callable(fprime2):
            user_fp2 = fprime2
            fp2 = lambda x: float(np.asarray(user_fp2(x, *a)))
        b = None if bracket is None else tuple(float(_plain(v)) for v in bracket)
        result = _sopt.root_scalar(scalar, method=method, bracket=b, fprime=fp, fprime2=fp2,
                                   x0=None if x0 is None else float(_plain(x0)),
                                   x1=None if x1 is None else float(_plain(x1)), xtol=xtol,
                                   rtol=rtol, maxiter=maxiter, options=options)
        holder["result"] = result
        if not result.converged:
            report_failure(f"root_scalar(method={method!r}) did not converge{where()}: "
                           f"{result.flag}. Its answer has no implicit derivative.", on_failure)
        return np.asarray(result.root, np.float64)

    start = x0 if x0 is not None else (bracket[0] if bracket is not None else 0.0)
    start = np.asarray(_plain(start), np.float64)
    r = solve_implicitly(f, solve, start, args, name=f"root_scalar(method={method!r})")
    return _result_with(holder["result"], root=r)


__all__ = ["root", "minimize", "least_squares", "root_scalar", "ConvergenceError",
           "ConvergenceWarning", "SingularJacobianError"]
