"""The autograd graph: one `Node` per operation on tensors that require grad.

A node remembers the primitive, its parameters, its inputs and its answer, and the edges to the
nodes of its inputs (`next_functions`). Its backward is the primitive's own reverse rule from the
registry (never a second copy of a derivative): with `create_graph` the rule runs on tensors, so
its operations are recorded in turn and second derivatives follow.
"""
from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from funcgrad.core.primitive import ShapedArray
from funcgrad.torch._names import SAVES_ANSWER, SAVES_FOR_INPUT, SAVES_NOTHING, node_name
from funcgrad.torch.errors import second_backward_error, modified_inplace_error

_sequence = itertools.count()
_classes: dict = {}


def node_class(name: str):
    """The Node subclass called `name` (`MulBackward0`...), made once."""
    cls = _classes.get(name)
    if cls is None:
        cls = _classes[name] = type(name, (Node,), {"__slots__": ()})
    return cls


class Node:
    """One recorded operation. `next_functions` leads towards the leaves' `AccumulateGrad`."""

    __slots__ = ("primitive", "params", "inputs", "answer", "edges", "saved_versions",
                 "answer_version", "freed", "sequence_nr", "tensor_hooks", "retained",
                 "composite", "__weakref__")
    composite: Any  # the backward of a composite (an autograd.Function...), or None

    is_output_slot = False  # True for the per-output nodes of a several-output Function

    def __init__(self, primitive, params, inputs, answer, edges, saved_versions, answer_version):
        self.primitive = primitive
        self.params = params
        self.inputs = inputs
        self.answer = answer
        self.edges = edges
        self.saved_versions = saved_versions
        self.answer_version = answer_version
        self.freed = False
        self.sequence_nr = next(_sequence)
        self.tensor_hooks = None
        self.retained = None
        self.composite = None

    # -- what PyTorch shows ----------------------------------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        # PyTorch lists every tensor input and a Python-number operand of a binary op
        # (as a None edge), but not the scalar exponent of pow
        numbers_count = self.primitive is not None and self.primitive.name != "power"
        return tuple((edge, 0) for edge, arg in zip(self.edges, self.inputs)
                     if edge is not None or isinstance(arg, (TensorType, ShapedArray)) or arg is _FREED
                     or (numbers_count and isinstance(arg, (int, float))))

    def register_hook(self, hook):
        raise NotImplementedError("Node.register_hook: register the hook on the tensor instead")

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- backward --------------------------------------------------------------------------------
    def saves_tensors(self) -> bool:
        return self.composite is not None or self.primitive.name not in SAVES_NOTHING

    def check_saved(self):
        if self.freed and self.saves_tensors():
            raise RuntimeError(second_backward_error(self))
        for tensor, version in self.saved_versions:
            if tensor._counter[0] != version:
                raise RuntimeError(modified_inplace_error(tensor, self, version))
        if self.answer_version is not None:
            box, version = self.answer_version
            if box[0] != version:
                raise RuntimeError(modified_inplace_error(None, self, version, box[0]))

    def apply(self, grad, create_graph):
        """The cotangent of each input (None where an input needs none), from the output's."""
        if self.freed or self.saved_versions or self.answer_version is not None:
            self.check_saved()
        if self.composite is not None:
            return self.composite.backward(self, grad, create_graph)
        rules = self.primitive.vjp
        params = self.params
        if create_graph:
            args = self.inputs
            answer = TensorType._make(self.answer, self)
        else:
            tensor_type = TensorType
            args = [a._data if isinstance(a, tensor_type) else a for a in self.inputs]
            answer = self.answer
        if rules is None:  # a piecewise-constant op (floor, sign...): zero, as PyTorch passes
            return [None if edge is None else _zeros_like(arg, create_graph)
                    for edge, arg in zip(self.edges, args)]
        return [None if edge is None or rule is None else rule(grad, answer, *args, **params)
                for edge, rule in zip(self.edges, rules)]

    def release(self):
        """Free what backward needed (after a backward without retain_graph)."""
        self.freed = True
        self.answer = None
        self.saved_versions = ()
        if self.composite is None and self.primitive.name in SAVES_NOTHING:
            return  # its inputs are shape-and-dtype placeholders already (see record)
        # backward through this node now raises: only remember which inputs were tensors
        tensor_type = TensorType
        self.inputs = [_FREED if isinstance(a, tensor_type) else a for a in self.inputs]


class _LinearAsAddmm(Node):
    """A linear layer's node as PyTorch records it (AddmmBackward0): its edges are (bias,
    input, weight.t()), the last one a TBackward0 node leading to the weight. The gradients
    are linear's own rules."""

    __slots__ = ()

    @property
    def next_functions(self) -> tuple:
        return tuple((edge, 0) for edge in self.edges)

    def apply(self, grad, create_graph):
        bias_edge, input_edge, weight_t_edge = self.edges
        self.edges = [input_edge, weight_t_edge, bias_edge]  # linear's order, for its rules
        try:
            g_input, g_weight, g_bias = Node.apply(self, grad, create_graph)
        finally:
            self.edges = [bias_edge, input_edge, weight_t_edge]
        # (the weight's gradient travels to TBackward0 in the weight's own layout: transposing
        # it here and back there would be two copies' worth of work for the same numbers)
        return [g_bias, g_input, g_weight]


class _WeightTransposed(Node):
    """The TBackward0 node between a linear layer's AddmmBackward0 and its weight; the
    gradient arrives in the weight's layout already (see _LinearAsAddmm)."""

    __slots__ = ()

    def apply(self, grad, create_graph):
        return [grad]


