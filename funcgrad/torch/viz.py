"""make_dot: a picture of a funcgrad.torch autograd graph, with torchviz's interface.

    from funcgrad.torch.viz import make_dot
    dot = make_dot(loss, params=dict(model.named_parameters()))
    dot.render("graph", format="svg")       # or display `dot` in a notebook

Boxes as torchviz draws them: the output tensor (green), each `grad_fn` node (grey, its
PyTorch name, e.g. MulBackward0), `AccumulateGrad` nodes leading to the leaf tensors (blue, named
from `params`, with their sizes), and with show_saved=True the tensors a node saved for backward
(orange). No Graphviz needed: the SVG is drawn by funcgrad/core/ir_render.py (Graphviz's `dot` is
used when installed, unless engine="funcgrad").
"""
from __future__ import annotations

from funcgrad.core import ir_render
from funcgrad.torch.graph import AccumulateGrad

__all__ = ["make_dot", "Digraph"]


def _size(tensor) -> str:
    return "(" + ", ".join(str(s) for s in tensor.shape) + ")"


class Digraph:
    """What make_dot returns: `.source` (DOT text), `.svg()`, `render(filename, format="svg")`,
    `pipe(format="svg")`, and `_repr_svg_` for notebooks (torchviz returns a graphviz.Digraph
    with the same uses)."""

    def __init__(self, graph, engine="auto"):
        self.graph = graph
        self.engine = engine

    @property
    def source(self) -> str:
        return ir_render.to_dot(self.graph)

    def svg(self) -> str:
        return ir_render.render_svg(self.graph, self.engine)

    def pipe(self, format="svg") -> bytes:  # noqa: A002 - graphviz's name
        if format == "svg":
            return self.svg().encode()
        if format in ("dot", "gv"):
            return self.source.encode()
        raise ValueError(f"funcgrad.torch.viz renders format 'svg' or 'dot', not {format!r}")

    def render(self, filename="graph", format="svg", cleanup=False, **_):  # noqa: A002
        """Write `filename.<format>` (svg or dot) and return its path."""
        path = filename if filename.endswith("." + format) else f"{filename}.{format}"
        with open(path, "wb") as f:
            f.write(self.pipe(format))
        return path

    def _repr_svg_(self):
        return ir_render.to_svg(self.graph) if self.engine == "funcgrad" else self.svg()

    def __str__(self):
        return self.source


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50,
             engine="auto"):
    """The autograd graph behind `var` (a tensor or a tuple of tensors) as a `Digraph`.

    params: {name: tensor} (e.g. dict(model.named_parameters())) names the leaves;
    show_saved: also draw the tensors each node saved for backward; show_attrs: list each
    node's parameters (its attributes, in torchviz) up to max_attr_chars characters.
    """
    params = params or {}
    names = {id(t): name for name, t in params.items()}
    graph = ir_render.Graph()
    seen = {}
    outputs = var if isinstance(var, (tuple, list)) else (var,)

    def short(text):
        text = str(text)
        return text if len(text) <= max_attr_chars else text[:max_attr_chars - 3] + "..."

    def leaf_box(tensor):
        key = ("tensor", id(tensor))
        if key not in seen:
            name = names.get(id(tensor), "")
            seen[key] = graph.add(f"t{id(tensor)}", ([name] if name else []) + [_size(tensor)],
                                  "input")
        return seen[key]

    def visit(root):
        stack = [root]
        while stack:
            node = stack.pop()
            if ("node", id(node)) in seen:
                continue
            if isinstance(node, AccumulateGrad):
                box = seen[("node", id(node))] = graph.add(
                    f"n{id(node)}", ["AccumulateGrad"], "accumulate")
                leaf = node.variable
                if leaf is not None:
                    graph.connect(leaf_box(leaf), box)
                continue
            lines = [node.name()]
            if show_attrs and getattr(node, "params", None):
                lines += [short(f"{k}: {v!r}") for k, v in node.params.items()]
            box = seen[("node", id(node))] = graph.add(f"n{id(node)}", lines, "op")
            pending.append(node)
            if show_saved:
                for i, saved in enumerate(getattr(node, "inputs", ()) or ()):
                    if hasattr(saved, "shape") and hasattr(saved, "_data"):
                        label = names.get(id(saved), f"saved {i}")
                        s = graph.add(f"s{id(node)}_{i}", [label, _size(saved)], "saved")
                        graph.connect(s, box, dashed=True)
            for child, _ in node.next_functions:
                if child is not None:
                    stack.append(child)

    pending = []
    for out in outputs:
        if out.grad_fn is None:
            leaf_box(out)
            continue
        visit(out.grad_fn)
    # edges point along the backward pass's inputs: from a node's inputs to the node
    for node in pending:
        for child, _ in node.next_functions:
            if child is not None:
                graph.connect(seen[("node", id(child))], seen[("node", id(node))])
    for k, out in enumerate(outputs):
        if out.grad_fn is not None:
            name = names.get(id(out), "")
            box = graph.add(f"out{k}", ([name] if name else []) + [_size(out)], "output")
            graph.connect(seen[("node", id(out.grad_fn))], box)
    graph.nodes = _topological(graph)
    return Digraph(graph, engine)


def _topological(graph):
    """Nodes in an order where every edge goes forward (the layout's layering needs none, but
    it keeps the drawing stable)."""
    preds = {n.id: 0 for n in graph.nodes}
    for s, t, *_ in graph.edges:
        preds[t] += 1
    succs = {}
    for s, t, *_ in graph.edges:
        succs.setdefault(s, []).append(t)
    by_id = {n.id: n for n in graph.nodes}
    ready = [n.id for n in graph.nodes if preds[n.id] == 0]
    order = []
    while ready:
        v = ready.pop(0)
        order.append(by_id[v])
        for t in succs.get(v, []):
            preds[t] -= 1
            if preds[t] == 0:
                ready.append(t)
    return order + [n for n in graph.nodes if n not in order]
