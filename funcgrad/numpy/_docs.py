"""The docstrings and signatures of funcgrad.numpy's thin wrappers, generated in one place.

Most of funcgrad.numpy is NumPy's function of the same name made differentiable: a primitive
(`sin`, `add`, `matmul`...) or a few lines written with primitives (`atleast_2d`, `hstack`...).
Their documentation is NumPy's, plus what funcgrad adds: which primitive it is, its derivative,
the convention at its singular points. `document(namespace)` writes that for every public entry
of a module that has no docstring of its own, from the tables below and the primitive itself:

- the summary line of NumPy's own docstring and a link to NumPy's page;
- what differentiates it (the primitive and its family, or "no derivative");
- `DERIVATIVES`: f' as a formula, for the elementwise primitives with one;
- `CONVENTIONS`: the value at singular points (docs/conventions.md lists the same, tested);
- an example that runs (tests/test_public_api.py runs every generated one): the value against
  NumPy's, and the derivative against the formula, or against finite differences.

A primitive's entry (a function calling `Primitive.bind`, its `primitive` attribute) also gets a
real signature: NumPy's names for its inputs, positional-only as NumPy's ufuncs take them.
"""
from __future__ import annotations

import inspect

import numpy as np

from funcgrad.core.primitive import SIGNATURES, Primitive, has_default_doc

_POS = inspect.Parameter.POSITIONAL_ONLY

# f'(x) of the unary elementwise primitives, and (df/dx1, df/dx2) of the binary ones: NumPy
# expressions in x (x1, x2), checked by each docstring's example
DERIVATIVES = {
    "sin": "np.cos(x)", "cos": "-np.sin(x)", "tan": "1 + np.tan(x)**2",
    "arcsin": "1 / np.sqrt(1 - x**2)", "arccos": "-1 / np.sqrt(1 - x**2)",
    "arctan": "1 / (1 + x**2)", "sinh": "np.cosh(x)", "cosh": "np.sinh(x)",
    "tanh": "1 - np.tanh(x)**2", "arcsinh": "1 / np.sqrt(x**2 + 1)",
    "arccosh": "1 / np.sqrt(x**2 - 1)", "arctanh": "1 / (1 - x**2)",
    "exp": "np.exp(x)", "exp2": "np.log(2) * np.exp2(x)", "expm1": "np.exp(x)",
    "log": "1 / x", "log2": "1 / (x * np.log(2))", "log10": "1 / (x * np.log(10))",
    "log1p": "1 / (1 + x)", "sqrt": "1 / (2 * np.sqrt(x))", "cbrt": "1 / (3 * np.cbrt(x)**2)",
    "square": "2 * x", "reciprocal": "-1 / x**2", "negative": "-np.ones_like(x)",
    "absolute": "np.sign(x)", "positive": "np.ones_like(x)",
    "deg2rad": "np.full_like(x, np.pi / 180)", "radians": "np.full_like(x, np.pi / 180)",
    "rad2deg": "np.full_like(x, 180 / np.pi)", "degrees": "np.full_like(x, 180 / np.pi)",
    "add": ("np.ones_like(x1)", "np.ones_like(x2)"),
    "subtract": ("np.ones_like(x1)", "-np.ones_like(x2)"),
    "multiply": ("x2", "x1"),
    "divide": ("1 / x2", "-x1 / x2**2"),
    "power": ("x2 * x1**(x2 - 1)", "np.log(x1) * x1**x2"),
    "arctan2": ("x2 / (x1**2 + x2**2)", "-x1 / (x1**2 + x2**2)"),
    "hypot": ("x1 / np.hypot(x1, x2)", "x2 / np.hypot(x1, x2)"),
    "logaddexp": ("np.exp(x1 - np.logaddexp(x1, x2))", "np.exp(x2 - np.logaddexp(x1, x2))"),
    "maximum": ("1.0 * (x1 > x2)", "1.0 * (x1 < x2)"),
    "minimum": ("1.0 * (x1 < x2)", "1.0 * (x1 > x2)"),
    "fmax": ("1.0 * (x1 > x2)", "1.0 * (x1 < x2)"),
    "fmin": ("1.0 * (x1 < x2)", "1.0 * (x1 > x2)"),
    "remainder": ("np.ones_like(x1)", "-np.floor(x1 / x2)"),
    "fmod": ("np.ones_like(x1)", "-np.trunc(x1 / x2)"),
    "erf": "2 / np.sqrt(np.pi) * np.exp(-x**2)", "erfc": "-2 / np.sqrt(np.pi) * np.exp(-x**2)",
}

