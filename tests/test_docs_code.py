"""Every Python code block of README.md and docs/ runs (issue 14): the blocks of one page run in
order in one namespace, as a reader would paste them. An HTML comment on the line before a block
marks the exceptions: `<!-- not run: the reason -->` for a block that cannot run here, and
`<!-- raises: ExceptionName -->` for one that shows an error (it must raise that exception).
`<!-- warns: UserWarning, RuntimeWarning -->` (on its own line, before the others) marks a block
that shows warnings: it must give each of them, and they are not reported as the run's warnings."""
import doctest
import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
BLOCK = re.compile(r"(?:<!-- warns: (?P<warns>[^>]*?) -->\s*\n)?"
                   r"(?:<!-- (?P<mark>not run|raises): (?P<reason>[^>]*?) -->\s*\n)?"
                   r"```python\n(?P<code>.*?)```", re.S)


def blocks(page):
    """(code, reason it is not run or None, exception name it must raise or None) per block."""
    return [(code, reason, raises) for code, reason, raises, _ in _blocks_and_warnings(page)]


def _blocks_and_warnings(page):
    found = []
    for m in BLOCK.finditer(page.read_text()):
        mark, reason = m.group("mark"), m.group("reason")
        warns = [w.strip() for w in (m.group("warns") or "").split(",") if w.strip()]
        found.append((m.group("code"), reason if mark == "not run" else None,
                      reason.strip() if mark == "raises" else None, warns))
    return found


def test_every_not_run_mark_gives_a_reason():
    for page in PAGES:
        for code, reason, _ in blocks(page):
            assert reason is None or reason.strip(), f"{page.name}: a block marked without reason"


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pages that write files (pictures) write them here
    namespace = {"__name__": "__docs__"}
    for k, (code, reason, raises, warns) in enumerate(_blocks_and_warnings(page)):
        if reason is not None:
            continue
        label = f"{page.relative_to(ROOT)}, block {k + 1}"
        with warnings.catch_warnings(record=bool(warns)) as caught:
            if warns:
                warnings.simplefilter("always")
            _run_block(code, namespace, label, f"{page.name}, block {k + 1}", raises)
        shown = {c.__name__ for w in caught or () for c in w.category.__mro__}
        missing = [w for w in warns if w not in shown]
        assert not missing, f"{label} is marked to warn {missing} but did not"


def _run_block(code, namespace, label, filename, raises):
    if code.lstrip().startswith(">>>"):  # an interactive session: its output is checked too
        _run_doctest(code, namespace, label)
        return
    try:
        exec(compile(code, filename, "exec"), namespace)
    except Exception as err:  # noqa: BLE001 - the block's error, with where it came from
        if raises is not None and raises in {c.__name__ for c in type(err).__mro__}:
            return
        if missing_extra(err):
            pytest.skip(f"{label} needs an optional package that is not installed: {err}")
        raise AssertionError(f"{label} raised {type(err).__name__}: {err}\n{code}") from err
    assert raises is None, f"{label} should raise {raises} but ran\n{code}"


OPTIONAL = {"scipy", "dask", "distributed", "torch", "jax", "sklearn", "graphviz",
            "array_api_strict", "array_api_compat", "numba"}


def missing_extra(err):
    """Is err the ImportError of an optional package that is absent (funcgrad names the extra)?"""
    if isinstance(err, ModuleNotFoundError) and (err.name or "").split(".")[0] in OPTIONAL:
        return True
    return isinstance(err, ImportError) and "funcgrad[" in str(err)


def _run_doctest(code, namespace, label):
    test = doctest.DocTestParser().get_doctest(code, namespace, label, label, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    runner.run(test, out=report.append, clear_globs=False)
    assert not runner.failures, f"{label}: the session's output differs\n" + "".join(report)
