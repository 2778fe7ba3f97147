"""Peak memory of reverse mode: funcgrad's grad beside hand-written NumPy, PyTorch eager and
HIPS autograd, on the same models.

    python benchmarks/memory.py            # every workload, both measures
    python benchmarks/memory.py mlp deep   # some of them

Each figure is measured in a fresh subprocess, one per (workload, contender, measure), after a
warm-up call on a small instance of the same model (imports, caches, thread pools):
- peak RSS: the high-water mark of the resident set during one gradient call, minus the resident
  set just before it (Linux: /proc/self/clear_refs resets the mark, /proc/self/status reads it);
- tracemalloc: the peak of the memory traced during the call, minus what was traced before it.
  NumPy reports its array buffers to tracemalloc; PyTorch's allocator does not, so PyTorch is
  measured by RSS only.
The inputs (parameters and data) exist before the call and are not counted; the gradient it
returns is. Issue-15 targets: the MLP and the 20-layer tanh MLP at most PyTorch eager's peak and
within 1.2x of the hand-written NumPy; grad through 100,000 scalar operations at most PyTorch's.
The allocator is left at glibc's defaults here (a peak, not a time, is measured).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if __name__ == "__main__" and ROOT not in sys.path:
    sys.path.insert(0, ROOT)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from _models import chain, chain_by_hand, mlp_by_hand, mlp_setup  # noqa: E402

SCALAR_STEPS = 20_000  # five primitives a step: 100,000 scalar operations


# -- the models, written once per library ---------------------------------------------------------

def deep_sizes(width=256, layers=20):
    return (width,) * (layers + 1) + (10,)


def mlp_loss(xp, log_softmax, params, x, onehot):
    h = x
    for w, b in params[:-1]:
        h = xp.tanh(h @ w + b)
    w, b = params[-1]
    return -xp.sum(onehot * log_softmax(h @ w + b)) / x.shape[0]


# -- contenders: (setup(small) -> call) -------------------------------------------------------------

def _mlp_inputs(workload, dtype, small):
    if workload == "mlp":
        sizes = (12, 8, 8, 4) if small else (784, 512, 512, 10)
    else:
        sizes = deep_sizes(8, 3) if small else deep_sizes()
    return mlp_setup(dtype, sizes, 4 if small else 128)


def mlp_contender(workload, dtype, name, small):
    params, x, onehot = _mlp_inputs(workload, dtype, small)
    if name == "numpy by hand":
        return lambda: mlp_by_hand(params, x, onehot)
    if name == "funcgrad grad":
        import funcgrad as fg
        import funcgrad.numpy as fnp
        import funcgrad.nn as fnn
        loss = lambda p, x, t: mlp_loss(fnp, lambda z: fnn.log_softmax(z, axis=-1), p, x, t)  # noqa: E731
        return lambda: fg.grad(loss)(params, x, onehot)
    if name == "autograd grad":
        import autograd
        import autograd.numpy as anp
        from autograd.scipy.special import logsumexp

        def loss(p, x, t):
            return mlp_loss(anp, lambda z: z - logsumexp(z, axis=-1, keepdims=True), p, x, t)
        return lambda: autograd.grad(loss)(params, x, onehot)
    if name == "pytorch eager backward":
        import torch
        torch.set_num_threads(1)
        tparams = [(torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_())
                   for w, b in params]
        tx, tonehot = torch.from_numpy(x), torch.from_numpy(onehot)
        flat = [p for pair in tparams for p in pair]

        def call():
            loss = mlp_loss(torch, lambda z: torch.log_softmax(z, dim=-1), tparams, tx, tonehot)
            return torch.autograd.grad(loss, flat)
        return call
    raise KeyError(name)


def scalar_contender(name, small):
    steps = 50 if small else SCALAR_STEPS
    if name == "numpy by hand":
        return lambda: chain_by_hand(np.float64(0.3), steps)
    if name == "funcgrad grad":
        import funcgrad as fg
        import funcgrad.numpy as fnp
        return lambda: fg.grad(lambda x: chain(x, fnp, steps))(np.float64(0.3))
    if name == "autograd grad":
        import autograd
        import autograd.numpy as anp
        return lambda: autograd.grad(lambda x: chain(x, anp, steps))(0.3)
    if name == "pytorch eager backward":
        import torch
        torch.set_num_threads(1)

        def call():
            x = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
            chain(x, torch, steps).backward()
            return x.grad
        return call
    raise KeyError(name)


WORKLOADS = {
    "mlp": ("grad of the MLP 784-512-512-10, batch 128, float64",
            lambda name, small: mlp_contender("mlp", np.float64, name, small)),
    "mlp32": ("grad of the MLP 784-512-512-10, batch 128, float32",
              lambda name, small: mlp_contender("mlp", np.float32, name, small)),
    "deep": ("grad of a 20-layer tanh MLP, width 256, batch 128, float64",
             lambda name, small: mlp_contender("deep", np.float64, name, small)),
    "scalar": (f"grad through {5 * SCALAR_STEPS:,} scalar operations (a chain of sin, cos, *, +)",
               scalar_contender),
}
CONTENDERS = ("numpy by hand", "funcgrad grad", "autograd grad", "pytorch eager backward")
LIBRARY = {"autograd grad": "autograd", "pytorch eager backward": "torch"}


# -- one measurement (in its own process) -------------------------------------------------------

def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"no {field} in /proc/self/status")


def measure(workload, name, how):
    make = WORKLOADS[workload][1]
    make(name, True)()  # warm-up on a small instance: imports, caches, thread pools
    call = make(name, False)
    if how == "rss":
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak resident set to the current one
        before = _status_kib("VmRSS")
        result = call()
        return (_status_kib("VmHWM") - before) * 1024, result is not None
    import tracemalloc
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before, result is not None


def run_one(workload, name, how):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", workload, name, how],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{workload}/{name}/{how} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])["bytes"]


def available(name):
    module = LIBRARY.get(name)
    if module is None:
        return True
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def main(workloads):
    import funcgrad
    print(f"funcgrad from {os.path.dirname(funcgrad.__file__)}; peaks in MiB over the call "
          "(fresh process per figure)")
    contenders = [c for c in CONTENDERS if available(c)]
    for workload in workloads:
        title = WORKLOADS[workload][0]
        rows = {}
        for name in contenders:
            rss = run_one(workload, name, "rss")
            traced = None if name == "pytorch eager backward" else run_one(workload, name, "traced")
            rows[name] = (rss, traced)
        print(f"\n{title}")
        print(f"  {'':<26} {'peak RSS':>10} {'vs numpy':>9} {'tracemalloc':>12} {'vs numpy':>9}")
        base_rss, base_traced = rows["numpy by hand"]
        for name, (rss, traced) in rows.items():
            traced_text = (f"{traced / 2**20:12.2f} {traced / base_traced:8.2f}x" if traced is not None
                           else f"{'-':>12} {'':>9}")
            print(f"  {name:<26} {rss / 2**20:10.2f} {rss / base_rss:8.2f}x {traced_text}")
        if "pytorch eager backward" in rows:
            ratio = rows["funcgrad grad"][0] / rows["pytorch eager backward"][0]
            print(f"  funcgrad / PyTorch eager, peak RSS: {ratio:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        peak, ok = measure(*sys.argv[2:5])
        print(json.dumps({"bytes": peak, "ok": ok}))
    else:
        main(sys.argv[1:] or list(WORKLOADS))
