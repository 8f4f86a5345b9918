"""Per-seed results summarised per group: the mean, the spread and a 95% interval over seeds,
and paired tests between groups trained with the same seeds."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


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


def mean_and_interval(rows: pd.DataFrame, by, columns, level: float = 0.95) -> pd.DataFrame:
    r"""One row per group of ``by`` with each column's mean, its sample standard deviation
    (``<column>_std``) and the half-width of its ``level`` Student-t interval for the mean,
    :math:`t_{(1+\mathrm{level})/2,\,n-1}\, s / \sqrt n` (``<column>_ci``; NaN for a group of one
    row), and the number of rows ``n``. NaN values are left out of a column's statistics."""
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    by, columns = list(by), list(columns)
    out = mean_and_std(rows, by, columns)
    counts = rows.groupby(by, sort=False)[columns].count()
    for c in columns:
        n = counts[c].values.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = stats.t.ppf((1 + level) / 2, n - 1)
            out[c + "_ci"] = np.where(n > 1, t * rows.groupby(by, sort=False)[c].std().values / np.sqrt(n), np.nan)
    out["n"] = counts.max(axis=1).values
    return out


def paired_tests(rows: pd.DataFrame, pairs, measures, unit: str = "seed", group: str = "model",
                 level: float = 0.95) -> pd.DataFrame:
    r"""Paired comparisons of groups ``a`` and ``b`` (``pairs``: ``[(a, b), ...]`` values of ``group``)
    over the units (``unit``: the seeds, same splits) both have, for each of ``measures``.

    Per row: the mean difference :math:`\bar d` (a - b), its ``level`` Student-t interval, the
    two-sided paired t-test p-value (:func:`scipy.stats.ttest_rel`; NaN with fewer than 2 units
    or no variation), the number of units and the p-value adjusted over every test of the table
    by Benjamini-Hochberg (:func:`scipy.stats.false_discovery_control`; NaN p-values are left out).
    """
    out = []
    for m in measures:
        wide = rows.pivot(index=unit, columns=group, values=m) if not rows.duplicated([unit, group]).any() else None
        if wide is None:
            raise ValueError(f"more than one {m!r} value per ({unit}, {group}); aggregate first")
        for a, b in pairs:
            for g in (a, b):
                if g not in wide.columns:
                    raise ValueError(f"{group} {g!r} is not in the results; present: {list(wide.columns)}")
            d = (wide[a] - wide[b]).dropna().to_numpy()  # units where both have a value (NaN: left out)
            n = len(d)
            sd = d.std(ddof=1) if n > 1 else np.nan
            half = stats.t.ppf((1 + level) / 2, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
            p = float(stats.ttest_1samp(d, 0.0).pvalue) if n > 1 and sd > 0 else np.nan  # = ttest_rel(a, b)
            out.append({"measure": m, "a": a, "b": b, "mean difference": float(d.mean()) if n else np.nan,
                        "ci low": d.mean() - half if n > 1 else np.nan, "ci high": d.mean() + half if n > 1 else np.nan,
                        "p": p, "n": n})
    return with_bh_adjusted(pd.DataFrame(out))


def with_bh_adjusted(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a column ``p (BH-adjusted)``: its ``p`` column adjusted by Benjamini-Hochberg over
    the rows that have one (:func:`scipy.stats.false_discovery_control`); NaN where ``p`` is NaN."""
    table["p (BH-adjusted)"] = np.nan
    finite = table["p"].notna()
    if finite.any():
        table.loc[finite, "p (BH-adjusted)"] = stats.false_discovery_control(table.loc[finite, "p"].to_numpy())
    return table
