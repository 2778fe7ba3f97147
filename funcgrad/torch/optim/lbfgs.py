"""L-BFGS, as PyTorch's: the two-loop recursion over the last `history_size` steps, a fixed
step of `lr` (the first scaled down by the gradient's size), up to `max_iter` inner steps per
`step(closure)`. The strong-Wolfe line search is not implemented."""
from __future__ import annotations

import numpy as np

from funcgrad.torch import grad_mode
from funcgrad.torch.optim._checks import check_hyperparameters
from funcgrad.torch.optim.optimizer import Optimizer, bump


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_hyperparameters(lr=lr)
        if line_search_fn is not None:
            raise NotImplementedError("LBFGS: line_search_fn='strong_wolfe' is not supported by "
                                      "funcgrad.torch yet; leave it None (a fixed step of lr)")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        dtype = self._params[0]._data.dtype  # in the parameters' precision, as PyTorch
        return np.concatenate([np.zeros(p.numel(), dtype) if p._grad is None else
                               np.asarray(p._grad._data, dtype).reshape(-1)
                               for p in self._params])

    def _add_step(self, t, d):
        offset = 0
        for p in self._params:
            n = p.numel()
            p._data += (t * d[offset:offset + n]).reshape(p._data.shape).astype(p._data.dtype)
            bump(p)
            offset += n

    def step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with grad_mode.enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tol_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_steps = state.get("old_dirs"), state.get("old_stps")
        ro, h_diag = state.get("ro"), state.get("H_diag")
        prev_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_steps, ro, h_diag = -flat_grad, [], [], [], 1.0
            else:
                y, s = flat_grad - prev_grad, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the curvature pair
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_steps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_steps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                alphas = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):  # the two-loop recursion
                    alphas[i] = float(old_steps[i] @ q) * ro[i]
                    q = q - alphas[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    beta = float(old_dirs[i] @ r) * ro[i]
                    r = r + (alphas[i] - beta) * old_steps[i]
                d = r
            prev_grad, prev_loss = flat_grad.copy(), loss
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            if float(flat_grad @ d) > -tol_change:
                break
            self._add_step(t, d)
            done = False
            if n_iter != max_iter:
                with grad_mode.enable_grad():
                    loss = float(closure())
                flat_grad = self._flat_grad()
                done = np.abs(flat_grad).max() <= tol_grad
                evals += 1
                state["func_evals"] += 1
            if n_iter == max_iter or evals >= max_eval or done:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_steps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_grad, prev_loss=prev_loss)
        return orig_loss
