"""Small statistics qc takes many times per page, without numpy's per-call overhead."""

from __future__ import annotations

import numpy as np


def median(values: np.ndarray) -> float:
    """np.median of a non-empty 1-D array, to the bit, by one partial sort; IndexError when it is empty.

    np.median's own overhead is several times the work on the small arrays qc takes medians of (a side's
    residuals, a direction's edge scores), and it is taken a dozen times per page.
    """
    n = len(values)
    h = n // 2
    if n % 2:
        return float(np.partition(values, h)[h])
    part = np.partition(values, (h - 1, h))
    return float((part[h - 1] + part[h]) / 2)
