"""funcgrad in one minute: derivatives of NumPy code, the expression list, and a model fitted by
gradient descent.

    python examples/quickstart.py
"""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as fnp


def f(x):
    return fnp.sum(fnp.tanh(x) ** 2) + fnp.sin(x[0]) * x[1]


x = np.array([0.5, -1.0, 2.0])
print("f(x)            =", f(x))
print("grad f(x)       =", fg.grad(f)(x))
print("d3/dx3 sin(1.0) =", fg.grad(fg.grad(fg.grad(fnp.sin)))(1.0), "(= -cos 1)")
print("jacobian of sin:\n", fg.jacobian(fnp.sin)(x))
print("hessian of f:\n", np.round(fg.hessian(f)(x), 4))
print("\nthe expression list grad replays in reverse:")
print(fg.make_trace(f)(x))

# A tiny model: fit y = tanh(X w + b) to noisy data by plain gradient descent.
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 3))
true_w, true_b = np.array([1.5, -2.0, 0.5]), 0.3
y = np.tanh(X @ true_w + true_b) + 0.01 * rng.standard_normal(200)


def loss(params, X, y):
    return fnp.mean((fnp.tanh(X @ params["w"] + params["b"]) - y) ** 2)


params = {"w": np.zeros(3), "b": np.array(0.0)}
loss_and_grad = fg.value_and_grad(loss)
for step in range(301):
    value, g = loss_and_grad(params, X, y)
    params = fg.tree_util.tree_map(lambda p, dp: p - 0.5 * dp, params, g)
    if step % 100 == 0:
        print(f"step {step:3d}  loss {value:.5f}")
print("fitted w =", np.round(params["w"], 3), " b =", np.round(params["b"], 3),
      f"(true {true_w}, {true_b})")