# the value at singular points (one sentence; the full table is docs/conventions.md)
CONVENTIONS = {
    "absolute": "At x = 0 the derivative is 0 (sign(0), the symmetric subgradient; JAX gives 1).",
    "maximum": "At a tie x1 == x2 each input gets half of the gradient (the central difference).",
    "minimum": "At a tie x1 == x2 each input gets half of the gradient (the central difference).",
    "fmax": "Where one input is NaN all of the gradient goes to the other; ties split it in half.",
    "fmin": "Where one input is NaN all of the gradient goes to the other; ties split it in half.",
    "power": "At x1 = 0 the derivative in x2 is 0 (x1**x2 is flat in x2 there, no log(0) * 0), "
             "and at x1 = x2 = 0 both are 0.",
    "hypot": "At (0, 0) both derivatives are 0 (a subgradient).",
    "logaddexp": "Where both inputs are -inf (or both +inf) each gets half, with no warning.",
    "sqrt": "At x = 0 the derivative is inf (the one-sided derivative).",
    "divide": "Division by zero gives NumPy's IEEE values (inf, nan) with NumPy's warnings, in "
              "the value and in the derivative alike.",
    "remainder": "At its jumps (x1 / x2 an integer) the derivative is that of the piece the value "
                 "lies on.",
    **{f"fft.{name}": "Linear: its derivative is the same transform of the tangent, its reverse "
                      "rule the adjoint transform (real-input and Hermitian transforms count each "
                      "frequency as NumPy's output holds it)."
       for name in ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
                    "irfft2", "rfftn", "irfftn", "ihfft")},
    "linalg.det": "At singular matrices the derivative is the adjugate's transpose, exactly (from "
                  "the SVD, with no division by a singular value).",
    "where": "The branch not taken gets exactly 0 (the rule selects, it does not multiply), so a "
             "NaN or inf in its value does not leak; a NaN in its derivative still can, so guard "
             "the input of the unused branch too (the double-`where` trick).",
}

