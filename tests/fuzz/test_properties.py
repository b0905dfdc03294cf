"""Property tests (hypothesis): decoders, input readers, the page parser, the CSV reader and the
normalizer never crash with anything but arclf's own one-line errors; normalization is idempotent.
A short run here; experiments/fuzz/campaign.py runs the same targets for 100,000 inputs each."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from .targets import TARGETS


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_survives_generated_inputs(name):
    target, strategy = TARGETS[name]
    check = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))(given(strategy)(target))
    check()
