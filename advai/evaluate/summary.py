"""Per-seed results summarised per group: the mean and the spread over seeds."""
from __future__ import annotations

import pandas as pd


def mean_and_std(rows: pd.DataFrame, by, columns, no_spread=()) -> pd.DataFrame:
    """One row per group of ``by`` (in order of first appearance) with each column's mean and,
    unless listed in ``no_spread``, its sample standard deviation over the group's rows as
    ``<column>_std`` (0 for a group of one row)."""
    by, columns = list(by), list(columns)
    missing = [c for c in by + columns if c not in rows.columns]
    if missing:
        raise ValueError(f"columns {missing} are not in the results; present: {list(rows.columns)}")
    agg = rows.groupby(by, sort=False)[columns].agg(["mean", "std"])
    out = agg.index.to_frame(index=False)
    for c in columns:
        out[c] = agg[c]["mean"].values
        if c not in no_spread:
            out[c + "_std"] = agg[c]["std"].fillna(0).values
    return out
