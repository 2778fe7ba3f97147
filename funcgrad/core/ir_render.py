"""Pictures of graphs: a small DAG drawing (layered layout, SVG written here, DOT text for
Graphviz) and the trace's notebook views. Plain functions over plain data; nothing here runs
unless a picture is asked for.

The layout is the classic layered one: every node sits on the layer of its longest path from a
source (inputs on top), edges spanning several layers go through invisible bend points, nodes of
a layer are ordered by the barycentre of their neighbours (sweeping down and up a few times to
remove crossings), then placed left to right and pulled towards their neighbours' positions.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field

# colours of the node kinds (torchviz's, and the seed documents' figures)
STYLES = {
    "input": ("#cfe8fc", "#3b7bbf"),       # leaves / inputs: light blue
    "op": ("#f2f2f2", "#666666"),          # equations / grad_fn nodes: light grey
    "output": ("#d8f5c4", "#4f8a2e"),      # outputs: green
    "const": ("#ffffff", "#aaaaaa"),       # constants
    "accumulate": ("#e6e6e6", "#888888"),  # AccumulateGrad
    "saved": ("#ffd8a8", "#c77d1a"),       # saved tensors: orange
}
_CHAR_W, _LINE_H, _PAD_X, _PAD_Y = 7.2, 15.0, 10.0, 6.0
_LAYER_GAP, _NODE_GAP = 46.0, 18.0


@dataclass
class Node:
    """One box: its lines of text (the first one bold), its kind (a STYLES key)."""
    id: str
    lines: list
    kind: str = "op"

    @property
    def width(self) -> float:
        return max(len(line) for line in self.lines) * _CHAR_W + 2 * _PAD_X

    @property
    def height(self) -> float:
        return len(self.lines) * _LINE_H + 2 * _PAD_Y


@dataclass
class Graph:
    """Nodes and directed edges (source id, target id, optional label), in drawing order."""
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    title: str = ""

    def add(self, node_id, lines, kind="op") -> str:
        self.nodes.append(Node(node_id, list(lines), kind))
        return node_id

    def connect(self, source, target, label="", dashed=False):
        self.edges.append((source, target, label, dashed))


# -- layout ---------------------------------------------------------------------------------------

def _layers(graph):
    """Longest-path layering: a node's layer is one more than its deepest predecessor's."""
    preds = {n.id: [] for n in graph.nodes}
    for s, t, *_ in graph.edges:
        preds[t].append(s)
    layer = {}
    for n in graph.nodes:  # nodes come in a topological order (trace order), but make sure
        stack = [n.id]
        while stack:
            v = stack[-1]
            pending = [p for p in preds[v] if p not in layer]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            layer[v] = 1 + max((layer[p] for p in preds[v]), default=-1)
    # a constant sits just above the equation that reads it, not among the inputs
    succs = {}
    for s, t, *_ in graph.edges:
        succs.setdefault(s, []).append(t)
    for n in graph.nodes:
        if n.kind == "const" and succs.get(n.id):
            layer[n.id] = min(layer[t] for t in succs[n.id]) - 1
    return layer


def layout(graph):
    """{node id: (x centre, y centre)}, the bend points of every edge, and the picture size."""
    layer = _layers(graph)
    nodes = {n.id: n for n in graph.nodes}
    rows: dict = {}
    for n in graph.nodes:
        rows.setdefault(layer[n.id], []).append(n.id)
    # long edges: a chain of dummies, one per layer crossed
    chains, up, down = {}, {}, {}
    widths = {n.id: n.width for n in graph.nodes}
    for k, (s, t, *_) in enumerate(graph.edges):
        chain = [s]
        for level in range(layer[s] + 1, layer[t]):
            dummy = f"__d{k}_{level}"
            rows[level].append(dummy)
            widths[dummy] = 8.0
            chain.append(dummy)
        chain.append(t)
        chains[k] = chain
        for a, b in zip(chain, chain[1:]):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    depth = max(rows) if rows else 0
    order = {v: i for level in rows for i, v in enumerate(rows[level])}

    def sweep(levels, neighbours):
        for level in levels:
            def key(v, level=level):
                near = neighbours.get(v, [])
                return sum(order[u] for u in near) / len(near) if near else order[v]
            rows[level].sort(key=key)
            for i, v in enumerate(rows[level]):
                order[v] = i
    for _ in range(4):
        sweep(range(1, depth + 1), up)
        sweep(range(depth - 1, -1, -1), down)
    # x: left to right, then pulled towards the neighbours' mean without overlapping
    x = {}
    for level in range(depth + 1):
        pos = 0.0
        for v in rows.get(level, []):
            x[v] = pos + widths[v] / 2
            pos += widths[v] + _NODE_GAP
    for _ in range(6):
        for level, neighbours in [(lv, up) for lv in range(1, depth + 1)] + \
                [(lv, down) for lv in range(depth - 1, -1, -1)]:
            row = rows.get(level, [])
            wanted = [sum(x[u] for u in neighbours[v]) / len(neighbours[v])
                      if neighbours.get(v) else x[v] for v in row]
            for i, v in enumerate(row):  # place at the wish, pushed right past the left node
                low = x[row[i - 1]] + (widths[row[i - 1]] + widths[v]) / 2 + _NODE_GAP if i \
                    else -1e9
                x[v] = max(wanted[i], low)
            for i in range(len(row) - 2, -1, -1):  # and back left where the right one needs it
                v, right = row[i], row[i + 1]
                x[v] = min(x[v], x[right] - (widths[v] + widths[right]) / 2 - _NODE_GAP)
    shift = min((x[v] - widths[v] / 2 for v in x), default=0.0) - 20.0
    heights = [max((nodes[v].height for v in rows.get(level, []) if v in nodes), default=10.0)
               for level in range(depth + 1)]
    y, top = {}, 20.0 + (24.0 if graph.title else 0.0)
    for level in range(depth + 1):
        for v in rows.get(level, []):
            y[v] = top + heights[level] / 2
        top += heights[level] + _LAYER_GAP
    position = {v: (x[v] - shift, y[v]) for v in x}
    width = max((position[v][0] + widths[v] / 2 for v in position), default=40.0) + 20.0
    return position, chains, width, top - _LAYER_GAP + 20.0


# -- SVG ------------------------------------------------------------------------------------------

def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def to_svg(graph) -> str:
    """The graph as a standalone SVG document (no Graphviz needed)."""
    position, chains, width, height = layout(graph)
    nodes = {n.id: n for n in graph.nodes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.1f} {height:.1f}" font-family="Menlo, Consolas, '
           f'DejaVu Sans Mono, monospace" font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#555"/></marker></defs>',
           f'<rect width="100%" height="100%" fill="white"/>']
    if graph.title:
        out.append(f'<text x="20" y="24" font-weight="bold" font-size="13">{_esc(graph.title)}'
                   '</text>')
    out.append('<g class="edges">')
    for k, (s, t, label, dashed) in enumerate(graph.edges):
        points = [position[v] for v in chains[k]]
        (x0, y0), (x1, y1) = points[0], points[-1]
        points[0] = (x0, y0 + nodes[s].height / 2)
        points[-1] = (x1, y1 - nodes[t].height / 2)
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        out.append(f'<path class="edge" data-source="{_esc(s)}" data-target="{_esc(t)}" '
                   f'd="{_smooth(points)}" fill="none" stroke="#555" stroke-width="1.2"'
                   f'{dash} marker-end="url(#arrow)"/>')
        if label:
            mx, my = _midpoint(points)
            out.append(f'<text x="{mx + 4:.1f}" y="{my:.1f}" font-size="10" fill="#777">'
                       f'{_esc(label)}</text>')
    out.append('</g><g class="nodes">')
    for n in graph.nodes:
        cx, cy = position[n.id]
        fill, stroke = STYLES.get(n.kind, STYLES["op"])
        w, h = n.width, n.height
        radius = 10 if n.kind in ("op", "accumulate") else 3
        out.append(f'<g class="node {n.kind}" id="{_esc(n.id)}"><title>{_esc(" ".join(n.lines))}'
                   f'</title><rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="{radius}" fill="{fill}" stroke="{stroke}" '
                   'stroke-width="1.2"/>')
        for i, line in enumerate(n.lines):
            ty = cy - h / 2 + _PAD_Y + _LINE_H * (i + 0.75)
            weight = ' font-weight="bold"' if i == 0 else ' fill="#333"'
            out.append(f'<text x="{cx:.1f}" y="{ty:.1f}" text-anchor="middle"{weight}>'
                       f'{_esc(line)}</text>')
        out.append('</g>')
    out.append('</g></svg>')
    return "\n".join(out)


def _smooth(points) -> str:
    """A path through the points: straight for two, vertical-tangent cubic pieces otherwise."""
    (x0, y0) = points[0]
    d = [f"M{x0:.1f},{y0:.1f}"]
    for (xa, ya), (xb, yb) in zip(points, points[1:]):
        my = (ya + yb) / 2
        d.append(f"C{xa:.1f},{my:.1f} {xb:.1f},{my:.1f} {xb:.1f},{yb:.1f}")
    return " ".join(d)


def _midpoint(points):
    a, b = points[len(points) // 2 - 1], points[len(points) // 2]
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


# -- DOT (Graphviz) ---------------------------------------------------------------------------

def _dot_quote(text) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph) -> str:
    """The graph in Graphviz's DOT language (render with `dot -Tsvg`)."""
    lines = ["digraph {", '  graph [rankdir=TB, fontname="monospace"' +
             (f", label={_dot_quote(graph.title)}, labelloc=t" if graph.title else "") + "];",
             '  node [fontname="monospace", fontsize=11, shape=box, style="rounded,filled"];',
             '  edge [arrowsize=0.7];']
    for n in graph.nodes:
        fill, stroke = STYLES.get(n.kind, STYLES["op"])
        label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in n.lines)
        lines.append(f'  {_dot_quote(n.id)} [label="{label}", fillcolor="{fill}", '
                     f'color="{stroke}"];')
    for s, t, label, dashed in graph.edges:
        attrs = []
        if label:
            attrs.append(f"label={_dot_quote(label)}")
        if dashed:
            attrs.append("style=dashed")
        lines.append(f"  {_dot_quote(s)} -> {_dot_quote(t)}"
                     + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines)


