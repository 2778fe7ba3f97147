"""torch.profiler / torch.autograd.profiler: which operations ran, how often, for how long.

While a `profile` is active every primitive's implementation is wrapped with a timer (and
restored on exit), so profiling costs nothing when it is off. Operations are named as
PyTorch's ATen operators are (`aten::mul`, `aten::mm`...); `record_function` adds labelled
ranges of the user's own.
"""
from __future__ import annotations

import enum
import json
import re
import time

from funcgrad.core.primitive import registry
from funcgrad.torch._names import node_name


class ProfilerActivity(enum.Enum):
    """The activities a profile may record: only the CPU is there."""
    CPU = 0
    CUDA = 1
    MPS = 2
    XPU = 3


class FunctionEvent:
    """One timed call: its name, start and end (microseconds) and the calls nested in it."""

    __slots__ = ("name", "start", "end", "children", "input_shapes")

    def __init__(self, name, start, input_shapes=()):
        self.name, self.start, self.end = name, start, start
        self.children = []
        self.input_shapes = input_shapes

    @property
    def key(self):
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.end - self.start

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.children)


class FunctionEventAvg:
    """The calls of one name together: count, total and self time (microseconds)."""

    def __init__(self, key):
        self.key = key
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / self.count if self.count else 0.0

    def add(self, event):
        self.count += 1
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_us(self.self_cpu_time_total)} "
                f"cpu_time={_us(self.cpu_time_total)} count={self.count}>")


class EventList(list):
    """Averages by name; `table()` prints them as PyTorch's profiler does."""

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, header=None,
              top_level_events_only=False, **_):
        rows = list(self)
        if sort_by:
            field = {"cpu_time_total": "cpu_time_total", "self_cpu_time_total":
                     "self_cpu_time_total", "count": "count", "cpu_time": "cpu_time"}.get(
                sort_by.replace("cuda", "cpu").replace("device", "cpu"), "cpu_time_total")
            rows.sort(key=lambda e: getattr(e, field), reverse=True)
        if row_limit is not None and row_limit > 0:
            rows = rows[:row_limit]
        total = sum(e.self_cpu_time_total for e in self) or 1.0
        width = max([len("Name")] + [min(len(e.key), max_name_column_width) for e in rows])
        heads = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                 "# of Calls"]
        line = "-" * width + "  " + "  ".join("-" * 12 for _ in heads)
        out = [line, "Name".rjust(width) + "  " + "  ".join(h.rjust(12) for h in heads), line]
        for e in rows:
            cells = [f"{100 * e.self_cpu_time_total / total:.2f}%", _us(e.self_cpu_time_total),
                     f"{100 * e.cpu_time_total / total:.2f}%", _us(e.cpu_time_total),
                     _us(e.cpu_time), str(e.count)]
            out.append(e.key[:width].rjust(width) + "  " + "  ".join(c.rjust(12) for c in cells))
        out.append(line)
        out.append(f"Self CPU time total: {_us(sum(e.self_cpu_time_total for e in self))}")
        return (header + "\n" if header else "") + "\n".join(out) + "\n"

    def __str__(self):
        return self.table()


def _us(microseconds: float) -> str:
    if microseconds >= 1e6:
        return f"{microseconds / 1e6:.3f}s"
    if microseconds >= 1e3:
        return f"{microseconds / 1e3:.3f}ms"
    return f"{microseconds:.3f}us"


_ACTIVE: list = []  # the profiles recording now (innermost last)
_OPEN: list = []  # the events not finished yet (a call stack)


def _now() -> float:
    return time.perf_counter_ns() / 1000.0


def _aten_name(primitive_name: str) -> str:
    """`aten::mul` for multiply: PyTorch's node name without `Backward`, in snake case."""
    base = re.sub(r"Backward\d*$", "", node_name(primitive_name))
    return "aten::" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", base).lower()


def _begin(name, shapes=()):
    event = FunctionEvent(name, _now(), shapes)
    if _OPEN:
        _OPEN[-1].children.append(event)
    else:
        for prof in _ACTIVE:
            prof._events.append(event)
    _OPEN.append(event)
    return event


