"""Import Dask without the test suite's own `tests/sparse` package standing in for pydata's
`sparse` (dask.array imports `sparse` when it can, and the tests directory is on sys.path)."""
import os
import sys

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _import_dask_array():
    saved_path = sys.path[:]
    shadow = sys.modules.get("sparse")
    if shadow is not None and os.path.abspath(getattr(shadow, "__file__", "") or "").startswith(_TESTS):
        del sys.modules["sparse"]
    else:
        shadow = None
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _TESTS]
    try:
        import dask.array  # noqa: F401
    except ImportError:
        pass
    finally:
        sys.path[:] = saved_path
        if shadow is not None:
            sys.modules["sparse"] = shadow


_import_dask_array()