class _ConvolutionWithBias(Node):
    """conv2d plus its per-channel bias as PyTorch records them: one ConvolutionBackward0
    with edges (input, weight, bias). The input and weight gradients are conv2d's own rules,
    the bias's is the output gradient summed over (N, H, W)."""

    __slots__ = ()

    def apply(self, grad, create_graph):
        if self.freed or self.saved_versions:
            self.check_saved()
        x, w = self.inputs[0], self.inputs[1]
        if not create_graph:
            x, w = x._data, w._data
        x_rule, w_rule = self.primitive.vjp
        x_edge, w_edge, b_edge = self.edges
        params = self.params
        from funcgrad.primitives.reductions import sum_p
        return [None if x_edge is None else x_rule(grad, None, x, w, **params),
                None if w_edge is None else w_rule(grad, None, x, w, **params),
                None if b_edge is None else sum_p.bind(grad, axis=(0, 2, 3), keepdims=False)]


def with_bias(node, bias):
    """Make conv2d's node (inputs x, weight) the node of conv2d plus `bias`, as PyTorch's."""
    node.__class__ = _ConvolutionWithBias
    node.inputs = (node.inputs[0], node.inputs[1], bias)
    node.edges = list(node.edges) + [edge_of(bias) if bias._requires_grad else None]


_LinearAsAddmm.__name__ = _LinearAsAddmm.__qualname__ = "AddmmBackward0"
_ConvolutionWithBias.__name__ = _ConvolutionWithBias.__qualname__ = "ConvolutionBackward0"
_WeightTransposed.__name__ = _WeightTransposed.__qualname__ = "TBackward0"


def as_addmm(node, weight):
    """Give linear's node (inputs x, weight, bias) PyTorch's AddmmBackward0 structure."""
    weight_t = None
    if weight._requires_grad:
        from funcgrad.primitives.shape import transpose_p
        data = weight._data
        weight_t = _WeightTransposed(transpose_p, {"axes": (1, 0)},
                                     [ShapedArray(data.shape[::-1], data.dtype)], None,
                                     [edge_of(weight)], (), None)
    input_edge, _, bias_edge = node.edges
    node.__class__ = _LinearAsAddmm
    node.edges = [bias_edge, input_edge, weight_t]


_with_absent: dict = {}


def show_absent_input(node):
    """PyTorch lists an optional input that was not given (conv's bias=None) as a None edge."""
    cls = type(node)
    padded = _with_absent.get(cls)
    if padded is None:
        padded = _with_absent[cls] = type(cls.__name__, (cls,), {
            "__slots__": (),
            "next_functions": property(lambda self: cls.next_functions.fget(self) + ((None, 0),))})
    node.__class__ = padded


class AccumulateGrad:
    """The end of the graph for a leaf: adds the arriving gradient into `leaf.grad`."""

    __slots__ = ("_variable", "sequence_nr", "__weakref__")

    next_functions = ()
    edges = ()  # the end of the graph (the engine walks edges)

    def __init__(self, leaf):
        self._variable = weakref.ref(leaf)
        self.sequence_nr = -1

    @property
    def variable(self):
        return self._variable()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


def edge_of(tensor):
    """Where a gradient for `tensor` goes: its grad_fn, or its leaf accumulator."""
    node = tensor._grad_fn
    if node is not None:
        return node
    acc = tensor._accumulator
    if acc is None:
        acc = tensor._accumulator = AccumulateGrad(tensor)
    return acc


_FREED = object()  # stands for a released tensor input
_kinds: dict = {}  # primitive -> (keeps its inputs, saves its answer, node class): looked up once


def _kind_of(primitive):
    name = primitive.name
    kind = _kinds[primitive] = (name not in SAVES_NOTHING, name in SAVES_ANSWER,
                                node_class(node_name(name)), SAVES_FOR_INPUT.get(name))
    return kind


def _needed(saved, args, edges, reads):
    """The (tensor, version) pairs of `saved` that the gradients asked for read."""
    wanted = set()
    for i, edge in enumerate(edges):
        if edge is not None:
            wanted.update(reads[i])
    return [pair for pair in saved
            if any(arg is pair[0] for j, arg in enumerate(args) if j in wanted)]


def record(primitive, params, args, answer, out_tensor, name=None):
    """Attach a new node to `out_tensor`, made by `primitive` from `args`. A node whose rule
    reads only its inputs' shapes keeps shape-and-dtype placeholders instead of the tensors."""
    keep, saves_answer, cls, reads = _kinds.get(primitive) or _kind_of(primitive)
    edges = []
    saved = []
    inputs = args if keep else []
    tensor_type = TensorType
    for arg in args:
        if isinstance(arg, tensor_type):
            if arg._requires_grad:
                node = arg._grad_fn
                edges.append(node if node is not None else edge_of(arg))
            else:
                edges.append(None)
            if keep:
                saved.append((arg, arg._counter[0]))
            else:
                data = arg._data
                inputs.append(ShapedArray(data.shape, data.dtype))
        else:
            edges.append(None)
            if not keep:
                inputs.append(arg)
    if reads is not None and len(edges) == len(reads) and None in edges and saved:
        saved = _needed(saved, args, edges, reads)  # what no asked-for gradient reads may change
    answer_version = (out_tensor._counter, 0) if saves_answer else None
    if name is not None:
        cls = node_class(name)
    node = cls(primitive, params, inputs, answer, edges, saved, answer_version)
    out_tensor._grad_fn = node
    out_tensor._requires_grad = True
    return node


def _zeros_like(arg, as_tensor):
    data = arg._data if isinstance(arg, TensorType) else arg
    zeros = np.zeros(np.shape(data), np.result_type(data))
    return TensorType._make(zeros) if as_tensor else zeros


TensorType: type = type(None)  # set to Tensor by funcgrad.torch.tensor (which imports this module)


def _is_tensor(x) -> bool:
    return isinstance(x, TensorType)
