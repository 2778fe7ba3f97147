"""Pictures of the seed documents' graph z = w*x + b, written as SVG files by funcgrad itself.

Two views of the same computation: funcgrad's expression list (make_trace: inputs, one box per
equation with its output's shape, the output) and the funcgrad.torch autograd graph as torchviz
draws it (leaves, AccumulateGrad, MulBackward0/AddBackward0, the output).

    python examples/pictures.py [output directory]      # writes zwxb_trace.svg, zwxb_torch.svg
"""
import sys
from pathlib import Path

import numpy as np

import funcgrad as fg
import funcgrad.torch as torch
from funcgrad.torch.viz import make_dot


def z_of(w, x, b):
    y = w * x
    return y + b


def main(out_dir="."):
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    w, x, b = np.array([0.5]), np.array([1.0]), np.array([0.2])
    trace = fg.make_trace(z_of)(w, x, b)
    print(trace)
    trace_file = out / "zwxb_trace.svg"
    trace_file.write_text(trace.to_svg(title="z = w*x + b", engine="funcgrad"))

    # the seed's PyTorch version: leaves x, w, b with requires_grad
    x_t = torch.ones(1, requires_grad=True)
    b_t = torch.rand(1, requires_grad=True)
    w_t = torch.rand(1, requires_grad=True)
    z = w_t * x_t + b_t
    dot = make_dot(z, params={"x": x_t, "w": w_t, "b": b_t}, engine="funcgrad")
    torch_file = Path(dot.render(str(out / "zwxb_torch"), format="svg"))
    print(f"wrote {trace_file} and {torch_file}")
    return trace_file, torch_file


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
