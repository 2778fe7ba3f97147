"""The engine: expression list data, tracers, primitives and the transform stack.

Imports nothing else of funcgrad (but `errors`).
"""
from funcgrad.core.ir import Equation, Trace, Var, format_trace  # noqa: F401
from funcgrad.core.primitive import Primitive, ShapedArray, aval_of, registry  # noqa: F401
from funcgrad.core.recorder import ExprTracer, Recorder, recording, value_of  # noqa: F401
from funcgrad.core.tracer import (Interpreter, Tracer, active_interpreters, concrete_value,  # noqa: F401
                                  concretize, running,
                                  pop_interpreter, push_interpreter)