def _end(event):
    event.end = _now()
    if _OPEN and _OPEN[-1] is event:
        _OPEN.pop()


def _timed(primitive, impl, name):
    def timed_impl(*args, **params):
        event = _begin(name, tuple(tuple(getattr(a, "shape", ())) for a in args))
        try:
            return impl(*args, **params)
        finally:
            _end(event)
    timed_impl.__wrapped__ = impl
    return timed_impl


def _install():
    for primitive in list(registry.values()):
        impl = primitive.impl
        if getattr(impl, "__wrapped__", None) is None:
            primitive.impl = _timed(primitive, impl, _aten_name(primitive.name))


def _uninstall():
    for primitive in list(registry.values()):
        wrapped = getattr(primitive.impl, "__wrapped__", None)
        if wrapped is not None:
            primitive.impl = wrapped


class profile:  # noqa: N801 - PyTorch's name
    """A context manager recording the operations run inside it.

    >>> import funcgrad.torch as torch
    >>> x = torch.ones(3, 3)
    >>> with profile() as prof:
    ...     y = x @ x
    >>> [(e.key, e.count) for e in prof.key_averages()]
    [('aten::mm', 1)]
    """

    def __init__(self, enabled=True, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, use_cuda=False, use_device=None, **_):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.on_trace_ready = on_trace_ready
        self._events = []
        self.step_num = 0

    def __enter__(self):
        if self.enabled:
            self.start()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stop()
        return False

    def start(self):
        if not _ACTIVE:
            _install()
        _ACTIVE.append(self)

    def stop(self):
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if not _ACTIVE:
            _uninstall()
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def step(self):
        """The end of one step of a scheduled profile (every step is recorded here)."""
        self.step_num += 1

    def events(self) -> EventList:
        """Every recorded call, nested calls included, in the order they started."""
        flat = EventList()

        def walk(events):
            for e in events:
                flat.append(e)
                walk(e.children)
        walk(self._events)
        return flat

    def key_averages(self, group_by_input_shape=False, **_) -> EventList:
        """One FunctionEventAvg per operation name (per name and input shapes if asked)."""
        groups: dict = {}
        for e in self.events():
            key = (e.name, e.input_shapes) if group_by_input_shape else e.name
            if key not in groups:
                groups[key] = FunctionEventAvg(e.name)
            groups[key].add(e)
        return EventList(groups.values())

    def table(self, *args, **kwargs) -> str:
        return self.key_averages().table(*args, **kwargs)

    def export_chrome_trace(self, path):
        """The events as a Chrome trace (chrome://tracing, Perfetto) JSON file."""
        trace = [{"name": e.name, "ph": "X", "ts": e.start, "dur": e.cpu_time_total,
                  "pid": 0, "tid": 0, "cat": "cpu_op"} for e in self.events()]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)


class record_function:  # noqa: N801 - PyTorch's name
    """A labelled range in the profile (a context manager or a decorator)."""

    def __init__(self, name, args=None):
        self.name = name
        self._event = None

    def __enter__(self):
        if _ACTIVE:
            self._event = _begin(self.name)
        return self

    def __exit__(self, *exc):
        if self._event is not None:
            _end(self._event)
            self._event = None
        return False

    def __call__(self, fn):
        def wrapped(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapped


def schedule(*, wait=0, warmup=0, active=1, repeat=0, skip_first=0, **_):
    """Accepted for scripts that pass one; every step is recorded."""
    return lambda step: None


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """Writes a Chrome trace per call into dir_name (TensorBoard's profiler plugin reads it)."""
    import os

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = f"{worker_name or 'funcgrad'}.{int(time.time() * 1000)}.pt.trace.json"
        prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler


__all__ = ["ProfilerActivity", "profile", "record_function", "schedule",
           "tensorboard_trace_handler", "EventList", "FunctionEvent", "FunctionEventAvg"]
