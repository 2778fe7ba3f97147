"""array_api_strict, the standard's reference namespace: the stand-in for "not NumPy" in tests.

It has exactly the standard and nothing else, so what it cannot run is what the standard lacks
(scatter-add, einsum, SciPy's special functions...): the dispatcher reports each such primitive by
name. The one adaptation: its arrays take only its own arrays as indices, with every axis named.
"""
import numpy as np



def _getitem(view):
    def getitem(x, index):
        index = tuple(view.array(i) if isinstance(i, np.ndarray) else i for i in index)
        if Ellipsis not in index and sum(i is not None for i in index) < x.ndim:
            index = index + (Ellipsis,)  # NumPy's implicit trailing slices, spelled out
        return x[index]
    return getitem


NUMPY_NAMES: dict = {}
PRIMITIVES: dict = {"getitem": _getitem}
UNSUPPORTED: dict = {
    name: "numpy.lib.stride_tricks.as_strided (strided windows), which the standard lacks"
    for name in ("conv2d", "conv2d_input_grad", "conv2d_weight_grad", "max_pool2d",
                 "max_pool2d_argmax", "avg_pool2d")}
UNSUPPORTED["eig"] = "numpy.linalg.eig (general eigenvectors), which the standard lacks"
UNSUPPORTED.update({name: "scipy.integrate.solve_ivp, which runs on NumPy arrays only"
                    for name in ("odeint", "ode_tangent", "ode_adjoint")})
UNSUPPORTED_FAMILIES = {"special": "scipy.special, whose functions run on NumPy arrays only"}
