"""The public surface: every public module lists its names in `__all__` (type checkers read
re-exports from it), every name there has a docstring of its own, the docstrings generated for
funcgrad.numpy's thin wrappers (funcgrad/numpy/_docs.py) run as written, and a primitive shows
a real signature to `help()` and `inspect.signature`."""
import doctest
import importlib
import inspect
import types

import numpy as np
import pytest

import funcgrad as fg

# subpackages that are not names of the top-level API: internal layers, and the optional ones a
# user imports by their own name (funcgrad.torch, funcgrad.scipy, funcgrad.backends)
INTERNAL = {"core", "primitives", "transforms", "errors", "scipy", "torch", "backends"}

# every public module (funcgrad.scipy's need SciPy: they are skipped without it)
MODULES = [
    "funcgrad", "funcgrad.numpy", "funcgrad.numpy.linalg", "funcgrad.numpy.fft", "funcgrad.lax",
    "funcgrad.tree_util", "funcgrad.flatten_util", "funcgrad.random", "funcgrad.nn",
    "funcgrad.nn.initializers", "funcgrad.optimizers", "funcgrad.optimizers.schedules",
    "funcgrad.sparse", "funcgrad.testing", "funcgrad.debug", "funcgrad.config",
    "funcgrad.scipy", "funcgrad.scipy.special", "funcgrad.scipy.stats", "funcgrad.scipy.linalg",
    "funcgrad.scipy.optimize", "funcgrad.scipy.signal", "funcgrad.scipy.integrate",
    "funcgrad.torch.viz",
]

# names a module re-exports from NumPy as they are (NumPy documents them)
NUMPY_OWN = {"LinAlgError", "fftfreq", "rfftfreq", "test", "e", "euler_gamma", "inf", "nan",
             "newaxis", "pi", "float32", "float64", "int32", "int64", "bool_", "complex64",
             "complex128"}


def _module(name):
    try:
        return importlib.import_module(name)
    except ImportError as err:
        if "funcgrad[" in str(err):
            pytest.skip(f"{name} needs an optional extra: {err}")
        raise


def _defined_here(module, name, obj):
    """Is `name` one of the module's own public names (not an import it uses for itself)?"""
    if name.startswith("_") or isinstance(obj, types.ModuleType):
        return False
    owner = getattr(obj, "__module__", None)
    return owner is None or owner.startswith("funcgrad") or name in module.__all__


def test_every_public_name_of_funcgrad_is_in_all():
    public = {n for n in dir(fg) if not n.startswith("_") and n not in INTERNAL}
    missing = public - set(fg.__all__)
    assert not missing, f"add to funcgrad.__all__: {sorted(missing)}"
    assert not set(fg.__all__) - public, "funcgrad.__all__ names something that is not there"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_module_has_all(name):
    module = _module(name)
    assert isinstance(getattr(module, "__all__", None), list | tuple), f"{name} has no __all__"
    absent = [n for n in module.__all__ if not hasattr(module, n)]
    assert not absent, f"{name}.__all__ names what {name} does not have: {absent}"
    assert len(set(module.__all__)) == len(module.__all__), f"{name}.__all__ repeats a name"
    # funcgrad's own functions and classes there are listed (helpers imported for the
    # module's own use are named with a leading underscore, or come from elsewhere)
    unlisted = sorted(n for n, obj in vars(module).items()
                      if (inspect.isfunction(obj) or inspect.isclass(obj))
                      and getattr(obj, "__module__", "") == name and not n.startswith("_")
                      and n not in module.__all__)
    assert not unlisted, f"public names of {name} not in its __all__: {unlisted}"


def _public_objects():
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for public in getattr(module, "__all__", ()):
            yield name, public


@pytest.mark.parametrize("module_name, name", list(_public_objects()))
def test_every_public_name_has_a_docstring(module_name, name):
    obj = getattr(_module(module_name), name)
    if name in NUMPY_OWN or not (callable(obj) or isinstance(obj, types.ModuleType)):
        return  # constants and NumPy's own objects
    # its own docstring: a class without one would show its base class's in help()
    doc = obj.__doc__ if isinstance(obj, type) else inspect.getdoc(obj)
    assert doc and doc.strip(), f"{module_name}.{name} has no docstring"


def test_funcgrad_torch_own_additions_have_docstrings():
    """The names funcgrad.torch has beyond PyTorch's own are documented (PyTorch documents the
    rest, which funcgrad.torch follows)."""
    torch = pytest.importorskip("torch")
    import funcgrad.torch as ft
    own = [n for n in dir(ft) if not n.startswith("_") and not hasattr(torch, n)]
    assert own, "funcgrad.torch adds nothing to PyTorch's names?"
    for n in own:
        assert inspect.getdoc(getattr(ft, n)), f"funcgrad.torch.{n} has no docstring"


