from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstage.evalcore import bootstrap_ci, content_hash


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = np.random.default_rng(1).random(200)
    a = bootstrap_ci(values)
    b = bootstrap_ci(values)
    assert a == b and a is not None
    assert a.low < a.mean < a.high
    # the CI of a mean of U(0,1) over 200 draws is about +-0.04 wide
    assert 0.02 < a.high - a.low < 0.12


def test_bootstrap_empty_and_constant() -> None:
    assert bootstrap_ci([]) is None
    one = bootstrap_ci([1.0, 1.0, 1.0])
    assert one is not None and (one.low, one.mean, one.high) == (1.0, 1.0, 1.0)


def test_bootstrap_rejects_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_ci([0.5, float("nan")])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=60))
def test_bootstrap_bounds_are_within_data_range(values: list[float]) -> None:
    ci = bootstrap_ci(values, n_resamples=200)
    assert ci is not None
    assert min(values) - 1e-12 <= ci.low <= ci.mean + 1e-12
    assert ci.mean - 1e-12 <= ci.high <= max(values) + 1e-12


def test_content_hash_is_order_independent_for_mappings() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert content_hash("x") == content_hash(b"x")
