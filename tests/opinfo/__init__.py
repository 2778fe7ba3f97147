"""The op table: one `Case` per thing to test, grouped by family, one module per family.

A family module (tests/opinfo/<family>.py) defines `CASES`, a list of `Case`s. Modules are found
automatically: adding a family is adding a module here (names starting with '_' and the
`strategies` module are skipped). tests/test_registry.py drives every check from this table.

A Case's `fun(xp, *arrays, **static)` is written against a NumPy-like namespace: the tests call it with
`funcgrad.numpy` (to differentiate) and, when `reference` is true, with `numpy` itself (to check
values). `op` names the primitive the case is about: it must appear in the trace of `fun`.
A sample of inputs is a tuple of arrays, optionally ending with a dict of static keyword
arguments (axes, shapes...): those are passed to `fun` but never differentiated or batched.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Optional


@dataclass(frozen=True)
class Singular:
    """An input at a singular point (exact zeros, ties, -inf rows, repeated indices...).

    With `grads=None` it is checked by finite differences (to `order`, usually 1, as higher
    derivatives are not continuous there). Otherwise `grads` holds the expected gradient of
    sum(fun(*args)) with respect to each float argument: funcgrad's documented convention at that
    point (docs/conventions.md), checked in both modes."""
    args: tuple
    order: int = 1
    grads: Optional[tuple] = None
    note: str = ""


@dataclass(frozen=True)
class Case:
    op: str                       # name of the primitive under test, as in the registry
    fun: Callable                 # fun(xp, *args)
    inputs: Any                   # hypothesis strategy of argument tuples
    singular: tuple = ()
    name: str = ""                # distinguishes several cases of one op
    order: int = 2                # derivative order checked by finite differences
    reference: bool = True        # fun(numpy, *args) is a valid reference for the values
    differentiable: bool = True   # False: value checks and a zero derivative only
    rtol: float = 1e-5
    atol: float = 1e-5
    float32: bool = True          # float32 inputs give float32 outputs and gradients
    modes: tuple = ("fwd", "rev")  # ("rev",): forward mode refuses the op, as JAX does for it
    tags: tuple = field(default=())

    @property
    def id(self) -> str:
        return f"{self.op}-{self.name}" if self.name else self.op


def tolerance(case, rtol, atol):
    """rtol/atol for comparing two ways of computing a case's values or derivatives: the given
    ones (they agree to rounding) except for cases tagged "adaptive", whose values come from an
    adaptive solver (an ODE solve): there the two ways take different steps (a batched jacfwd
    solves its tangents together), and agree to the solver's tolerance."""
    if "adaptive" in case.tags:
        return dict(rtol=max(rtol, 1e-7), atol=max(atol, 1e-9))
    return dict(rtol=rtol, atol=atol)


def split_sample(sample):
    """(arrays, static keyword arguments) of one sample of inputs."""
    sample = tuple(sample)
    if sample and isinstance(sample[-1], dict):
        return sample[:-1], sample[-1]
    return sample, {}


def bind(case, xp, static):
    """fun(*arrays) with the namespace and the static arguments fixed."""
    def fun(*arrays):
        return case.fun(xp, *arrays, **static)
    fun.__name__ = case.id
    return fun


SKIP = {"strategies"}


def family_modules():
    """Every family module of this package, imported."""
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in SKIP:
            continue
        modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules


def all_cases() -> list:
    cases = []
    for module in family_modules():
        cases.extend(module.CASES)
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"op table: duplicate case ids {sorted(duplicates)}; give them names")
    return cases
