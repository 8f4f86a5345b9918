"""Every notebook's sizes, in one visible place: the ``paper`` and ``quick`` profiles.

``paper`` produces the study's results (the default of the batch command); ``quick`` runs
the same code path at small sizes, for nbval in CI. A notebook calls
``resolve(notebook, profile)`` and reads its settings from the returned dict.
"""
from __future__ import annotations

import os

from .checks import check_choice

PROFILE_NAMES = ("paper", "quick")

PROFILES = {
    "01_distribution_mismatch": {
        "paper": dict(n_cloud=3000, n_2d=20000, n_norm=20000, n_mismatch=4000, n_seeds=10,
                      n_curve=2000, dims=(2, 8, 32, 128, 512), n_alphas=21, n_permutations=200),
        "quick": dict(n_cloud=500, n_2d=2000, n_norm=2000, n_mismatch=600, n_seeds=2,
                      n_curve=300, dims=(2, 8, 32), n_alphas=5, n_permutations=50),
    },
}


def resolve(notebook: str, profile: str | None = None) -> dict:
    """Settings for ``notebook`` under ``profile`` (None: ``$ADVAI_PROFILE`` or ``paper``)."""
    profile = profile or os.environ.get("ADVAI_PROFILE") or "paper"
    check_choice("profile", profile, PROFILE_NAMES)
    check_choice("notebook", notebook, tuple(PROFILES))
    return dict(PROFILES[notebook][profile], profile=profile)
