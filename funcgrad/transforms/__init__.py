"""The transforms: each an interpreter of the expression list."""
from funcgrad.transforms.forward import jvp  # noqa: F401
from funcgrad.transforms.jacobians import hessian, jacfwd, jacobian, jacrev  # noqa: F401
from funcgrad.transforms.reverse import grad, value_and_grad, vjp  # noqa: F401
from funcgrad.transforms.tracing import make_trace  # noqa: F401
from funcgrad.transforms.vmap import vmap  # noqa: F401
from funcgrad.transforms.jit import jit  # noqa: F401
from funcgrad.transforms.custom import custom_gradient, custom_jvp, custom_vjp  # noqa: F401
from funcgrad.transforms.checkpoint import checkpoint, checkpoint_policies, remat  # noqa: F401
from funcgrad.transforms.linearize import linear_transpose, linearize  # noqa: F401
from funcgrad.transforms.shapes import ShapeDtypeStruct, eval_shape  # noqa: F401
