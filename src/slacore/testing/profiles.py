"""How hard the property tests try: ``HYPOTHESIS_PROFILE=quick`` (a quarter of the
examples), unset (the default, sized for CI on two cores) or ``thorough`` (ten times)."""

from __future__ import annotations

import os

SCALES = {"quick": 0.25, "thorough": 10.0}


def examples(n: int) -> int:
    """``n`` examples scaled by the ``HYPOTHESIS_PROFILE`` environment variable."""
    return max(1, int(n * SCALES.get(os.environ.get("HYPOTHESIS_PROFILE", ""), 1.0)))