# -- funcgrad.numpy's generated docstrings --------------------------------------------------------

def _generated():
    from funcgrad.numpy import _docs
    return sorted(_docs.GENERATED)


def _entry(qualified):
    import funcgrad.numpy as fnp
    obj = fnp
    for part in qualified.split("."):
        obj = getattr(obj, part)
    return obj


def test_most_of_funcgrad_numpy_is_documented_from_the_one_table():
    assert len(_generated()) > 150


@pytest.mark.parametrize("qualified", _generated())
def test_generated_docstring_example_runs(qualified):
    """Each generated example checks the value against NumPy's and the derivative against the
    stated formula or finite differences: the tables in _docs.py are tested, not trusted."""
    doc = _entry(qualified).__doc__
    assert "Examples\n--------\n>>>" in doc, f"funcgrad.numpy.{qualified}: no example"
    assert "numpy.org" in doc or "funcgrad" in doc
    test = doctest.DocTestParser().get_doctest(doc, {}, qualified, qualified, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    with np.errstate(all="ignore"):
        runner.run(test, out=report.append)
    assert not runner.failures, "".join(report)


def _primitive_entries():
    from funcgrad.core.primitive import Primitive
    import funcgrad.numpy as fnp
    for module, prefix in ((fnp, ""), (fnp.linalg, "linalg."), (fnp.fft, "fft.")):
        for name in module.__all__:
            if isinstance(getattr(getattr(module, name), "primitive", None), Primitive):
                yield prefix + name


@pytest.mark.parametrize("qualified", list(_primitive_entries()))
def test_a_primitive_shows_a_real_signature(qualified):
    entry = _entry(qualified)
    parameters = inspect.signature(entry).parameters.values()
    assert parameters and all(p.kind is p.POSITIONAL_ONLY for p in parameters), \
        f"funcgrad.numpy.{qualified}{inspect.signature(entry)}"


def test_help_of_a_primitive_reads_as_numpy_s_function():
    import pydoc
    import funcgrad.numpy as fnp
    text = pydoc.render_doc(fnp.sin, renderer=pydoc.plaintext)
    assert "sin(x, /)" in text and "Primitive" not in text
    assert "d/dx sin(x) = cos(x)" in text and "numpy.org" in text
    assert str(inspect.signature(fnp.add)) == "(x1, x2, /)"
    assert str(inspect.signature(fnp.where)) == "(condition, x, y, /)"


def _exposed_primitives():
    """(module, name) of every primitive a public module has under a public name."""
    from funcgrad.core.primitive import Primitive
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for public, obj in sorted(vars(module).items()):
            if not public.startswith("_") and isinstance(obj, Primitive):
                yield name, public


@pytest.mark.parametrize("module_name, name", list(_exposed_primitives()))
def test_an_exposed_primitive_has_a_real_docstring_and_signature(module_name, name):
    """Not core's placeholder: funcgrad/numpy/_docs.document_primitives writes one (or the
    primitive has its own), and help() shows NumPy-style positional inputs."""
    from funcgrad.core.primitive import has_default_doc
    primitive = getattr(_module(module_name), name)
    assert not has_default_doc(primitive), f"{module_name}.{name} has the placeholder docstring"
    parameters = list(inspect.signature(primitive).parameters.values())
    assert parameters and not any(p.kind is p.VAR_POSITIONAL for p in parameters), \
        f"{module_name}.{name}{inspect.signature(primitive)}"


def _generated_primitives():
    import funcgrad.lax  # noqa: F401 - documents the primitives it exposes
    from funcgrad.numpy._docs import GENERATED_PRIMITIVES
    try:
        import funcgrad.scipy.special  # noqa: F401
    except ImportError:
        pass
    return list(GENERATED_PRIMITIVES)


@pytest.mark.parametrize("qualified", _generated_primitives())
def test_generated_primitive_docstring_example_runs(qualified):
    module_name, name = qualified.rsplit(".", 1)
    primitive = getattr(importlib.import_module(module_name), name)
    try:  # its value and first two derivatives, as the example's check_grads(order=2) takes
        fg.hessian(lambda x: primitive(x).sum())(np.array([0.25]))
    except ImportError as err:  # a special function SciPy computes (erf and erfc need none)
        pytest.skip(f"{qualified} needs SciPy: {err}")
    doc = primitive.__doc__
    assert "Examples\n--------\n>>>" in doc, f"{qualified}: no example"
    test = doctest.DocTestParser().get_doctest(doc, {}, qualified, qualified, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    with np.errstate(all="ignore"):
        runner.run(test, out=report.append)
    assert not runner.failures, "".join(report)