def render_svg(graph, engine="auto") -> str:
    """SVG of the graph: by Graphviz's `dot` when engine is "graphviz" (or "auto" and `dot` is
    installed), else by funcgrad's own layout ("funcgrad")."""
    if engine not in ("auto", "graphviz", "funcgrad"):
        raise ValueError(f"engine must be 'auto', 'graphviz' or 'funcgrad', got {engine!r}")
    dot = shutil.which("dot") if engine != "funcgrad" else None
    if engine == "graphviz" and dot is None:
        raise FileNotFoundError("engine='graphviz' needs Graphviz's `dot` program on the PATH "
                                "(apt install graphviz); engine='funcgrad' needs nothing.")
    if dot is not None:
        result = subprocess.run([dot, "-Tsvg"], input=to_dot(graph).encode(), capture_output=True,
                                check=True, timeout=60)
        return result.stdout.decode()
    return to_svg(graph)


# -- traces -----------------------------------------------------------------------------------------

def _short(text, limit=28) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def trace_graph(trace, title="") -> Graph:
    """Inputs, equations and outputs of a trace as a Graph: one box per input (name and type),
    per equation (primitive, its parameters, the output's name and type) and per output."""
    from funcgrad.core.ir import Var, _format_constant, _format_param, _var_name
    from funcgrad.errors import describe
    graph = Graph(title=title)
    names, producer = {}, {}

    def name(var):
        if id(var) not in names:
            names[id(var)] = _var_name(len(names))
        return names[id(var)]
    for v in trace.inputs:
        producer[id(v)] = graph.add(f"in_{name(v)}", [f"{name(v)}: {describe(v.value)}"], "input")
    constants = 0
    for k, eq in enumerate(trace.equations):
        outs = ", ".join(f"{name(v)}: {describe(v.value)}" for v in eq.outputs)
        params = ", ".join(f"{p}={_short(_format_param(value), 20)}"
                           for p, value in eq.params.items())
        lines = [eq.primitive.name] + ([_short(params, 40)] if params else []) + [outs]
        node = graph.add(f"eq{k}", lines, "op")
        for position, x in enumerate(eq.inputs):
            if type(x) is Var:
                graph.connect(producer[id(x)], node, label=str(position) if len(eq.inputs) > 1
                              and eq.primitive.name in _ORDER_MATTERS else "")
            else:
                constants += 1
                c = graph.add(f"const{constants}", [_short(_format_constant(x))], "const")
                graph.connect(c, node, dashed=True)
        for v in eq.outputs:
            producer[id(v)] = node
    for i, x in enumerate(trace.outputs):
        label = f"out{i}" if len(trace.outputs) > 1 else "output"
        if type(x) is Var:
            node = graph.add(f"out{i}", [f"{label}: {name(x)}", describe(x.value)], "output")
            graph.connect(producer[id(x)], node)
        else:
            graph.add(f"out{i}", [f"{label}: {_short(_format_constant(x))}"], "output")
    return graph