# sample arguments of the examples (NumPy expressions), where the default ones do not suit
_X = "np.array([0.25, 0.5])"
_X2 = "np.array([1.5, 2.5])"
_INTS = "np.array([3, 12])"
_M = "np.array([[1.0, 2.0], [3.0, 4.5]])"
SAMPLES = {
    "arccosh": ("np.array([1.5, 2.5])",), "i0": (_X,), "sinc": (_X,),
    "ldexp": (_X, "np.array([2, 3])"), "copysign": (_X, "np.array([-1.0, 2.0])"),
    "heaviside": ("np.array([-0.5, 0.5])", "np.array([0.5, 0.5])"),
    "where": ("np.array([True, False])", _X, _X2), "matmul": (_M, _M),
    "conjugate": ("np.array([0.25 + 1j, 0.5 - 2j])",), "real": ("np.array([0.25 + 1j, 0.5 - 2j])",),
    "imag": ("np.array([0.25 + 1j, 0.5 - 2j])",),
    "bitwise_and": (_INTS, _INTS), "bitwise_or": (_INTS, _INTS), "bitwise_xor": (_INTS, _INTS),
    "bitwise_count": (_INTS,), "invert": (_INTS,), "left_shift": (_INTS, "np.array([1, 2])"),
    "right_shift": (_INTS, "np.array([1, 2])"), "gcd": (_INTS, "np.array([4, 18])"),
    "lcm": (_INTS, "np.array([4, 18])"),
    # functions written with primitives
    "deg2rad": (_X,), "radians": (_X,), "rad2deg": (_X,), "degrees": (_X,), "positive": (_X,),
    "all": (_M,), "any": (_M,), "allclose": (_M, _M), "argwhere": (_M,),
    "array_equal": (_M, _M), "array_equiv": (_M, _M), "asanyarray": (_M,),
    "asarray_chkfinite": (_M,), "atleast_1d": ("0.5",), "atleast_2d": (_X,),
    "atleast_3d": (_M,), "average": (_M,), "bartlett": ("5",), "blackman": ("5",),
    "hamming": ("5",), "hanning": ("5",), "broadcast_to": (_X, "(3, 2)"),
    "column_stack": (f"[{_X}, {_X2}]",), "compress": ("[True, False]", _M),
    "concat": (f"[{_M}, {_M}]",), "concatenate": (f"[{_M}, {_M}]",), "count_nonzero": (_M,),
    "divmod": (_X2, "np.array([0.5, 2.0])"), "dsplit": ("np.ones((2, 2, 4))", "2"),
    "dstack": (f"[{_M}, {_M}]",), "ediff1d": (_M,), "expand_dims": (_M, "0"),
    "extract": ("[[True, False], [False, True]]", _M), "flatnonzero": (_M,),
    "fliplr": (_M,), "flipud": (_M,), "getitem": (_M, "(0, slice(None))"),
    "histogram2d": (_X, _X2), "histogramdd": ("np.array([[0.25, 1.5], [0.5, 2.5]])",),
    "hsplit": ("np.ones((2, 4))", "2"), "hstack": (f"[{_X}, {_X2}]",),
    "iscomplex": ("np.array([1.0, 1j])",), "iscomplexobj": ("np.array([1.0, 1j])",),
    "isreal": ("np.array([1.0, 1j])",), "isrealobj": ("np.array([1.0, 1j])",),
    "isin": (_X, "[0.5, 1.0]"), "isneginf": ("np.array([-np.inf, 1.0])",),
    "isposinf": ("np.array([np.inf, 1.0])",), "lexsort": (f"[{_X}, {_X2}]",),
    "moveaxis": (_M, "0", "1"), "nanargmax": ("np.array([0.25, np.nan, 0.5])",),
    "nanargmin": ("np.array([0.25, np.nan, 0.5])",),
    "nancumprod": ("np.array([0.25, np.nan, 0.5])",),
    "nancumsum": ("np.array([0.25, np.nan, 0.5])",),
    "nanmedian": ("np.array([0.25, np.nan, 0.5, 2.0])",),
    "nanpercentile": ("np.array([0.25, np.nan, 0.5, 2.0])", "30.0"),
    "nanstd": ("np.array([0.25, np.nan, 0.5, 2.0])",), "nonzero": (_M,),
    "permute_dims": (_M,), "real_if_close": ("np.array([1.0 + 1e-15j, 2.0])",),
    "row_stack": (f"[{_X}, {_X2}]",), "stack": (f"[{_X}, {_X2}]",), "swapaxes": (_M, "0", "1"),
    "trim_zeros": ("np.array([0.0, 0.25, 0.5, 0.0])",), "unique_all": ("np.array([0.5, 0.25, 0.5])",),
    "unique_counts": ("np.array([0.5, 0.25, 0.5])",),
    "unique_inverse": ("np.array([0.5, 0.25, 0.5])",),
    "unique_values": ("np.array([0.5, 0.25, 0.5])",), "vsplit": ("np.ones((4, 2))", "2"),
    "vstack": (f"[{_X}, {_X2}]",),
    # linalg and fft
    "linalg.cholesky": ("np.array([[2.0, 0.5], [0.5, 1.0]])",), "linalg.det": (_M,),
    "linalg.diagonal": (_M,), "linalg.eigvalsh": ("np.array([[2.0, 0.5], [0.5, 1.0]])",),
    "linalg.outer": (_X, _X2), "linalg.tensorinv": ("np.eye(4).reshape(4, 2, 2)", "1"),
    "linalg.tensorsolve": (_M, _X), "linalg.trace": (_M,), "linalg.vecdot": (_X, _X2),
    "linalg.tensordot": (_M, _M), "linalg.broadcast_to": (_X, "(3, 2)"),
    "linalg.moveaxis": (_M, "0", "1"),
    "fft.fft": ("np.array([1.0, 2.0, 0.0, -1.0])",), "fft.ifft": ("np.array([1.0, 2.0, 0.0, -1.0])",),
    "fft.rfft": ("np.array([1.0, 2.0, 0.0, -1.0])",),
    "fft.ihfft": ("np.array([1.0, 2.0, 0.0, -1.0])",),
    "fft.irfft": ("np.array([1.0, 0.5 - 0.5j, 0.25])",),
    "fft.fft2": (_M,), "fft.ifft2": (_M,), "fft.fftn": (_M,), "fft.ifftn": (_M,),
    "fft.rfft2": (_M,), "fft.rfftn": (_M,),
    "fft.irfft2": ("np.array([[1.0, 0.5 - 0.5j], [0.25, 2.0 + 1j]])",),
    "fft.irfftn": ("np.array([[1.0, 0.5 - 0.5j], [0.25, 2.0 + 1j]])",), "fft.ifftshift": ("np.array([0.25, 0.5, 1.5])",),
    "fft.getitem": (_M, "(0, slice(None))"),
}

