"""funcgrad.optimizers: functional optimisers over pytrees (optax's interface).

    import funcgrad as fg, funcgrad.optimizers as opt
    optimizer = opt.adam(1e-3)
    state = optimizer.init(params)
    for batch in data:
        grads = fg.grad(loss)(params, batch)
        updates, state = optimizer.update(grads, state, params)
        params = opt.apply_updates(params, updates)

`sgd`, `momentum`, `nesterov`, `adam`, `adamw`, `rmsprop`, `adagrad` are chains of small
transformations (`scale_by_adam`, `trace`, `clip_by_global_norm`...) that can be combined with
`chain`; learning rates may be `schedules`. `minimize` bridges to scipy.optimize.minimize
(L-BFGS and the rest) through ravel_pytree. See docs/optimizers.md.
"""
from funcgrad.optimizers import schedules  # noqa: F401
from funcgrad.optimizers._aliases import (adagrad, adam, adamw, momentum, nesterov,  # noqa: F401
                                          rmsprop, sgd)
from funcgrad.optimizers._base import (EmptyState, GradientTransformation,  # noqa: F401
                                       apply_updates, chain)
from funcgrad.optimizers._scipy import minimize  # noqa: F401
from funcgrad.optimizers._transforms import (add_decayed_weights, clip,  # noqa: F401
                                             clip_by_global_norm, global_norm, scale,
                                             scale_by_adam, scale_by_learning_rate, scale_by_rms,
                                             scale_by_rss, scale_by_stddev, trace)
from funcgrad.optimizers.schedules import (constant_schedule, cosine_decay_schedule,  # noqa: F401
                                           exponential_decay, join_schedules, linear_schedule,
                                           piecewise_constant_schedule,
                                           warmup_cosine_decay_schedule,
                                           warmup_exponential_decay_schedule)

lbfgs_minimize = minimize  # the L-BFGS bridge under the name people search for

__all__ = ["adagrad", "adam", "adamw", "momentum", "nesterov", "rmsprop", "sgd",
           "GradientTransformation", "EmptyState", "apply_updates", "chain", "minimize",
           "lbfgs_minimize", "add_decayed_weights", "clip", "clip_by_global_norm", "global_norm",
           "scale", "scale_by_adam", "scale_by_learning_rate", "scale_by_rms", "scale_by_rss",
           "scale_by_stddev", "trace", "schedules", "constant_schedule", "cosine_decay_schedule",
           "exponential_decay", "join_schedules", "linear_schedule",
           "piecewise_constant_schedule", "warmup_cosine_decay_schedule",
           "warmup_exponential_decay_schedule"]
