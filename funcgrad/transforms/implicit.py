"""Implicit derivatives: linear_solve, custom_root and fixed_point.

A solver's answer x*(p) to F(x, p) = 0 is computed on plain values by any algorithm (SciPy's, the
user's); its derivative comes from the implicit function theorem, with A = dF/dx and B = dF/dp
at the solution:

    forward   dx = -A^-1 (B dp)              reverse   dp_bar = -B^T (A^-T x_bar)

One linear solve per tangent or cotangent, never an unrolled iteration. Both solves are the
primitive `linear_solve`, whose own rules are again implicit (d(A^-1 b) = A^-1 (db - dA A^-1 b)),
so hessian, jacfwd(jacrev), vmap and jit go through: every rule is written with funcgrad's
operations and nests like any other.

The solve is dense (A built by one batched forward replay, an LU with a conditioning check) when
A is small, and matrix-free (SciPy's GMRES / CG / BiCGSTAB / MINRES on jvp's and vjp's of F) when
it is large or the user asks; a singular A raises `SingularJacobianError`.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from funcgrad.core.primitive import PerInputRules, Primitive, ShapedArray
from funcgrad.core.tracer import Tracer, active_interpreters
from funcgrad.errors import FuncgradError, describe, where
from funcgrad.primitives import elementwise as _ew
from funcgrad.primitives import shape as _shape
from funcgrad.primitives._util import dtype_of, is_float, shape_of
from funcgrad.transforms.custom import Once
from funcgrad.tree_util import tree_flatten, tree_unflatten

DENSE_LIMIT = 500  # "auto": a dense solve up to this many unknowns, GMRES (or CG) above
ITERATIVE_METHODS = ("gmres", "cg", "bicgstab", "minres", "lgmres")


class SingularJacobianError(FuncgradError, np.linalg.LinAlgError):
    """dF/dx is singular (or numerically so) at the solution: the solution is not a
    differentiable function of the parameters there."""


class ConvergenceError(FuncgradError, RuntimeError):
    """A solver did not converge: its answer is not a solution, and has no implicit derivative."""


class ConvergenceWarning(RuntimeWarning):
    """A solver did not converge and on_failure="warn" was asked for."""


def report_failure(message, on_failure):
    """Raise ConvergenceError (on_failure="raise", the default) or warn (on_failure="warn")."""
    if on_failure == "warn":
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    elif on_failure == "raise":
        raise ConvergenceError(message)
    else:
        raise ValueError(f"on_failure must be 'raise' or 'warn', not {on_failure!r}.")


def _scipy_sparse_linalg():
    try:
        import scipy.sparse.linalg as spla
    except ImportError as err:  # pragma: no cover - SciPy is installed in the test environment
        raise ImportError("matrix-free tangent solves use SciPy's iterative solvers: "
                          "pip install funcgrad[scipy]") from err
    return spla


# -- dense solves -----------------------------------------------------------------------------

def dense_solve(a, b, what="the linear system"):
    """a^-1 b in float64, refusing a singular or numerically singular a by name."""
    a = np.asarray(a, np.float64)
    if not np.all(np.isfinite(a)):
        raise SingularJacobianError(f"{what}: the matrix has non-finite entries (nan or inf) at "
                                    "the solution; the solver's answer may not be a solution.")
    try:
        import scipy.linalg as sla
    except ImportError:  # pragma: no cover
        sla = None
    try:
        if sla is None:
            if a.size and np.linalg.cond(a) > 1.0 / np.finfo(np.float64).eps:
                raise np.linalg.LinAlgError("ill-conditioned")
            return np.linalg.solve(a, b)
        with warnings.catch_warnings():
            warnings.simplefilter("error", sla.LinAlgWarning)
            return sla.solve(a, b, check_finite=False)
    except (np.linalg.LinAlgError, Warning) as err:
        raise SingularJacobianError(
            f"{what} is singular{where()}: {str(err).rstrip('.')}. The implicit derivative needs an invertible "
            "dF/dx at the solution (a locally unique solution). Check that the problem has an "
            "isolated solution there, or regularise it.") from err


# -- linear operators -------------------------------------------------------------------------

class LinearOperator:
    """v -> A(operands) v, linear in v, written with funcgrad operations, and how to solve with it.

    `matvec(v, *operands)`; `rmatvec(u, *operands)` (A^T u; None: the transpose of matvec by
    reverse mode); `matrix(*operands)` the dense A on plain values (None: built from matvec);
    `method` "auto", "dense", one of ITERATIVE_METHODS, or a callable `solve(matvec, b) -> x` on
    plain arrays; `batched` counts leading batch axes of v acted on row by row (vmap)."""

    __slots__ = ("matvec", "rmatvec", "matrix_fun", "method", "tol", "maxiter", "symmetric",
                 "name", "batched", "transposed", "memo", "_transpose", "_batched")

    def __init__(self, matvec, rmatvec=None, matrix=None, *, method="auto", tol=1e-12,
                 maxiter=None, symmetric=False, name="dF/dx", batched=0, transposed=None):
        self.matvec = matvec
        self.rmatvec = rmatvec
        self.matrix_fun = matrix
        self.method = method
        self.tol = tol
        self.maxiter = maxiter
        self.symmetric = symmetric
        self.name = name
        self.batched = batched
        self.transposed = transposed  # the operator this is the transpose of
        self.memo = Once()
        self._transpose = None
        self._batched = None

    def __repr__(self):
        return f"<{self.name}, {self.method}>"

    def _options(self, **changes) -> dict[str, Any]:
        options = dict(method=self.method, tol=self.tol, maxiter=self.maxiter,
                       symmetric=self.symmetric, name=self.name, batched=self.batched)
        options.update(changes)
        return options

    def apply(self, v, *operands):
        """A v, batched over the leading `batched` axes of v."""
        from funcgrad.transforms.vmap import vmap
        matvec = self.matvec
        for _ in range(self.batched):
            matvec = vmap(matvec, in_axes=(0,) + (None,) * len(operands))
        return matvec(v, *operands)

    def transpose(self):
        """The operator of A^T (the same one when A is symmetric)."""
        if self.symmetric:
            return self
        if self._transpose is None:
            rmatvec = self.rmatvec or functools.partial(_transpose_apply, self.matvec)
            self._transpose = LinearOperator(rmatvec, self.matvec, None, transposed=self,
                                             **self._options(name=self.name + " transposed"))
            self._transpose._transpose = self
        return self._transpose

    def batched_rows(self):
        """The operator acting on a stack of vectors, each by A."""
        if self._batched is None:
            self._batched = LinearOperator(self.matvec, self.rmatvec, self.matrix_fun,
                                           **self._options(batched=self.batched + 1))
            if self.transposed is not None:
                self._batched.transposed = self.transposed.batched_rows()
        return self._batched

    def dense(self, shape, dtype, operands):
        """A as an (n, n) float64 array on plain values, for vectors of `shape` (one example)."""
        if self.transposed is not None and not self.symmetric:
            return self.transposed.dense(shape, dtype, operands).T
        n = int(np.prod(shape, dtype=np.int64))
        if self.matrix_fun is not None:
            return np.asarray(self.matrix_fun(*operands), np.float64).reshape(n, n)
        from funcgrad.transforms.diagonal import IdentityBasis
        from funcgrad.transforms.vmap import vmap
        columns = vmap(lambda v: self.matvec(v, *operands))(IdentityBasis(shape, dtype))
        return np.asarray(columns, np.float64).reshape(n, n).T

    def solve_values(self, b, operands):
        """A^-1 b on plain values (b: batched leading axes, then one example's shape)."""
        b = np.asarray(b)
        lead = b.shape[:self.batched]
        shape = b.shape[self.batched:]
        n = int(np.prod(shape, dtype=np.int64))
        rows = b.reshape((-1, n)).astype(np.float64)
        method = self.method
        if method == "auto":
            method = "dense" if n <= DENSE_LIMIT else ("cg" if self.symmetric else "gmres")
        if method == "dense":
            a = self.dense(shape, b.dtype, operands)
            x = dense_solve(a, rows.T, f"the linear system with {self.name}").T
        else:
            matvec = self._plain_matvec(shape, b.dtype, operands)
            x = np.stack([self._iterative(method, matvec, r) for r in rows]) if len(rows) else rows
        return x.reshape(lead + shape).astype(b.dtype, copy=False)

    def _plain_matvec(self, shape, dtype, operands):
        """v -> A v on flat float64 vectors, from one recorded trace (linearize) replayed."""
        from funcgrad.transforms.linearize import linearize
        _, apply = linearize(lambda v: self.matvec(v, *operands), np.zeros(shape, dtype))

        def matvec(v):
            return np.asarray(apply(np.asarray(v, dtype).reshape(shape)), np.float64).ravel()
        return matvec

    def _iterative(self, method, matvec, b):
        n = b.size
        if not np.any(b):
            return np.zeros(n)  # (some Krylov methods break down on a zero right-hand side)
        if callable(method):
            x = np.asarray(method(matvec, b), np.float64).reshape(n)
        else:
            spla = _scipy_sparse_linalg()
            if method not in ITERATIVE_METHODS:
                raise ValueError(f"tangent_solve={method!r} is not one of 'auto', 'dense', "
                                 f"{', '.join(map(repr, ITERATIVE_METHODS))} or a callable.")
            # (SciPy's LinearOperator(shape, matvec) makes a _CustomLinearOperator in __new__;
            # its stubs know only the abstract class's __init__(dtype, shape))
            op = spla.LinearOperator((n, n), matvec=matvec, dtype=np.float64)  # pyright: ignore[reportCallIssue]
            solver = getattr(spla, method)
            kwargs = {"rtol": self.tol, "atol": 0.0} if method != "minres" else {"rtol": self.tol}
            if self.maxiter is not None:
                kwargs["maxiter"] = self.maxiter
            x, info = solver(op, b, **kwargs)
            if info != 0:
                raise ConvergenceError(
                    f"{method} did not converge (info={info}) solving the linear system with "
                    f"{self.name}{where()}: it may be singular or ill-conditioned"
                    f"{_SYMMETRIC_ONLY if method in ('cg', 'minres') else ''}. Raise "
                    "tangent_maxiter, loosen tangent_tol, or use tangent_solve='dense'.")
        if not np.all(np.isfinite(x)):
            raise SingularJacobianError(f"the linear system with {self.name} gave a non-finite "
                                        f"solution{where()}: {self.name} is singular there.")
        # the true residual, one more product: a Krylov method's own estimate can be wrong (cg
        # on a non-symmetric matrix), and a user's solver is not trusted blindly
        residual = np.linalg.norm(matvec(x) - b)
        if not residual <= max(1e3 * self.tol, 1e-8) * np.linalg.norm(b):
            name = getattr(method, "__name__", method)
            raise ConvergenceError(
                f"the tangent solve {name!r} returned x with |A x - b| = {residual:.3g} "
                f"(|b| = {np.linalg.norm(b):.3g}) for the linear system with {self.name}"
                f"{where()}: it is not a solution"
                f"{_SYMMETRIC_ONLY if method in ('cg', 'minres') else ''}. Use "
                "tangent_solve='gmres' or 'dense'.")
        return x


_SYMMETRIC_ONLY = " (cg and minres need a symmetric matrix, cg a positive definite one)"


def _transpose_apply(matvec, u, *operands):
    """A^T u for a linear matvec: the vjp of v -> A v (at v = 0, any v would do)."""
    from funcgrad.transforms.reverse import vjp
    zero = _ew.multiply(u, 0.0)
    _, pullback = vjp(lambda v: matvec(v, *operands), zero)
    return pullback.pull([u])[0]


# -- the linear_solve primitive ---------------------------------------------------------------

def _replace(values, k, value):
    values = list(values)
    values[k] = value
    return values


def _linear_solve_impl(b, *operands, op):
    return op.solve_values(b, operands)


def _linear_solve_shape(b, *operands, op):
    return ShapedArray(b.shape, b.dtype if np.issubdtype(b.dtype, np.floating) else np.float64)


def _linear_solve_jvp(k):
    if k == 0:  # linear in b
        return lambda t, ans, b, *operands, op: linear_solve_p.bind(t, *operands, op=op)

    # d(A^-1 b) = -A^-1 (dA x) with x = A^-1 b
    def rule(t, ans, b, *operands, op):
        from funcgrad.transforms.forward import jvp
        if not is_float(operands[k - 1]):
            return None
        _, da_x = jvp(lambda w: op.apply(ans, *_replace(operands, k - 1, w)),
                      (operands[k - 1],), (t,))
        return _ew.negative(linear_solve_p.bind(da_x, *operands, op=op))
    return rule


def _linear_solve_vjp(k):
    # b_bar = A^-T x_bar; operand_bar = -(d(A x)/d operand)^T b_bar
    def rule(g, ans, b, *operands, op):
        from funcgrad.transforms.reverse import vjp
        b_bar = op.memo.get((g, ans) + tuple(operands),
                            lambda: linear_solve_p.bind(g, *operands, op=op.transpose()))
        if k == 0:
            return b_bar
        if not is_float(operands[k - 1]):
            return None
        _, pullback = vjp(lambda w: op.apply(ans, *_replace(operands, k - 1, w)), operands[k - 1])
        return _ew.negative(pullback.pull([b_bar])[0])
    return rule


def _linear_solve_batch(values, dims, op):
    from funcgrad.transforms.vmap import loop_rule
    b, operands = values[0], values[1:]
    if all(d is None for d in dims[1:]):  # one A for the whole batch: one factorisation
        return linear_solve_p.bind(_shape.moveaxis(b, dims[0], 0), *operands,
                                   op=op.batched_rows()), 0
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    if dims[0] is None:
        b = _shape.broadcast_to(_shape.reshape(b, (1,) + tuple(shape_of(b))),
                                (size,) + tuple(shape_of(b)))
        dims = (0,) + tuple(dims[1:])
        values = (b,) + tuple(operands)
    return loop_rule(linear_solve_p, list(values), list(dims), {"op": op}, size)


linear_solve_p = Primitive(
    "linear_solve", _linear_solve_impl, shape=_linear_solve_shape,
    vjp=PerInputRules(_linear_solve_vjp), jvp=PerInputRules(_linear_solve_jvp),
    batch=_linear_solve_batch, family="custom",
    doc="x = A(operands)^-1 b for a linear operator given by its matvec (see LinearOperator).")


def linear_solve(matvec, b, *operands, method="auto", tol=1e-12, maxiter=None, symmetric=False,
                 rmatvec=None, name="the operator"):
    """The solution x of matvec(x, *operands) = b, differentiable in b and in the operands.

    `matvec` must be linear in its first argument and written with funcgrad operations; the
    operands are arrays (or tracers) it depends on. The derivative is implicit:
    dx = A^-1 (db - dA x), and the reverse rule solves with A^T (by reverse mode of matvec, or
    `rmatvec(u, *operands)` when given). `method`: "auto" (dense up to 500 unknowns), "dense",
    "gmres", "cg" (symmetric positive definite A), "bicgstab", "minres", "lgmres", or a callable
    `solve(matvec, b) -> x` on flat float64 NumPy vectors.

    >>> import numpy as np, funcgrad as fg
    >>> from funcgrad.transforms.implicit import linear_solve
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> x = linear_solve(lambda v, m: m @ v, np.array([1.0, 2.0]), a)
    >>> np.allclose(a @ x, [1.0, 2.0])
    True
    """
    op = LinearOperator(matvec, rmatvec, method=method, tol=tol, maxiter=maxiter,
                        symmetric=symmetric, name=name)
    if not any(isinstance(x, Tracer) for x in (b,) + operands):
        return op.solve_values(b, operands)
    return linear_solve_p.bind(b, *operands, op=op)


# -- custom_root ------------------------------------------------------------------------------

class RootProblem:
    """What the implicit_root primitive needs: the residual on flat vectors F(x, p) (funcgrad
    operations), the user's solver on plain values, and the operator dF/dx."""

    __slots__ = ("residual", "solve_values", "jacobian", "shape", "dtype", "name")

    def __init__(self, residual, solve_values, shape, dtype, name, tangent_options):
        self.residual = residual
        self.solve_values = solve_values
        self.shape = shape
        self.dtype = dtype
        self.name = name

        def matvec(v, x, p):
            from funcgrad.transforms.forward import jvp
            return jvp(lambda y: residual(y, p), (x,), (v,))[1]

        def rmatvec(u, x, p):
            from funcgrad.transforms.reverse import vjp
            return vjp(lambda y: residual(y, p), x)[1].pull([u])[0]

        def matrix(x, p):
            from funcgrad.transforms.jacobians import jacfwd
            return jacfwd(lambda y: residual(y, p))(x)

        self.jacobian = LinearOperator(matvec, rmatvec, matrix, name=f"dF/dx of {name}",
                                       **tangent_options)

    def __repr__(self):
        return f"<{self.name}>"


def _root_impl(x0, p, problem):
    return problem.solve_values(x0, p)


def _root_shape(x0, p, problem):
    return ShapedArray(problem.shape, problem.dtype)


def _root_jvp(t, ans, x0, p, problem):
    from funcgrad.transforms.forward import jvp
    _, b_dp = jvp(lambda q: problem.residual(ans, q), (p,), (t,))
    return _ew.negative(linear_solve_p.bind(b_dp, ans, p, op=problem.jacobian))


def _root_vjp(g, ans, x0, p, problem):
    from funcgrad.transforms.reverse import vjp
    lam = linear_solve_p.bind(g, ans, p, op=problem.jacobian.transpose())
    _, pullback = vjp(lambda q: problem.residual(ans, q), p)
    return _ew.negative(pullback.pull([lam])[0])


def _root_batch(values, dims, problem):
    # one solve per example: the user's solver runs on one problem at a time
    from funcgrad.transforms.vmap import loop_rule
    size = next(shape_of(v)[d] for v, d in zip(values, dims) if d is not None)
    return loop_rule(implicit_root_p, list(values), list(dims), {"problem": problem}, size)


implicit_root_p = Primitive(
    "implicit_root", _root_impl, shape=_root_shape,
    vjp=[None, _root_vjp], jvp=[None, _root_jvp], batch=_root_batch, family="custom",
    doc="x*(p) with F(x*, p) = 0, found by a user's solver; derivatives by the implicit "
        "function theorem. Inputs: the initial guess (no derivative) and the flat parameters.")


class _Parameters:
    """The traced leaves of a call's arguments packed into one flat vector p, and back."""

    def __init__(self, args, name):
        self.leaves, self.tree = tree_flatten(args)
        self.traced = [i for i, x in enumerate(self.leaves) if isinstance(x, Tracer)]
        for i in self.traced:
            if np.issubdtype(dtype_of(self.leaves[i]), np.complexfloating):
                raise TypeError(f"{name}: argument leaf {i} is complex ({describe(self.leaves[i])})"
                                f"{where()}; implicit derivatives are real. Split it into real "
                                "and imaginary parts.")
        self.shapes = [tuple(shape_of(self.leaves[i])) for i in self.traced]
        self.dtypes = [dtype_of(self.leaves[i]) for i in self.traced]
        floats = [d for d in self.dtypes if np.issubdtype(d, np.floating)]
        self.dtype = np.result_type(*floats) if floats else np.dtype(np.float64)

    def pack(self):
        parts = [_shape.reshape(self.leaves[i] if dtype_of(self.leaves[i]) == self.dtype else
                                _ew.astype_p.bind(self.leaves[i], dtype=self.dtype), (-1,))
                 for i in self.traced]
        if not parts:
            return np.zeros(0, self.dtype)
        return parts[0] if len(parts) == 1 else _shape.concatenate(parts)

    def unpack(self, p):
        """The arguments, with p's pieces in place of the traced leaves."""
        leaves = list(self.leaves)
        offset = 0
        for i, shape, dtype in zip(self.traced, self.shapes, self.dtypes):
            size = int(np.prod(shape, dtype=np.int64))
            piece = _shape.reshape(p[offset:offset + size], shape)
            if dtype != self.dtype:
                piece = _ew.astype_p.bind(piece, dtype=dtype)
            leaves[i] = piece
            offset += size
        return tree_unflatten(self.tree, leaves)


def _closure_message(name, tracer):
    owner = getattr(tracer, "_owner", None)
    transform = owner.describe_level() if owner is not None else "a transform"
    return (f"{name}: the function closes over a value traced by {transform} "
            f"({describe(tracer)}){where()}. The solver runs on plain values and the implicit "
            "derivative sees only what is passed in args, so that value's derivative (or its "
            "batch) would be lost. Pass it in args instead: root(F, x0, args=(theta,)) with "
            "F(x, theta), not F(x) reading theta from the enclosing function.")


class _OnValues:
    """Runs the user's solver and residual on plain values. A value traced by a transform that
    was active when the solver was called can only have come in through a closure (the
    arguments are plain by then): that is refused by name instead of losing its derivative."""

    def __init__(self, name):
        self.name = name
        self.outer = active_interpreters()

    def from_closure(self, tracer):
        owner = getattr(tracer, "_owner", None)
        return any(owner is interpreter for interpreter in self.outer)

    def solve(self, solve, x0, arguments):
        try:
            return solve(x0, *arguments)
        except FuncgradError as err:  # TracerConversionError, BatchedConversionError
            tracer = getattr(err, "tracer", None)
            if tracer is None or not self.from_closure(tracer):
                raise
            raise type(err)(_closure_message(self.name, tracer)) from err

    def check_residual(self, r):
        """r, the residual at the solution on plain arguments: traced only through a closure,
        which is refused where the transform would lose a derivative or a batch (jit, which
        guards on values, is left to do so)."""
        if isinstance(r, Tracer) and self.from_closure(r):
            try:
                r._owner.check_conversion(r, "a closure")
                r._owner.concretize(r)
            except FuncgradError as err:
                raise type(err)(_closure_message(self.name, r)) from err
        return r


def solve_implicitly(residual, solve, x0, args, *, name="custom_root", tangent_options=None):
    """x* = solve(x0, *args) on plain values, with F(x*, *args) = residual(x*, *args) = 0, and
    its implicit derivative in every traced leaf of `args` (x0 gets none). A traced value the
    functions hold in a closure raises TracerConversionError (it must be passed in args)."""
    x0_value = x0
    x_shape = tuple(shape_of(x0))
    x_dtype = dtype_of(x0) if is_float(x0) else np.dtype(np.float64)
    params = _Parameters(args, name)
    on_values = _OnValues(name)
    if not params.traced and not isinstance(x0, Tracer):
        x = _checked_solution(on_values.solve(solve, np.asarray(x0_value, x_dtype), args),
                              x_shape, name)
        if on_values.outer:  # under a transform: the residual must not hold a traced value
            on_values.check_residual(residual(x, *args))
        return x
    x_dtype = np.result_type(x_dtype, params.dtype)

    def solve_flat(x0_flat, p):
        arguments = params.unpack(p)
        x = _checked_solution(on_values.solve(solve, np.asarray(x0_flat).reshape(x_shape),
                                              arguments), x_shape, name)
        r = on_values.check_residual(residual(x, *arguments))
        if tuple(np.shape(r)) != x_shape:
            raise ValueError(f"{name}: the residual function returned shape {np.shape(r)} for x of "
                             f"shape {x_shape}{where()}; F(x, ...) must have x's shape (one "
                             "equation per unknown).")
        return x.reshape(-1).astype(x_dtype, copy=False)

    def residual_flat(x_flat, p):
        r = residual(_shape.reshape(x_flat, x_shape), *params.unpack(p))
        return _shape.reshape(r, (-1,))

    problem = RootProblem(residual_flat, solve_flat, (int(np.prod(x_shape, dtype=np.int64)),),
                          x_dtype, name, tangent_options or {})
    x0_flat = _shape.reshape(x0, (-1,)) if isinstance(x0, Tracer) else \
        np.asarray(x0, x_dtype).reshape(-1)
    x = implicit_root_p.bind(x0_flat, params.pack(), problem=problem)
    return _shape.reshape(x, x_shape)


def _checked_solution(x, shape, name):
    if isinstance(x, Tracer):
        raise TypeError(f"{name}: the solver returned a traced value{where()}; it runs on plain "
                        "values and must not be differentiated itself (its derivative is "
                        "implicit). If it reads a traced value from an enclosing function "
                        "(a closure), pass that value in args instead.")
    x = np.asarray(x)
    if x.shape != shape:
        if x.size == int(np.prod(shape, dtype=np.int64)):
            x = x.reshape(shape)
        else:
            raise ValueError(f"{name}: the solver returned shape {x.shape}, but the initial guess "
                             f"has shape {shape}{where()}; the solution must be shaped like x0.")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


def tangent_options(tangent_solve="auto", tangent_tol=1e-12, tangent_maxiter=None,
                    symmetric=False) -> dict[str, Any]:
    return dict(method=tangent_solve, tol=tangent_tol, maxiter=tangent_maxiter,
                symmetric=symmetric)


def custom_root(residual, solve=None, *, tangent_solve="auto", tangent_tol=1e-12,
                tangent_maxiter=None, symmetric=False):
    """A solver of residual(x, *args) = 0 made differentiable by the implicit function theorem.

    `solve(x0, *args) -> x` runs on plain NumPy values (any algorithm, never differentiated);
    `residual(x, *args)` is written with funcgrad operations and has x's shape. The result
    `root(x0, *args)` returns solve's answer, and its derivative in every array of `args`
    (pytrees allowed) is dx = -(dF/dx)^-1 dF/dargs, in forward and reverse mode and to any order;
    x0 has none. Used as a decorator, ``custom_root(residual)(solve)``.

    `tangent_solve`: "auto" (dense up to 500 unknowns, then GMRES, or CG when `symmetric`),
    "dense", "gmres", "cg", "bicgstab", "minres", "lgmres", or a callable `(matvec, b) -> x` on
    flat NumPy vectors; `tangent_tol`, `tangent_maxiter` for the iterative ones. `symmetric=True`
    declares dF/dx symmetric (F a gradient), so the reverse rule reuses it untransposed. A
    singular dF/dx at the solution raises SingularJacobianError.

    >>> import numpy as np, funcgrad as fg
    >>> def newton(x, a):            # x ** 2 = a, on plain values
    ...     for _ in range(50):
    ...         x = x - (x * x - a) / (2 * x)
    ...     return x
    >>> sqrt = fg.custom_root(lambda x, a: x * x - a, newton)
    >>> round(float(fg.grad(lambda a: sqrt(1.0, a))(4.0)), 12)   # 1 / (2 sqrt(4))
    0.25
    """
    options = tangent_options(tangent_solve, tangent_tol, tangent_maxiter, symmetric)
    if solve is None:
        return lambda s: custom_root(residual, s, **_public(options))

    @functools.wraps(solve)
    def root(x0, *args):
        return solve_implicitly(residual, solve, x0, args,
                                name=f"custom_root({getattr(solve, '__name__', 'solve')})",
                                tangent_options=options)
    return root


def _public(options) -> dict[str, Any]:
    return dict(tangent_solve=options["method"], tangent_tol=options["tol"],
                tangent_maxiter=options["maxiter"], symmetric=options["symmetric"])


# -- fixed_point ------------------------------------------------------------------------------

def _iterate(fun, x0, args, method, xtol, maxiter, on_failure):
    x = np.asarray(x0, np.float64)
    for _ in range(maxiter):
        if method == "del2":  # Steffensen: Aitken's delta-squared on two steps
            x1 = np.asarray(fun(x, *args), np.float64)
            x2 = np.asarray(fun(x1, *args), np.float64)
            d = x2 - 2.0 * x1 + x
            with np.errstate(divide="ignore", invalid="ignore"):
                new = np.where(d != 0, x - (x1 - x) ** 2 / np.where(d != 0, d, 1.0), x2)
        elif method == "iteration":
            new = np.asarray(fun(x, *args), np.float64)
        else:
            raise ValueError(f"fixed_point: method must be 'iteration' or 'del2', not {method!r}.")
        if new.shape != x.shape:
            raise ValueError(f"fixed_point: the map returned shape {new.shape} for x of shape "
                             f"{x.shape}{where()}; T(x) must have x's shape.")
        if not np.all(np.isfinite(new)):
            break
        if np.all(np.abs(new - x) <= xtol * (1.0 + np.abs(x))):
            return new
        x = new
    report_failure(f"fixed_point: no fixed point found within {maxiter} iterations{where()} "
                   f"(last change {np.max(np.abs(new - x)) if new.size else 0.0:.3g}, xtol={xtol}); "
                   "the map may not be a contraction there. Try method='del2', a better x0 or a "
                   "larger maxiter.", on_failure)
    return new


def fixed_point(fun, x0, *args, method="iteration", xtol=1e-12, maxiter=1000,
                on_failure="raise", tangent_solve="auto", tangent_tol=1e-12,
                tangent_maxiter=None):
    """x with x = fun(x, *args), found by iteration from x0, differentiable in `args`.

    `fun` is written with funcgrad operations. The iteration runs on plain values ("iteration",
    or "del2": Steffensen's acceleration, as scipy.optimize.fixed_point); the derivative is
    implicit, dx = (I - dfun/dx)^-1 dfun/dargs dargs, never unrolled. Stops when every
    component changes by at most xtol * (1 + |x|); otherwise raises ConvergenceError
    (on_failure="raise") or warns (on_failure="warn"). `tangent_solve` as in custom_root.

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> x = fg.fixed_point(lambda x, a: fnp.cos(a * x), 0.5, 1.0)
    >>> round(float(x), 10)
    0.7390851332
    """
    def solve(x, *a):
        return _iterate(fun, x, a, method, xtol, maxiter, on_failure)

    def residual(x, *a):
        return x - fun(x, *a)

    return solve_implicitly(residual, solve, x0, args, name="fixed_point",
                            tangent_options=tangent_options(tangent_solve, tangent_tol,
                                                            tangent_maxiter))


__all__ = ["custom_root", "fixed_point", "linear_solve", "LinearOperator", "solve_implicitly",
           "SingularJacobianError", "ConvergenceError", "ConvergenceWarning", "report_failure",
           "dense_solve", "tangent_options"]