# primitives whose derivative needs SciPy (i0' = i1): their example checks the value only, so
# that it runs where SciPy is not installed (the op table checks the derivative with SciPy)
_DERIVATIVE_NEEDS_SCIPY = {"i0": "i1(x), from SciPy"}

# NumPy's deprecated aliases: the example compares with the name NumPy recommends
_DEPRECATED_IN_NUMPY = {"row_stack": "vstack"}

# functions whose result is not differentiable in their arguments (integer, boolean, indices...)
_NOT_DIFFERENTIABLE = frozenset({
    "all", "any", "allclose", "argwhere", "array_equal", "array_equiv", "bartlett", "blackman",
    "hamming", "hanning", "count_nonzero", "flatnonzero", "iscomplex", "iscomplexobj", "isreal",
    "isrealobj", "isin", "isneginf", "isposinf", "lexsort", "nanargmax", "nanargmin", "nonzero",
    "unique_all", "unique_counts", "unique_inverse", "unique_values", "histogram2d",
    "histogramdd", "divmod", "real_if_close", "asarray_chkfinite", "trim_zeros", "compress",
    "extract"})

# the qualified names ('sin', 'linalg.det') whose docstring document() wrote (their examples are
# run by tests/test_public_api.py)
GENERATED: list = []


def _imports(body):
    lines = [">>> import numpy as np\n"]
    if "fg." in body:
        lines.append(">>> import funcgrad as fg\n")
    lines.append(">>> import funcgrad.numpy as fnp\n")
    if "check_grads(" in body:
        lines.append(">>> from funcgrad.testing import check_grads\n")
    return "".join(lines)


def numpy_url(qualified: str) -> str:
    """NumPy's reference page of `numpy.<qualified>` (e.g. 'sin', 'linalg.det')."""
    return f"https://numpy.org/doc/stable/reference/generated/numpy.{qualified}.html"


def numpy_summary(numpy_function) -> str:
    """The first paragraph of a NumPy function's docstring, its signature line left out."""
    text = inspect.cleandoc(getattr(numpy_function, "__doc__", None) or "")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if paragraphs and "(" in paragraphs[0].split("\n")[0] and paragraphs[0].rstrip().endswith(")"):
        paragraphs = paragraphs[1:]  # a ufunc's docstring starts with its signature
    return " ".join(paragraphs[0].split()) if paragraphs else ""


def _input_names(primitive, arity):
    if primitive.name == "where":
        return ("condition", "x", "y")
    if primitive.name == "ldexp":
        return ("x1", "x2")
    return ("x",) if arity == 1 else tuple(f"x{i + 1}" for i in range(arity))


def _arity(primitive, numpy_function):
    rules = primitive.vjp if isinstance(primitive.vjp, tuple) else primitive.jvp
    if isinstance(rules, tuple):
        return len(rules)
    return getattr(numpy_function, "nin", None)


def primitive_signature(primitive, numpy_function=None):
    """Positional-only inputs named as NumPy names them: `sin(x, /)`, `add(x1, x2, /)`."""
    arity = _arity(primitive, numpy_function)
    if arity is None:
        return None
    return inspect.Signature([inspect.Parameter(n, _POS) for n in _input_names(primitive, arity)])


def _numpy_function(qualified):
    obj = np
    for part in qualified.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _call(public, args):
    return f"fnp.{public}({', '.join(args)})"


# functions whose result is a tuple of arrays (compared element by element in the example)
_TUPLE_RESULTS = frozenset({"nonzero", "unique_all", "unique_counts", "unique_inverse", "divmod",
                            "histogram2d", "histogramdd", "hsplit", "vsplit", "dsplit"})


