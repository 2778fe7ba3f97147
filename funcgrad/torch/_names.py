"""PyTorch's name for the graph node of each primitive, and what each node saves.

The node classes (`AddBackward0`, ...) are derived from this table: one line per primitive.
A call site may name its node more precisely (`t()` records transpose as `TBackward0`).
"""
NODE_NAMES = {
    "add": "AddBackward0", "subtract": "SubBackward0", "multiply": "MulBackward0",
    "divide": "DivBackward0", "negative": "NegBackward0", "power": "PowBackward0",
    "square": "PowBackward0", "sqrt": "SqrtBackward0", "reciprocal": "ReciprocalBackward0",
    "exp": "ExpBackward0", "expm1": "Expm1Backward0", "log": "LogBackward0",
    "log1p": "Log1PBackward0", "log2": "Log2Backward0", "log10": "Log10Backward0",
    "sin": "SinBackward0", "cos": "CosBackward0", "tan": "TanBackward0",
    "arcsin": "AsinBackward0", "arccos": "AcosBackward0", "arctan": "AtanBackward0",
    "sinh": "SinhBackward0", "cosh": "CoshBackward0", "tanh": "TanhBackward0",
    "arctan2": "Atan2Backward0", "absolute": "AbsBackward0", "maximum": "MaximumBackward0",
    "minimum": "MinimumBackward0", "where": "WhereBackward0", "astype": "ToCopyBackward0",
    "remainder": "RemainderBackward0", "logaddexp": "LogaddexpBackward0",
    "sum": "SumBackward0", "max": "MaxBackward1", "min": "MinBackward1",
    "reshape": "ViewBackward0", "broadcast_to": "ExpandBackward0",
    "transpose": "PermuteBackward0", "concatenate": "CatBackward0",
    "getitem": "IndexBackward0", "index_add": "IndexPutBackward0", "matmul": "MmBackward0",
    "relu": "ReluBackward0", "sigmoid": "SigmoidBackward0", "softplus": "SoftplusBackward0",
    "binary_cross_entropy_with_logits": "BinaryCrossEntropyWithLogitsBackward0",
    "mse_loss": "MseLossBackward0", "log_softmax": "LogSoftmaxBackward0",
    "nll_loss": "NllLossBackward0", "conv2d": "ConvolutionBackward0",
    "conv2d_input_grad": "ConvolutionBackwardBackward0",
    "conv2d_weight_grad": "ConvolutionBackwardBackward0",
    "max_pool2d": "MaxPool2DWithIndicesBackward0", "avg_pool2d": "AvgPool2DBackward0",
    "clamp": "ClampBackward1", "copy": "CloneBackward0", "linear": "AddmmBackward0",
    "mean": "MeanBackward0", "round": "RoundBackward0", "rint": "RoundBackward0",
}

# primitives whose reverse rule reads only shapes and dtypes of its inputs and not its answer:
# their nodes keep no tensors, so a second backward through them is allowed (as in PyTorch)
SAVES_NOTHING = frozenset({"add", "subtract", "negative", "reshape", "broadcast_to", "transpose",
                           "sum", "getitem", "astype", "copy", "concatenate", "index_add"})

# primitives whose reverse rule reads the answer (a later in-place change of it is an error)
SAVES_ANSWER = frozenset({"exp", "tanh", "sigmoid", "sqrt", "relu", "log_softmax", "tan",
                          "reciprocal", "expm1"})


# for each input, the inputs its gradient reads: PyTorch saves (and checks the version of) only
# those of the inputs that require grad, so `y = x * w; w.mul_(3)` is allowed when w needs none
SAVES_FOR_INPUT = {"multiply": ((1,), (0,)), "matmul": ((1,), (0,)), "divide": ((1,), (0, 1))}


def node_name(primitive_name: str) -> str:
    return NODE_NAMES.get(primitive_name) or "".join(
        part.capitalize() for part in primitive_name.split("_")) + "Backward0"