_ORDER_MATTERS = {"subtract", "divide", "power", "matmul", "dot", "where", "arctan2",
                  "true_divide", "floor_divide", "remainder", "greater", "less", "less_equal",
                  "greater_equal", "concatenate", "stack", "einsum"}

_HTML_STYLE = ("font-family: Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 12px; "
               "line-height: 1.35; background: #fafafa; padding: 8px; border-radius: 4px;")
_COLOURS = {"keyword": "#8959a8", "primitive": "#1f6fb2", "type": "#3e8e41",
            "name": "#222222", "const": "#b35900", "param": "#777777"}


_TOKENS = re.compile(r"(?P<keyword>^\s*(?:trace|return)\b)|(?P<primitive>(?<== )[A-Za-z_]\w*(?=\())"
                     r"|(?P<type>(?<=:)[a-z]+\d*\[[\d,]*\])|(?P<param>\b[a-z_]\w*(?==))")


def trace_html(trace) -> str:
    """The printed trace as HTML with colours: keywords, primitive names, types, parameters."""
    from funcgrad.core.ir import format_trace
    lines = []
    for line in format_trace(trace).splitlines():
        pieces, last = [], 0
        for m in _TOKENS.finditer(line):
            kind = m.lastgroup
            assert kind is not None  # every alternative of _TOKENS is a named group
            bold = ";font-weight:bold" if kind in ("keyword", "primitive") else ""
            pieces.append(html.escape(line[last:m.start()]))
            pieces.append(f'<span style="color:{_COLOURS[kind]}{bold}">'
                          f'{html.escape(m.group())}</span>')
            last = m.end()
        pieces.append(html.escape(line[last:]))
        lines.append("".join(pieces))
    return f'<pre style="{_HTML_STYLE}">' + "\n".join(lines) + "</pre>"