def _is_float_array(text):
    return text.startswith(("np.array([", "np.ones", "np.eye")) and "j" not in text and \
        "True" not in text and "nan" not in text and "inf" not in text and "." in text


def _example(public, numpy_name, args, *, differentiable, formula, primitive):
    """A doctest: the value as NumPy's, then the derivative against `formula`, or against
    central finite differences (funcgrad.testing.check_grads, both modes, to second order)."""
    if primitive or isinstance(formula, tuple):
        # every input is an array: x (one input) or x1, x2, ...
        names = ["x"] if len(args) == 1 else [f"x{i + 1}" for i in range(len(args))]
        values, call_args = list(args), names
    else:  # the first argument is the array, the others are options written out
        names, values = ["x"], [args[0]]
        call_args = ["x", *args[1:]]
    lines = [f">>> {', '.join(names)} = {', '.join(values)}\n"]
    ours = _call(public, call_args)
    if numpy_name is not None and _numpy_function(numpy_name) is not None:
        theirs = f"np.{numpy_name}({', '.join(call_args)})"
        if public.split(".")[-1] in _TUPLE_RESULTS:
            # np.all, not all: doctest may run this in funcgrad.numpy's namespace
            lines.append(f">>> np.all([np.allclose(a, b, equal_nan=True) for a, b in "
                         f"zip({ours}, {theirs})]).item()\nTrue\n")
        else:
            lines.append(f">>> bool(np.allclose({ours}, {theirs}, equal_nan=True))\nTrue\n")
    if differentiable and isinstance(formula, str):
        lines.append(f">>> bool(np.allclose(fg.grad(lambda x: {ours}.sum())(x), {formula}))"
                     "\nTrue\n")
    elif differentiable and isinstance(formula, tuple):
        lines.append(f">>> d1, d2 = fg.grad(lambda x1, x2: {ours}.sum(), argnums=(0, 1))(x1, x2)"
                     "\n")
        lines.append(f">>> bool(np.allclose(d1, {formula[0]})), "
                     f"bool(np.allclose(d2, {formula[1]}))\n(True, True)\n")
    elif differentiable and any(_is_float_array(v) for v in values):
        lines.append(f">>> check_grads(lambda {', '.join(names)}: {ours}, "
                     f"({', '.join(names)},), order=2)\n")
    body = "".join(lines)
    return _imports(body) + body


def _pretty(formula):
    return formula.replace("np.", "").replace("**", "^")


def _primitive_doc(public, primitive, numpy_name, args):
    numpy_function = _numpy_function(numpy_name) if numpy_name else None
    summary = numpy_summary(numpy_function) if numpy_function is not None else ""
    link = f"[`numpy.{numpy_name}`]({numpy_url(numpy_name)})" if numpy_function is not None \
        else f"`{primitive.name}`"
    parts = [summary + "\n\n" if summary else ""]
    formula = DERIVATIVES.get(primitive.name)
    if primitive.differentiable:
        text = (f"{link}, differentiable: funcgrad's {primitive.family or ''} primitive "
                f"`{primitive.name}`, with its reverse, forward and vmap rules.")
        if isinstance(formula, str):
            text += f" Derivative: d/dx {primitive.name}(x) = {_pretty(formula)}."
        elif isinstance(formula, tuple):
            text += (f" Derivatives: d/dx1 = {_pretty(formula[0])}, "
                     f"d/dx2 = {_pretty(formula[1])}.")
    else:
        text = (f"{link}, as funcgrad's {primitive.family or ''} primitive `{primitive.name}`. "
                "It has no derivative (its result is integer, boolean or piecewise constant): "
                "transforms treat it as a constant, so a gradient through it is zero.")
    convention = CONVENTIONS.get(primitive.name)
    if convention:
        text += " " + convention
    needs_scipy = _DERIVATIVE_NEEDS_SCIPY.get(primitive.name)
    if needs_scipy:
        text += f" Derivative: {needs_scipy}."
    parts.append(" ".join(text.split()))
    parts.append("\n\nExamples\n--------\n")
    parts.append(_example(public, numpy_name, args,
                          differentiable=primitive.differentiable and not needs_scipy,
                          formula=formula, primitive=True))
    return "".join(parts)


