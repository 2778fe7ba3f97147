"""Learning-rate schedules: functions of the step count (0 for the first update), optax's names.

A schedule is an ordinary function of `count`, written with funcgrad's operations, so it also
runs traced inside jit.
"""
from __future__ import annotations

import math

import funcgrad.numpy as fnp


def constant_schedule(value):
    """`value` at every step."""
    def schedule(count):
        return value
    return schedule


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    """From init_value to end_value linearly over transition_steps, starting at transition_begin."""
    def schedule(count):
        if transition_steps <= 0:
            return init_value
        frac = fnp.clip((count - transition_begin) / transition_steps, 0.0, 1.0)
        return init_value + (end_value - init_value) * frac
    return schedule


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
                      staircase=False, end_value=None):
    """init_value * decay_rate ** ((count - transition_begin) / transition_steps), held at
    init_value before transition_begin; whole periods only with staircase=True; bounded by
    end_value when given."""
    def schedule(count):
        steps = fnp.maximum(count - transition_begin, 0) / transition_steps
        if staircase:
            steps = fnp.floor(steps)
        value = init_value * decay_rate ** steps
        if end_value is not None:
            value = (fnp.maximum(value, end_value) if decay_rate < 1
                     else fnp.minimum(value, end_value))
        return value
    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    """init_value ((1 - alpha) c^exponent + alpha) with c = (1 + cos(pi t / decay_steps)) / 2,
    t = min(count, decay_steps)."""
    def schedule(count):
        t = fnp.minimum(count, decay_steps) / decay_steps
        cosine = 0.5 * (1.0 + fnp.cos(math.pi * t))
        return init_value * ((1.0 - alpha) * cosine ** exponent + alpha)
    return schedule


def join_schedules(schedules, boundaries):
    """schedules[i] from boundaries[i-1] on, each started from its own count 0."""
    def schedule(count):
        value = schedules[0](count)
        for boundary, later in zip(boundaries, schedules[1:]):
            value = fnp.where(count < boundary, value, later(count - boundary))
        return value
    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
                                 end_value=0.0, exponent=1.0):
    """Linear warmup from init_value to peak_value over warmup_steps, then cosine decay to
    end_value at decay_steps (decay_steps counts the warmup, as optax's)."""
    alpha = 0.0 if peak_value == 0 else end_value / peak_value
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         cosine_decay_schedule(peak_value, max(decay_steps - warmup_steps, 1), alpha, exponent)],
        [warmup_steps])


def warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps, transition_steps,
                                      decay_rate, transition_begin=0, staircase=False,
                                      end_value=None):
    """Linear warmup to peak_value, then exponential decay."""
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase,
                           end_value)],
        [warmup_steps])


def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    """init_value, multiplied by scales[b] once count reaches each boundary b."""
    items = sorted((boundaries_and_scales or {}).items())

    def schedule(count):
        value = init_value
        for boundary, scale in items:
            value = fnp.where(count >= boundary, value * scale, value)
        return value
    return schedule


__all__ = ["constant_schedule", "linear_schedule", "exponential_decay", "cosine_decay_schedule",
           "join_schedules", "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule",
           "piecewise_constant_schedule"]
