"""Shared test configuration: op-table cases that need an optional package skip without it."""
import importlib.util

import pytest

# tags an op-table Case may carry, and the package each needs
OPTIONAL_PACKAGES = {"scipy": "scipy"}


@pytest.fixture(autouse=True)
def _skip_cases_whose_package_is_missing(request):
    callspec = getattr(request.node, "callspec", None)
    case = callspec.params.get("case") if callspec is not None else None
    for tag in getattr(case, "tags", ()):
        package = OPTIONAL_PACKAGES.get(tag)
        if package and importlib.util.find_spec(package) is None:
            pytest.skip(f"{case.id} needs {package} (pip install 'funcgrad[{tag}]')")