def _function_doc(public, qualified, numpy_name, args):
    numpy_function = _numpy_function(numpy_name)
    summary = numpy_summary(numpy_function) if numpy_function is not None else ""
    differentiable = public not in _NOT_DIFFERENTIABLE and public.split(".")[-1] not in \
        _NOT_DIFFERENTIABLE
    formula = DERIVATIVES.get(public)
    link = f"[`numpy.{numpy_name}`]({numpy_url(numpy_name)})" if numpy_function is not None \
        else f"`{qualified}`"
    if differentiable:
        text = (f"{link}, differentiable: written with funcgrad's primitives, so every "
                "transform (grad, jvp, vmap, jit) goes through it.")
        if isinstance(formula, str):
            text += f" Derivative: d/dx {public}(x) = {_pretty(formula)}."
        if qualified in CONVENTIONS:
            text += " " + CONVENTIONS[qualified]
    else:
        text = (f"{link}, computed as NumPy does. Its result (integer, boolean, indices or a "
                "test) has no derivative: transforms treat it as a constant.")
    return ((summary + "\n\n" if summary else "") + text +
            "\n\nExamples\n--------\n" +
            _example(qualified, numpy_name, args, differentiable=differentiable,
                     formula=formula, primitive=False))


def document(namespace: dict, prefix: str = "") -> None:
    """Docstrings (and primitive signatures) for the public entries of a funcgrad.numpy module
    that have none of their own. `prefix` is the submodule ('linalg.', 'fft.') or ''."""
    missing = []
    for public in namespace.get("__all__", ()):
        entry = namespace.get(public)
        wrapped = getattr(entry, "primitive", None)
        qualified = prefix + public
        if isinstance(wrapped, Primitive):
            _document_primitive(entry, wrapped, qualified)
        elif callable(entry) and not isinstance(entry, type) and \
                not (getattr(entry, "__doc__", None) or "").strip():
            args = SAMPLES.get(qualified)
            if args is None:
                missing.append(qualified)
                continue
            numpy_name = _DEPRECATED_IN_NUMPY.get(qualified) or (
                qualified if _numpy_function(qualified) is not None else public)
            entry.__doc__ = _function_doc(public, qualified, numpy_name, args)
            original = getattr(entry, "__wrapped__", None)
            if original is not None and not (original.__doc__ or "").strip():
                original.__doc__ = entry.__doc__  # what inspect.unwrap (and the API reference) finds
            GENERATED.append(qualified)
    if missing:
        raise AssertionError(f"funcgrad.numpy: {missing} have no docstring: write one, or give "
                             "their example's arguments in funcgrad/numpy/_docs.SAMPLES")


def _document_primitive(entry, primitive, qualified):
    numpy_name = primitive.name if hasattr(np, primitive.name) else None
    numpy_function = _numpy_function(numpy_name) if numpy_name else None
    signature = primitive_signature(primitive, numpy_function)
    if signature is not None:
        entry.__signature__ = signature
    if not has_default_doc(primitive):
        return  # the primitive's own docstring (written where it is defined)
    arity = len(signature.parameters) if signature is not None else 1
    default = (_X,) if arity == 1 else (_X, _X2)
    args = SAMPLES.get(qualified, SAMPLES.get(primitive.name, default))
    entry.__doc__ = _primitive_doc(qualified, primitive, numpy_name, args)
    GENERATED.append(qualified)



# -- primitives a module exposes as they are (funcgrad.lax.erf, funcgrad.scipy.special.gamma) --

# what the ones NumPy has no function for compute (the others take NumPy's summary)
SUMMARIES = {
    "erf": "The error function, 2/sqrt(pi) times the integral of exp(-t^2) from 0 to x "
           "(`scipy.special.erf`).",
    "erfc": "The complementary error function, 1 - erf(x), accurate where erf(x) is near 1 "
            "(`scipy.special.erfc`).",
    "erfinv": "The inverse of the error function on (-1, 1) (`scipy.special.erfinv`).",
    "digamma": "The digamma function psi(x), the derivative of log(gamma(x)) "
               "(`scipy.special.digamma`).",
    "gammaln": "log|gamma(x)|, without overflow (`scipy.special.gammaln`).",
    "gamma": "The gamma function, (x - 1)! at the positive integers (`scipy.special.gamma`).",
    "log_ndtr": "The log of the standard normal distribution function, accurate far in the lower "
                "tail (`scipy.special.log_ndtr`).",
    "ndtri": "The inverse of the standard normal distribution function on (0, 1) "
             "(`scipy.special.ndtri`).",
    "i0e": "The exponentially scaled modified Bessel function of order 0, exp(-|x|) I0(x) "
           "(`scipy.special.i0e`).",
    "i1": "The modified Bessel function of the first kind of order 1 (`scipy.special.i1`).",
    "i1e": "The exponentially scaled modified Bessel function of order 1, exp(-|x|) I1(x) "
           "(`scipy.special.i1e`).",
}

