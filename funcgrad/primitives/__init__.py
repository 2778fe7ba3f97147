"""The registry of primitives, by family. Importing this package defines them all.

`funcgrad.core.primitive.registry` maps each primitive's name to its `Primitive`.
"""
from funcgrad.primitives import elementwise, reductions, shape, contraction, indexing  # noqa: F401
from funcgrad.primitives import linalg, fft, special  # noqa: F401
from funcgrad.primitives import nn  # noqa: F401  (relu, conv2d, pooling, fused losses)
from funcgrad.primitives import operators  # noqa: F401  (installs Python operators on tracers)
from funcgrad.core.primitive import registry  # noqa: F401
