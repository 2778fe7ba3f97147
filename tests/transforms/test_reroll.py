"""reroll.find_loops: the repeated blocks of an unrolled table, found exactly (NumPy only)."""
import numpy as np

from funcgrad.transforms.reroll import MIN_TRIPS, find_loops


def unrolled(body, stride, trips, start_register):
    """Rows of `trips` copies of `body`, copy k being body + k * stride."""
    body, stride = np.asarray(body), np.asarray(stride)
    rows = [body + k * stride for k in range(trips)]
    return np.vstack(rows) + np.array([0, 0, 0, 0, start_register]) * 0


def expand(table, loops):
    """The rows the loops describe, with the rows between them: the table again."""
    rows, at = [], 0
    for loop in loops:
        rows.extend(table[at:loop.start])
        first = table[loop.start:loop.start + loop.length]
        for k in range(loop.trips):
            rows.extend(first + k * np.column_stack([np.zeros(loop.length, np.int64),
                                                     loop.stride]))
        at = loop.stop
    rows.extend(table[at:])
    return np.array(rows)


def test_a_forward_loop_and_its_reverse_are_found_exactly():
    prefix = np.array([[5, 0, 1, 0, 2], [6, 2, 0, 0, 3]])
    forward = unrolled([[5, 3, 0, 0, 4], [2, 4, 1, 0, 5], [0, 3, 5, 0, 6]],
                       [[0, 3, 0, 0, 3]] * 3, 50, 4)
    # the reverse reads the forward values backwards while its own registers go forwards
    reverse = unrolled([[2, 200, 151, 0, 160], [0, 160, 150, 0, 161]],
                       [[0, 2, -3, 0, 2], [0, 2, -3, 0, 2]], 30, 160)
    suffix = np.array([[1, 219, 3, 0, 220]])
    table = np.vstack([prefix, forward, reverse, suffix]).astype(np.int64)
    loops = find_loops(table)
    assert [(lp.start, lp.length, lp.trips) for lp in loops] == [(2, 3, 50), (152, 2, 30)]
    np.testing.assert_array_equal(loops[1].stride, [[2, -3, 0, 2], [2, -3, 0, 2]])
    np.testing.assert_array_equal(expand(table, loops), table)


def test_rows_without_repetition_stay_straight():
    rng = np.random.default_rng(0)
    table = np.column_stack([rng.integers(0, 30, 400), rng.integers(0, 400, (400, 3)),
                             np.arange(400)]).astype(np.int64)
    loops = find_loops(table)
    np.testing.assert_array_equal(expand(table, loops), table)
    assert sum(lp.length * lp.trips for lp in loops) < 40


def test_a_block_repeated_fewer_times_than_the_minimum_is_left_alone():
    table = unrolled([[5, 0, 0, 0, 1], [2, 1, 0, 0, 2]], [[0, 2, 0, 0, 2]] * 2,
                     MIN_TRIPS - 1, 1).astype(np.int64)
    assert find_loops(table) == []


def test_a_changing_stride_ends_the_loop():
    steady = unrolled([[5, 0, 0, 0, 1]], [[0, 1, 0, 0, 1]], 20, 1)
    jump = unrolled([[5, 100, 0, 0, 101]], [[0, 7, 0, 0, 7]], 20, 101)
    table = np.vstack([steady, jump]).astype(np.int64)
    loops = find_loops(table)
    np.testing.assert_array_equal(expand(table, loops), table)
    assert all(np.unique(lp.stride[:, 0]).size == 1 for lp in loops)
    assert sum(lp.length * lp.trips for lp in loops) >= 36