# the 'module.name' of each primitive document_primitives wrote a docstring for (their examples
# are run by tests/test_public_api.py)
GENERATED_PRIMITIVES: list = []


def _direct_example(module, public, primitive, numpy_function, args):
    names = ["x"] if len(args) == 1 else [f"x{i + 1}" for i in range(len(args))]
    lines = [">>> import numpy as np\n", f">>> from {module} import {public}\n",
             f">>> {', '.join(names)} = {', '.join(args)}\n"]
    ours = f"{public}({', '.join(names)})"
    if numpy_function is not None:
        lines.append(f">>> bool(np.allclose({ours}, np.{primitive.name}({', '.join(names)})))"
                     "\nTrue\n")
    formula = DERIVATIVES.get(primitive.name)
    if primitive.name in _DERIVATIVE_NEEDS_SCIPY:
        pass  # (the value only: see _DERIVATIVE_NEEDS_SCIPY)
    elif primitive.differentiable and isinstance(formula, str):
        lines.insert(1, ">>> import funcgrad as fg\n")
        lines.append(f">>> bool(np.allclose(fg.grad(lambda x: {ours}.sum())(x), {formula}))"
                     "\nTrue\n")
    elif primitive.differentiable:
        lines.insert(1, ">>> from funcgrad.testing import check_grads\n")
        lines.append(f">>> check_grads({public}, ({', '.join(names)},), order=2)\n")
    return "".join(lines)


def document_primitives(namespace: dict, module: str) -> None:
    """Docstrings and signatures for the primitives a module exposes as they are, that have no
    docstring of their own: NumPy's summary (or SUMMARIES'), what differentiates it, its
    derivative and convention where the tables give them, and an example checking the value
    against NumPy's and the derivative against finite differences."""
    missing = []
    for public, primitive in list(namespace.items()):
        if public.startswith("_") or not isinstance(primitive, Primitive):
            continue
        numpy_function = getattr(np, primitive.name, None)
        signature = primitive_signature(primitive, numpy_function)
        if signature is not None:
            SIGNATURES.setdefault(primitive.name, signature)
        if not has_default_doc(primitive):
            continue
        summary = SUMMARIES.get(primitive.name) or (
            numpy_summary(numpy_function) if numpy_function is not None else "")
        if not summary or signature is None:
            missing.append(public)
            continue
        link = (f"[`numpy.{primitive.name}`]({numpy_url(primitive.name)}) as the"
                if numpy_function is not None else "The")
        if primitive.differentiable:
            text = (f"{link} funcgrad {primitive.family} primitive `{primitive.name}`, "
                    "differentiable: its reverse, forward and vmap rules are defined with it.")
        else:
            text = (f"{link} funcgrad {primitive.family} primitive `{primitive.name}`. It has no "
                    "derivative: transforms treat it as a constant.")
        formula = DERIVATIVES.get(primitive.name)
        if isinstance(formula, str):
            text += f" Derivative: d/dx {primitive.name}(x) = {_pretty(formula)}."
        if primitive.name in CONVENTIONS:
            text += " " + CONVENTIONS[primitive.name]
        arity = len(signature.parameters)
        args = SAMPLES.get(primitive.name, (_X,) if arity == 1 else (_X, _X2)[:arity])
        primitive.__doc__ = (summary + "\n\n" + text + "\n\nExamples\n--------\n" +
                             _direct_example(module, public, primitive, numpy_function, args))
        GENERATED_PRIMITIVES.append(f"{module}.{public}")
    if missing:
        raise AssertionError(f"{module}: the primitives {missing} have no docstring: write one "
                             "where they are defined, or a summary in funcgrad/numpy/_docs.SUMMARIES")
