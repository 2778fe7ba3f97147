"""A griffe extension for the API reference: interactive sessions (`>>>` lines and their output)
in docstrings become fenced Python blocks, so Markdown renders them as code (and does not read
`[0.0, 0.0]` in an output line as a link)."""
from __future__ import annotations

import griffe


def fence_sessions(text: str) -> str:
    lines, out, in_session = text.split("\n"), [], False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(">>>") and not in_session:
            out.append("```python")
            in_session = True
        elif in_session and not stripped:
            out.append("```")
            in_session = False
        out.append(line.strip() if in_session else line)
    if in_session:
        out.append("```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the `>>>` sessions of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_sessions(obj.docstring.value)
