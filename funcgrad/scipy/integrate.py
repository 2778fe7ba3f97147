"""funcgrad.scipy.integrate: SciPy's ODE solver, differentiable in the initial state, the
parameters and the output times.

- `odeint(rhs, y0, ts, *params)`: JAX's signature, rhs(y, t, *params); returns y at ts.
- `solve_ivp(fun, t_span, y0, t_eval=..., args=(...))`: SciPy's signature, fun(t, y, *args);
  returns SciPy's OdeResult with differentiable `.y` (and `.t`).

Both run the real scipy.integrate.solve_ivp (the user's method and tolerances) on plain NumPy
values. Forward mode (jvp, jacfwd) solves the forward sensitivities s' = f_y s + f_p dp alongside
y; reverse mode (vjp, grad, jacrev) uses the adjoint method (sensitivity="adjoint", the
default: one backward solve of n + P states whatever the number of parameters P, against the
forward solve's dense output) or the forward sensitivities contracted with the cotangent
(sensitivity="forward": cheaper for a handful of parameters). The sensitivity solves use the
same method, rtol and atol as the solution. Second derivatives (hessian, jacfwd(grad),
grad(grad)) are offered for small problems: they solve n * (1 + n + P) states. See
funcgrad/transforms/ode.py and docs/scipy.md.
"""
from __future__ import annotations

try:
    import scipy.integrate as _sint
except ImportError as _err:  # pragma: no cover - depends on the environment
    raise ImportError("funcgrad.scipy.integrate needs SciPy: pip install funcgrad[scipy]") from _err

import numpy as np

from funcgrad.core.tracer import Tracer
from funcgrad.errors import TracerConversionError, describe, where
from funcgrad.primitives import elementwise as _ew
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, shape_of
from funcgrad.transforms.implicit import ConvergenceError, ConvergenceWarning  # noqa: F401
from funcgrad.transforms.ode import OdeProblem, is_traced, odeint_p
from funcgrad.tree_util import tree_flatten, tree_unflatten


def _plain(x):
    while isinstance(x, Tracer):
        x = x.value
    return np.asarray(x)


def _check_float(x, what, name):
    dtype = dtype_of(x)
    if np.issubdtype(dtype, np.complexfloating):
        raise TypeError(f"{name}: {what} is complex ({describe(x)}){where()}; ODE sensitivities "
                        "here are real. Split it into real and imaginary parts.")
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{name}: {what} has dtype {dtype} ({describe(x)}){where()}; the "
                        "initial state, the times and the parameters must be floating-point "
                        "arrays (they are differentiated). Cast it with np.asarray(x, float), or "
                        "keep integer settings out of params (a closure or functools.partial).")


class _Params:
    """The parameters (a tuple of pytrees of float arrays) as one flat vector p and back."""

    def __init__(self, params, name):
        self.leaves, self.tree = tree_flatten(params)
        self.leaves = [x if isinstance(x, Tracer) or isinstance(x, np.ndarray) else np.asarray(x)
                       for x in self.leaves]
        for i, x in enumerate(self.leaves):
            _check_float(x, f"parameter leaf {i}", name)
        self.shapes = [tuple(shape_of(x)) for x in self.leaves]
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.dtypes = [dtype_of(x) for x in self.leaves]

    @property
    def size(self):
        return sum(self.sizes)

    def pack(self):
        parts = [_shape.reshape(x, (-1,)) for x in self.leaves]
        if not parts:
            return np.zeros(0)
        if not is_traced(*parts):
            return np.concatenate([np.asarray(x, np.float64) for x in parts])
        return _shape.concatenate([_ew.astype_p.bind(x, dtype=np.dtype(np.float64))
                                   if dtype_of(x) != np.float64 else x for x in parts])

    def unpack(self, p):
        """The parameters, with the pieces of the flat vector p in place of the arrays."""
        offsets = np.cumsum([0] + self.sizes)
        return self.unpack_pieces([p[a:b] for a, b in zip(offsets[:-1], offsets[1:])])

    def unpack_pieces(self, pieces):
        """The parameters from their flat pieces, one per array."""
        return tree_unflatten(self.tree, [_shape.reshape(piece, shape)
                                          for piece, shape in zip(pieces, self.shapes)])


