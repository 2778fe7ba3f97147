"""funcgrad: exact derivatives of NumPy code, by tracing it into an expression list.

    import funcgrad as fg
    import funcgrad.numpy as fnp

    fg.grad(lambda x: fnp.sum(fnp.tanh(x) ** 2))(x)
"""
from funcgrad import numpy  # noqa: F401  (defines the primitives and tracer methods)
from funcgrad import tree_util  # noqa: F401
from funcgrad import tree  # noqa: F401  (jax.tree-style short names)
from funcgrad import lax  # noqa: F401  (structured control flow)
from funcgrad import backends  # noqa: F401  (Dask, CuPy, array API arrays: allow_compute)
from funcgrad import testing  # noqa: F401  (check_grads)
from funcgrad import debug, flatten_util, nn, optimizers, random  # noqa: F401  (the everyday kit)
from funcgrad.config import config  # noqa: F401
from funcgrad.debug import debug_nans  # noqa: F401
from funcgrad.errors import (FuncgradError, NonDifferentiableError, OpError,  # noqa: F401
                             TracerConversionError, TracerLeakError)
from funcgrad.primitives.elementwise import stop_gradient  # noqa: F401
from funcgrad.transforms._inputs import float0  # noqa: F401  (derivative dtype of integers)
from funcgrad.transforms import (grad, hessian, jacfwd, jacobian, jacrev, jvp,  # noqa: F401
                                 make_trace, value_and_grad, vjp)
from funcgrad.transforms.implicit import custom_root, fixed_point  # noqa: F401
from funcgrad.transforms import (checkpoint, checkpoint_policies, custom_gradient,  # noqa: F401
                                 custom_jvp, custom_vjp, jit, linear_transpose, linearize, remat,
                                 vmap)
from funcgrad.transforms import ShapeDtypeStruct, eval_shape  # noqa: F401
from funcgrad import sparse  # noqa: F401  (sparse Jacobians and Hessians)
from funcgrad._typing import Array  # noqa: F401  (the type of arrays and traced values)
from funcgrad.sparse import (hessian_sparsity, jacobian_sparsity, sparse_hessian,  # noqa: F401
                             sparse_jacobian)

__version__ = "0.1.0"

# the public names (type checkers read re-exports from this list)
__all__ = [
    # transforms
    "grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "jacobian", "hessian",
    "linearize", "linear_transpose", "vmap", "jit", "make_trace", "eval_shape", "ShapeDtypeStruct",
    "checkpoint", "remat", "checkpoint_policies", "custom_vjp", "custom_jvp", "custom_gradient",
    "custom_root", "fixed_point", "stop_gradient", "float0",
    # debugging
    "debug", "debug_nans", "config",
    # sparse derivatives
    "jacobian_sparsity", "hessian_sparsity", "sparse_jacobian", "sparse_hessian",
    # types and errors
    "Array", "FuncgradError", "NonDifferentiableError", "OpError", "TracerConversionError",
    "TracerLeakError",
    # submodules
    "numpy", "lax", "tree_util", "tree", "testing", "flatten_util", "nn", "optimizers", "random",
    "sparse",
]
