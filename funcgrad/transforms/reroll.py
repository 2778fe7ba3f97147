"""Loops found again in an unrolled table of rows: the repeated blocks of a traced Python loop.

funcgrad traces Python loops (and `lax.fori_loop`, `lax.scan`) by running them, so a 1,000-step
integration arrives as 1,000 copies of one step's rows, and its gradient as 1,000 copies of the
step's reverse. A row is `(opcode, operand, operand, operand, output)` of integers (registers,
or a guard's number); registers are numbered as they are allocated, so in copy k of a block
every column is the same column of copy 0 plus k times a fixed stride (the block's outputs step
by the registers one copy allocates; a reverse loop's reads of the forward values step
backwards; constants do not move). `find_loops` finds such runs, vectorised over candidate
block lengths, so the numba backend can compile one copy inside a `for` loop instead of every
copy in a row (which would make its compile time grow with the trip count).

Running the rows of a loop found here is running the table's rows in their order: only the
description is shorter, so no dependence analysis is needed.
"""
from __future__ import annotations

import numpy as np

MIN_TRIPS = 4  # fewer copies than this stay straight-line rows
MAX_BODY = 4096  # rows of one copy at most
CANDIDATES = 48  # block lengths tried (the commonest distances between rows of one opcode)


class Loop:
    """Rows `start + k * length + j` for k < trips, j < length: copy k of row `start + j` is
    that row plus k * `stride[j]` (one stride per column)."""

    __slots__ = ("start", "length", "trips", "stride")

    def __init__(self, start, length, trips, stride):
        self.start, self.length, self.trips, self.stride = start, length, trips, stride

    @property
    def stop(self) -> int:
        return self.start + self.length * self.trips

    def __repr__(self):
        return f"Loop(rows {self.start}:{self.stop}, {self.trips} trips of {self.length})"


def _candidate_lengths(ops):
    """Distances between nearby rows of one opcode, and of one run of six opcodes, commonest
    first: a block's length is one of them (the distance from a row to the same row of the
    next copy; a run of six is rarer within a copy than one opcode, so its distance to the
    next one is the length even in long blocks)."""
    distances = []
    for width in (1, 6):
        if len(ops) < width:
            continue
        keys = np.zeros(len(ops) - width + 1, dtype=np.int64)
        for j in range(width):  # (opcodes are below 64: six of them fit 36 bits exactly)
            keys = keys * 64 + ops[j:len(ops) - width + 1 + j]
        order = np.argsort(keys, kind="stable")  # by key, then position
        keys, positions = keys[order], order
        for m in range(1, 9):
            same = keys[m:] == keys[:-m]
            distances.append((positions[m:] - positions[:-m])[same])
    distances = np.concatenate(distances) if distances else np.zeros(0, dtype=np.int64)
    if not len(distances):
        return []
    counts = np.bincount(distances)
    counts[MAX_BODY + 1:] = 0
    order = np.argsort(-counts, kind="stable")
    return [int(length) for length in order[:CANDIDATES] if counts[length] >= MIN_TRIPS - 1]


def _runs(good):
    """(start, stop) of each run of True in a boolean vector."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], good.astype(np.int8), [0]))))
    return edges[0::2], edges[1::2]


def _loops_of_length(table, length):
    """Every maximal loop with copies `length` rows long."""
    rows = len(table)
    n = rows - 2 * length
    if n < length:
        return []
    same_op = table[length:, 0] == table[:-length, 0]
    starts, stops = _runs(same_op)
    if not len(starts) or np.max(stops - starts) < (MIN_TRIPS - 1) * length:
        return []  # (the cheap test first: most candidate lengths fail it)
    step = table[length:] - table[:-length]  # copy k+1 minus copy k, row by row
    steady = np.all(step[:n] == step[length:length + n], axis=1)
    good = same_op[:n] & same_op[length:length + n] & steady
    found = []
    for start, stop in zip(*_runs(good)):
        trips = (stop - start) // length + 2
        if trips >= MIN_TRIPS:
            found.append(Loop(int(start), length, int(trips),
                              step[start:start + length, 1:].copy()))
    return found


def find_loops(table) -> list:
    """Non-overlapping loops covering as many rows of `table` (int64, one row per line, the
    opcode first) as the candidates allow, in row order."""
    table = np.asarray(table, dtype=np.int64)
    if len(table) < 2 * MIN_TRIPS:
        return []
    found = []
    for length in _candidate_lengths(table[:, 0]):
        found.extend(_loops_of_length(table, length))
    found.sort(key=lambda loop: (-loop.length * loop.trips, loop.length))
    taken = np.zeros(len(table), dtype=bool)
    chosen = []
    for loop in found:
        loop = _trimmed(loop, taken)
        if loop is not None:
            taken[loop.start:loop.stop] = True
            chosen.append(loop)
    chosen.sort(key=lambda loop: loop.start)
    return chosen


def _trimmed(loop, taken):
    """The longest whole-copy part of `loop` on rows not taken yet, or None if too short."""
    free = ~taken[loop.start:loop.stop].reshape(loop.trips, loop.length).any(axis=1)
    if free.all():
        return loop
    starts, stops = _runs(free)
    if not len(starts):
        return None
    best = int(np.argmax(stops - starts))
    trips = int(stops[best] - starts[best])
    if trips < MIN_TRIPS:
        return None
    return Loop(loop.start + int(starts[best]) * loop.length, loop.length, trips, loop.stride)


__all__ = ["Loop", "find_loops", "MIN_TRIPS"]