def _times(ts, name):
    if isinstance(ts, Tracer):
        _check_float(ts, "ts", name)
    plain = np.asarray(_plain(ts), np.float64)
    if plain.ndim != 1 or plain.size == 0:
        raise ValueError(f"{name}: the output times must be a non-empty 1-d array, got shape "
                         f"{plain.shape}{where()}.")
    if not np.all(np.isfinite(plain)):
        raise ValueError(f"{name}: the output times must be finite{where()}.")
    if plain.size > 1 and not np.all(np.diff(plain) > 0):
        raise ValueError(f"{name}: the output times must be strictly increasing{where()} "
                         f"(got {plain[:6].tolist()}{'...' if plain.size > 6 else ''}).")
    if not isinstance(ts, Tracer):
        return plain
    return ts if dtype_of(ts) == np.float64 else _ew.astype_p.bind(ts, dtype=np.dtype(np.float64))


def _example(x):
    """A plain float64 value of x's shape: its own value, or ones where x is a batch of them
    (under vmap a tracer's value has the batch axis)."""
    value = np.asarray(_plain(x), np.float64)
    shape = tuple(shape_of(x))
    return value if value.shape == shape else np.ones(shape)


def _closure_error(name):
    return TracerConversionError(
        f"{name}: the right-hand side returned a traced value for plain inputs{where()}: it "
        "uses a value being differentiated (or traced by jit/vmap) from its closure. The ODE "
        "is solved by SciPy on plain values, so the values it depends on must be passed in as "
        "parameters: pass them in args / as params (solve_ivp(..., args=(theta,)), "
        "odeint(rhs, y0, ts, theta)).")


def _problem(rhs_of, y0, ts, params, *, method, rtol, atol, options, sensitivity, on_failure,
             name):
    """(problem, y0 flat, ts, p flat, y shape, dtype) after checking the inputs."""
    if not isinstance(y0, Tracer):
        y0 = np.asarray(y0)
    _check_float(y0, "the initial state y0", name)
    y_shape = tuple(shape_of(y0))
    n = int(np.prod(y_shape, dtype=np.int64))
    ts = _times(ts, name)
    packed = _Params(params, name)
    dtype = np.result_type(dtype_of(y0), *packed.dtypes) if packed.dtypes else dtype_of(y0)

    def rhs_pieces(y, t, *pieces):
        out = rhs_of(_shape.reshape(y, y_shape), t, *packed.unpack_pieces(pieces))
        if tuple(shape_of(out)) != y_shape:
            raise ValueError(f"{name}: the right-hand side returned shape {tuple(shape_of(out))} "
                             f"for a state of shape {y_shape}{where()}; dy/dt must have y's "
                             "shape. Check the shapes of the parameters passed to it.")
        if dtype_of(out) != np.float64:
            out = _ew.astype_p.bind(out, dtype=np.dtype(np.float64))
        return _shape.reshape(out, (n,))

    offsets = np.cumsum([0] + packed.sizes)

    def rhs(y, t, p):
        return rhs_pieces(y, t, *[p[a:b] for a, b in zip(offsets[:-1], offsets[1:])])

    p = packed.pack()
    y0_flat = _shape.reshape(y0, (n,)) if isinstance(y0, Tracer) else \
        np.asarray(y0, np.float64).reshape(n)
    if isinstance(y0_flat, Tracer) and dtype_of(y0_flat) != np.float64:
        y0_flat = _ew.astype_p.bind(y0_flat, dtype=np.dtype(np.float64))
    # one evaluation on plain values: shapes, and values captured from a transform's trace
    try:
        with np.errstate(all="ignore"):
            probe = rhs(_example(y0_flat), _example(ts)[0], _example(p))
    except (ValueError, TypeError) as err:
        shapes = ", ".join(str(s) for s in packed.shapes) or "none"
        raise type(err)(f"{name}: the right-hand side failed on a state of shape {y_shape} "
                        f"with parameters of shapes {shapes}: {err}") from err
    if isinstance(probe, Tracer):
        raise _closure_error(name)
    traced = is_traced(y0_flat, ts, p)
    problem = OdeProblem(rhs, n, packed.size, dtype, method=method, rtol=rtol, atol=atol,
                         options=options, sensitivity=sensitivity, on_failure=on_failure,
                         name=name, dense=traced and sensitivity == "adjoint",
                         rhs_pieces=rhs_pieces, pieces=packed.sizes)
    return problem, y0_flat, ts, p, y_shape, traced


