"""CuPy arrays: NumPy's API on a GPU. Results stay on the device; nothing is copied to the host.

array_api_compat's CuPy namespace carries CuPy's NumPy-named functions, so nearly every
implementation resolves without help; scatter-add (the reverse of integer-array indexing, which
the standard lacks) is `cupyx.scatter_add`. (Untested here: no GPU on the development machines;
benchmarks/gpu.py runs the end-to-end check where one exists.)
"""
import numpy as np


def _on_device(view, index):
    return tuple(view.array(i) if isinstance(i, np.ndarray) else i for i in index)


def _index_add(view):
    def index_add(x, updates, index):
        import cupyx  # pyright: ignore[reportMissingImports]  # CuPy: optional, seldom installed
        out = view._xp.asarray(view.array(x, view.result_type(x, updates)), copy=True)
        cupyx.scatter_add(out, _on_device(view, index), updates)
        return out
    return index_add


def _add_at(view):
    def add_at(out, index, updates):
        import cupyx  # pyright: ignore[reportMissingImports]  # CuPy: optional, seldom installed
        cupyx.scatter_add(out, _on_device(view, tuple(index) if isinstance(index, tuple)
                                          else (index,)), updates)
    return add_at


def _getitem(view):
    def getitem(x, index):
        return x[_on_device(view, index)]
    return getitem


NUMPY_NAMES: dict = {}
PRIMITIVES: dict = {"index_add": _index_add, "getitem": _getitem}
UNSUPPORTED: dict = {}
UNSUPPORTED_FAMILIES = {"special": "scipy.special, whose functions run on NumPy arrays only "
                                   "(cupyx.scipy.special is not wired in yet)"}
