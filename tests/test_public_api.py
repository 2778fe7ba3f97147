"""The public surface: every public name is listed in its module's __all__ (type checkers read
re-exports from it) and has a docstring."""
import inspect
import types

import pytest

import funcgrad as fg

# subpackages that are not names of the top-level API: internal layers, and the optional ones a
# user imports by their own name (funcgrad.torch, funcgrad.scipy, funcgrad.backends)
INTERNAL = {"core", "primitives", "transforms", "errors", "scipy", "torch", "backends"}


def test_every_public_name_of_funcgrad_is_in_all():
    public = {n for n in dir(fg) if not n.startswith("_") and n not in INTERNAL}
    missing = public - set(fg.__all__)
    assert not missing, f"add to funcgrad.__all__: {sorted(missing)}"
    assert not set(fg.__all__) - public, "funcgrad.__all__ names something that is not there"


@pytest.mark.parametrize("name", fg.__all__)
def test_every_public_name_has_a_docstring(name):
    obj = getattr(fg, name)
    if isinstance(obj, (types.ModuleType, type, types.FunctionType)) or callable(obj):
        assert inspect.getdoc(obj), f"funcgrad.{name} has no docstring"
