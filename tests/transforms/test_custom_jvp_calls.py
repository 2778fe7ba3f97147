"""custom_jvp runs only its rule under differentiation (as JAX), once per call, never `fun`
beside it; outside transforms (and under vmap or jit alone) it runs `fun`."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.transforms.custom import CustomRuleError


def counted():
    calls = []

    @fg.custom_jvp
    def f(x, y):
        calls.append("fun")
        return fnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
        calls.append("rule")
        (x, y), (dx, dy) = primals, tangents
        return f.fun(x, y), fnp.cos(x) * y * dx + fnp.sin(x) * dy

    return f, calls


X, Y = np.array([0.3, 1.2]), np.array([2.0, -0.5])


def test_jvp_runs_the_rule_once_and_not_fun():
    f, calls = counted()
    out, t = fg.jvp(f, (X, Y), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(out, np.sin(X) * Y)
    np.testing.assert_allclose(t, np.cos(X) * Y)
    assert calls == ["rule", "fun"]  # the rule itself calls f.fun for its primal output


def test_grad_runs_the_rule_once_and_not_fun():
    f, calls = counted()
    gx, gy = fg.grad(lambda x, y: fnp.sum(f(x, y)), argnums=(0, 1))(X, Y)
    np.testing.assert_allclose(gx, np.cos(X) * Y)
    np.testing.assert_allclose(gy, np.sin(X))
    assert calls == ["rule", "fun"]


@pytest.mark.parametrize("jac", [fg.jacfwd, fg.jacrev])
def test_jacobians_run_the_rule_once(jac):
    f, calls = counted()
    J = jac(lambda x: f(x, Y))(X)
    np.testing.assert_allclose(J, np.diag(np.cos(X) * Y))
    assert calls.count("rule") == 1


def test_outside_transforms_and_under_vmap_fun_runs():
    f, calls = counted()
    np.testing.assert_allclose(f(X, Y), np.sin(X) * Y)
    assert calls == ["fun"]
    calls.clear()
    np.testing.assert_allclose(fg.vmap(f)(X, Y), np.sin(X) * Y)
    assert "rule" not in calls


def test_second_order_through_the_rule():
    f, calls = counted()
    h = fg.hessian(lambda x: fnp.sum(f(x, Y)))(X)
    np.testing.assert_allclose(h, np.diag(-np.sin(X) * Y), atol=1e-12)
    g2 = fg.grad(fg.grad(lambda x: fnp.sum(f(x, 2.0))))(0.7)
    np.testing.assert_allclose(g2, -2.0 * np.sin(0.7))


def test_jit_of_grad_and_vmap_of_grad():
    f, _ = counted()
    g = fg.jit(fg.grad(lambda x: fnp.sum(f(x, Y))))
    np.testing.assert_allclose(g(X), np.cos(X) * Y)
    np.testing.assert_allclose(g(X + 1), np.cos(X + 1) * Y)
    per = fg.vmap(fg.grad(lambda x, y: f(x, y)))(X, Y)
    np.testing.assert_allclose(per, np.cos(X) * Y)


def test_rule_whose_primal_output_depends_on_tangents_is_refused():
    @fg.custom_jvp
    def g(x):
        return x

    @g.defjvp
    def g_jvp(primals, tangents):
        return primals[0] + tangents[0], tangents[0]

    with pytest.raises(CustomRuleError, match="depends on the tangents"):
        fg.grad(g)(1.0)