def _solve(problem, y0, ts, p, y_shape, traced):
    if traced:
        ys = odeint_p.bind(y0, ts, p, problem=problem)
    else:
        ys = problem.solve_values(y0, ts, p)
    return _shape.reshape(ys, (int(shape_of(ts)[0]),) + y_shape)


def odeint(rhs, y0, ts, *params, rtol=1.4e-8, atol=1.4e-8, method="RK45",
           sensitivity="adjoint", on_failure="raise", **options):
    """The solution of dy/dt = rhs(y, t, *params), y(ts[0]) = y0, at the times ts.

    JAX's `odeint` signature, solved by scipy.integrate.solve_ivp(method=...) on plain values.
    Returns an array of shape (len(ts),) + y0.shape, differentiable in y0, every array of
    `params` (pytrees of float arrays) and ts, in forward mode (forward sensitivities) and
    reverse mode (`sensitivity`: "adjoint", the default, or "forward"), to second order,
    under vmap and jit. `rhs` is written with funcgrad.numpy; every value it depends on that is
    to be differentiated (or traced by jit/vmap) must be passed in `params`, not closed over.
    ts must be strictly increasing. `options` (max_step, first_step, ...) go to solve_ivp. A
    failed solve raises ConvergenceError (on_failure="warn": warns and returns what SciPy
    reached, nan after it).

    >>> import numpy as np, funcgrad as fg, funcgrad.scipy.integrate as fint
    >>> decay = lambda y, t, k: -k * y
    >>> ts = np.array([0.0, 1.0])
    >>> dy_dk = fg.grad(lambda k: fint.odeint(decay, 1.0, ts, k, rtol=1e-10, atol=1e-10)[-1])
    >>> round(float(dy_dk(0.5)), 6)   # d/dk exp(-k) at k = 0.5
    -0.606531
    """
    problem, y0, ts, p, y_shape, traced = _problem(
        rhs, y0, ts, params, method=method, rtol=rtol, atol=atol, options=options,
        sensitivity=sensitivity, on_failure=on_failure, name=f"odeint(method={method!r})")
    return _solve(problem, y0, ts, p, y_shape, traced)


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None,
              vectorized=False, args=None, *, sensitivity="adjoint", on_failure="raise",
              rtol=1e-3, atol=1e-6, **options):
    """scipy.integrate.solve_ivp(fun, t_span, y0, ...), with `.y` (and `.t`) differentiable
    in y0, the arrays of `args`, t_span and t_eval.

    `fun(t, y, *args)` is written with funcgrad.numpy (y is 1-d, as in SciPy). Returns SciPy's
    OdeResult; `.y` has shape (n, len(t)). With t_eval=None the solver's own steps are the
    output times (their interior points are constants; the end points follow t_span). rtol and
    atol default to SciPy's (1e-3, 1e-6): pass tighter ones for accurate derivatives — the
    sensitivity solves use the same. `sensitivity`, `on_failure` as in `odeint`. dense_output
    and events are not supported for differentiation (ValueError when anything is traced).

    >>> import numpy as np, funcgrad as fg, funcgrad.scipy.integrate as fint
    >>> f = lambda t, y, k: -k * y
    >>> final = lambda k: fint.solve_ivp(f, (0.0, 1.0), np.array([1.0]), args=(k,),
    ...                                  rtol=1e-10, atol=1e-10).y[0, -1]
    >>> round(float(fg.grad(final)(0.5)), 6)
    -0.606531
    """
    if args is not None and not isinstance(args, tuple):
        raise TypeError(f"solve_ivp: args must be a tuple, not {type(args).__name__}{where()} "
                        "(as in SciPy): args=(theta,).")
    args = () if args is None else args
    if vectorized:
        raise ValueError("solve_ivp: vectorized=True is not supported" + where() + "; funcgrad "
                         "calls fun on one state at a time (use vmap to batch solves).")
    if len(t_span) != 2:
        raise ValueError(f"solve_ivp: t_span must be (t0, t1), got {t_span!r}{where()}.")
    if not isinstance(y0, Tracer):
        y0 = np.asarray(y0)
    if len(shape_of(y0)) != 1:
        raise ValueError(f"solve_ivp: y0 must be 1-d, as in SciPy, got shape "
                         f"{tuple(shape_of(y0))}{where()}.")
    name = f"solve_ivp(method={method!r})"
    t0, t1 = t_span
    traced_any = is_traced(y0, t0, t1, t_eval, *tree_flatten(args)[0])
    if not traced_any and t_eval is None:
        plain_run = True
    else:
        plain_run = False
    if dense_output or events is not None:
        if traced_any:
            raise ValueError(f"{name}: dense_output and events are not differentiable{where()}; "
                             "ask for the times you need with t_eval.")
    if plain_run or dense_output or events is not None:
        _problem(lambda y, t, *a: fun(t, y, *a), y0, np.asarray([_plain(t0)], np.float64),
                 args, method=method, rtol=rtol, atol=atol, options=options,
                 sensitivity=sensitivity, on_failure=on_failure, name=name)
        f = lambda t, y: np.asarray(fun(t, y, *args), np.float64)
        return _sint.solve_ivp(f, (float(_plain(t0)), float(_plain(t1))), np.asarray(y0, float),
                               method=method, t_eval=t_eval, dense_output=dense_output,
                               events=events, rtol=rtol, atol=atol, **options)
    if t_eval is None:
        ts = _solver_times(fun, t0, t1, y0, args, method, rtol, atol, options)
        starts_later = False
    else:
        ts = t_eval
        if _plain(ts).ndim == 0:
            ts = _shape.reshape(ts, (1,)) if isinstance(ts, Tracer) else np.reshape(ts, (1,))
        # y0 is the state at t_span[0]: when t_eval starts later, solve from t0 and drop it
        starts_later = np.size(_plain(ts)) > 0 and float(_plain(ts)[0]) != float(_plain(t0))
        if starts_later:
            start = _shape.reshape(t0, (1,)) if isinstance(t0, Tracer) else \
                np.array([float(t0)])
            ts = _shape.concatenate([start, ts]) if is_traced(start, ts) else \
                np.concatenate([start, np.asarray(ts, np.float64)])
    problem, y0f, ts, p, y_shape, traced = _problem(
        lambda y, t, *a: fun(t, y, *a), y0, ts, args, method=method, rtol=rtol, atol=atol,
        options=options, sensitivity=sensitivity, on_failure=on_failure, name=name)
    ys = _solve(problem, y0f, ts, p, y_shape, traced)
    if starts_later:
        ys, ts = ys[1:], ts[1:]
    result = problem.last[1] if problem.last is not None else None
    out = _sint._ivp.ivp.OdeResult(
        t=ts, y=_shape.transpose(ys, (1, 0)), sol=None, t_events=None, y_events=None,
        nfev=getattr(result, "nfev", 0), njev=getattr(result, "njev", 0),
        nlu=getattr(result, "nlu", 0), status=getattr(result, "status", 0),
        message=getattr(result, "message", "The solver successfully reached the end of the "
                                           "integration interval."),
        success=getattr(result, "success", True))
    return out


def _solver_times(fun, t0, t1, y0, args, method, rtol, atol, options):
    """t_eval=None: the solver's own times, with the end points kept as given (traced)."""
    plain_args = tuple(tree_unflatten(tree_flatten(args)[1],
                                      [_plain(x) for x in tree_flatten(args)[0]]))
    f = lambda t, y: np.asarray(_plain(fun(t, y, *plain_args)), np.float64)
    run = _sint.solve_ivp(f, (float(_plain(t0)), float(_plain(t1))),
                          np.asarray(_plain(y0), np.float64), method=method, rtol=rtol,
                          atol=atol, **options)
    interior = np.asarray(run.t[1:-1], np.float64)
    if not (isinstance(t0, Tracer) or isinstance(t1, Tracer)):
        return np.concatenate([[float(_plain(t0))], interior, [float(_plain(t1))]])
    ends = [_shape.reshape(_ew.astype_p.bind(t, dtype=np.dtype(np.float64)), (1,))
            if isinstance(t, Tracer) else np.array([float(t)]) for t in (t0, t1)]
    return _shape.concatenate([ends[0], interior, ends[1]])


__all__ = ["odeint", "solve_ivp", "ConvergenceError", "ConvergenceWarning"]
