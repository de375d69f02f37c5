"""Shared constants of the qc tests."""

# Test pages are rendered at 2000x1500 to stay fast; an A4 page then sits at ~110 dpi, so the tests that expect
# a pass lower the resolution limit (everything else is the default profile).
SMALL = {"name": "test-small-frames", "min_dpi": 60.0}

