"""Doctests of funcgrad's own modules without the optional extras: a module that needs an extra
which is not installed raises an ImportError naming the extra, by design, and is left out; an
example that needs one is skipped."""
import importlib
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

ROOT = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path, config):
    path = Path(collection_path)
    if path.suffix != ".py" or ROOT / "funcgrad" not in path.parents:
        return None
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    try:
        importlib.import_module(module)
    except ImportError as err:
        if "pip install funcgrad[" in str(err):
            return True
        raise
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A doctest whose example needs an optional extra that is not installed is skipped (the
    ImportError names the extra), not failed."""
    outcome = yield
    if not isinstance(item, DoctestItem) or outcome.excinfo is None:
        return
    error = outcome.excinfo[1]
    cause = getattr(error, "exc_info", (None, None))[1]  # doctest.UnexpectedException
    if isinstance(cause, ImportError) and "funcgrad[" in str(cause):
        outcome.force_exception(pytest.skip.Exception(f"needs an optional extra: {cause}",
                                                      _use_item_location=True))
