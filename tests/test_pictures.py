"""Pictures of traces and of funcgrad.torch graphs: the SVG parses as XML and shows every node,
DOT text lists them, the notebook views exist, the layout keeps boxes apart and edges downward,
and the example writes the seed documents' z = w*x + b graph."""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.core import ir_render

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parent.parent


def _texts(svg):
    root = ET.fromstring(svg)
    return root, [t.text for t in root.iter(f"{SVG}text")]


def _boxes(svg):
    """(x, y, width, height) of every node's rectangle."""
    root = ET.fromstring(svg)
    boxes = []
    for g in root.iter(f"{SVG}g"):
        if "node" in (g.get("class") or "").split():
            r = g.find(f"{SVG}rect")
            boxes.append(tuple(float(r.get(k)) for k in ("x", "y", "width", "height")))
    return boxes


def zwxb(w, x, b):
    return w * x + b


def test_trace_svg_parses_and_contains_every_node():
    trace = fg.make_trace(zwxb)(np.ones(3), np.ones(3), np.ones(3))
    svg = trace.to_svg(engine="funcgrad")
    root, texts = _texts(svg)
    assert root.tag == f"{SVG}svg"
    for expected in ["a: f64[3]", "b: f64[3]", "c: f64[3]", "multiply", "add", "output: e"]:
        assert expected in texts, expected
    assert len(_boxes(svg)) == 3 + len(trace) + 1
    edges = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]
    assert len(edges) == 5  # a, b -> multiply -> add <- c; add -> out
    assert trace._repr_svg_() == svg


def test_layout_keeps_boxes_apart_and_edges_downward():
    def f(x):
        h = fnp.tanh(x @ np.ones((3, 4)))
        return fnp.sum(fnp.where(h > 0, fnp.sqrt(h), 0.0) ** 2) + fnp.mean(x)
    trace = fg.make_trace(fg.grad(f))(np.ones((2, 3)))
    graph = ir_render.trace_graph(trace)
    position, chains, _, _ = ir_render.layout(graph)
    nodes = {n.id: n for n in graph.nodes}
    boxes = _boxes(ir_render.to_svg(graph))
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1, "overlap"
    for s, t, *_ in graph.edges:
        assert position[s][1] < position[t][1], f"edge {s} -> {t} does not point down"
    assert len(nodes) == len(boxes)


def test_dot_lists_every_node_and_edge():
    trace = fg.make_trace(zwxb)(1.0, 2.0, 3.0)
    dot = trace.to_dot(title="z")
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    assert dot.count("->") == 5 and "multiply" in dot and 'label="z"' in dot


def test_graphviz_agrees_when_installed():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    svg = fg.make_trace(zwxb)(1.0, 2.0, 3.0).to_svg(engine="graphviz")
    assert "multiply" in svg
    ET.fromstring(svg)


def test_engine_graphviz_without_dot_says_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="graphviz"):
        fg.make_trace(zwxb)(1.0, 2.0, 3.0).to_svg(engine="graphviz")
    assert "<svg" in fg.make_trace(zwxb)(1.0, 2.0, 3.0).to_svg()  # auto: funcgrad's own


def test_notebook_text_and_html_views():
    trace = fg.make_trace(lambda x: fnp.sum(fnp.sin(x) * 2.0, axis=0))(np.ones((2, 3)))
    shown = []

    class Printer:
        def text(self, s):
            shown.append(s)
    trace._repr_pretty_(Printer(), False)
    assert shown == [str(trace)] and "sin(a)" in shown[0]
    page = trace._repr_html_()
    assert page.startswith("<pre") and "color:" in page
    ET.fromstring(page)  # well-formed markup
    plain = ET.fromstring(page).itertext()
    assert "".join(plain) == str(trace)


def test_constants_and_params_are_shown():
    trace = fg.make_trace(lambda x: fnp.sum(x * 2.5, axis=0))(np.ones((2, 2)))
    _, texts = _texts(trace.to_svg(engine="funcgrad"))
    assert "2.5" in texts and any("axis=(0,)" in (t or "") for t in texts)


def test_torch_make_dot_has_torchviz_nodes():
    import funcgrad.torch as torch
    from funcgrad.torch.viz import make_dot
    x = torch.ones(1, requires_grad=True)
    b = torch.rand(1, requires_grad=True)
    w = torch.rand(1, requires_grad=True)
    z = w * x + b
    dot = make_dot(z, params={"x": x, "w": w, "b": b}, engine="funcgrad")
    _, texts = _texts(dot.svg())
    for expected in ["MulBackward0", "AddBackward0", "x", "w", "b", "(1)"]:
        assert expected in texts, expected
    assert texts.count("AccumulateGrad") == 3
    assert "MulBackward0" in dot.source and dot.source.count("->") == 8
    saved = make_dot(z, params={"x": x, "w": w, "b": b}, show_saved=True, engine="funcgrad")
    assert len(_boxes(saved.svg())) > len(_boxes(dot.svg()))
    assert dot._repr_svg_().startswith("<svg")


def test_torch_make_dot_model_and_against_torchviz_node_names():
    import funcgrad.torch as ftorch
    from funcgrad.torch.viz import make_dot
    model = ftorch.nn.Sequential(ftorch.nn.Linear(3, 4), ftorch.nn.Tanh(), ftorch.nn.Linear(4, 1))
    loss = model(ftorch.ones(2, 3)).pow(2).mean()
    _, texts = _texts(make_dot(loss, params=dict(model.named_parameters()),
                               engine="funcgrad").svg())
    names = {"0.weight", "0.bias", "2.weight", "2.bias", "TanhBackward0", "MeanBackward0"}
    assert names <= set(texts)
    torch = pytest.importorskip("torch")
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    tloss = tmodel(torch.ones(2, 3)).pow(2).mean()
    seen, stack = set(), [tloss.grad_fn]
    while stack:
        node = stack.pop()
        seen.add(type(node).__name__)
        stack += [f for f, _ in node.next_functions if f is not None]
    ours = {t for t in texts if t and t.endswith(("Backward0", "Backward1"))} | {"AccumulateGrad"}
    assert ours == seen - {"TBackward0"} or ours <= seen | {"AccumulateGrad"}


def test_example_writes_the_seed_graph(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "pictures.py"),
                             str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    for name, expected in [("zwxb_trace.svg", ["multiply", "add", "output: e"]),
                           ("zwxb_torch.svg", ["MulBackward0", "AddBackward0", "AccumulateGrad",
                                               "w", "x", "b"])]:
        _, texts = _texts((tmp_path / name).read_text())
        for e in expected:
            assert e in texts, (name, e)
