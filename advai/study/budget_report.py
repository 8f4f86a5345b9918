"""Notebook 5's verdicts: the autoencoder half along the budget curve of ``scripts/image_budget.py``.

Everything here reads the tables that script writes into ``figures/`` (no retraining):
``tab-image-budget-runs`` (one row per model, seed and budget: the lines scores),
``tab-image-budget-tests`` (paired tests between models at every budget, BH-adjusted within
each budget), ``tab-image-budget-detour`` (AdvAI-AE's AdvAI paths against LineIntp through the
same model) and ``tab-image-budget-acai`` (the final scores beside ACAI's reported statistic and
ACAI's published Table 1). A paired test is read as in :mod:`advai.study.autoencoder_report`:
"better" or "worse" only where its adjusted p-value is below :data:`LEVEL`, otherwise "not
separated". Both lines measures are lower-is-better.
"""
from __future__ import annotations

import math

import pandas as pd

from ..evaluate.summary import paired_tests, with_bh_adjusted
from . import long_report
from .autoencoder_report import LEVEL, verdict

MEASURES = ("mean_distance", "smoothness")
#: tab-image-budget-detour's third measure (:func:`advai.evaluate.decoding.midpoint_spread`): how
#: much the paths' decoded midpoints differ from pair to pair, against their endpoints.
SPREAD = "midpoint spread"
IMAGES = "training images"
WORDS = {"better than": "better", "worse than": "worse", "not separated from": "not separated",
         "untested": "untested"}


def committed(name: str, folder=None) -> pd.DataFrame:
    """An image-budget table as committed in ``folder`` (default: the study's ``figures/``):
    :func:`advai.study.long_report.committed` naming ``scripts/image_budget.py``."""
    return long_report.committed(name, "scripts/image_budget.py", folder)


def budget_label(images: int) -> str:
    """``2^k`` for a power of two of images, else the count with thousands separators."""
    k = math.log2(images)
    return f"2^{int(k)}" if k == int(k) else f"{int(images):,}"


def verdict_table(tests: pd.DataFrame) -> pd.DataFrame:
    """tab-image-budget-verdicts: one row per compared pair and measure, one column per budget
    (``2^k`` training images): ``better``, ``worse``, ``not separated`` (a against b, from
    :func:`advai.study.autoencoder_report.verdict`, lower is better) or ``untested``."""
    rows = []
    for (m, a, b), group in tests.groupby(["measure", "a", "b"], sort=False):
        row = {"a": a, "b": b, "measure": m.replace("_", " ")}
        for images, at in group.groupby(IMAGES):
            row[budget_label(images)] = WORDS[verdict(at, m, a, b, lower_is_better=True)[0]]
        rows.append(row)
    return pd.DataFrame(rows)


def ranking(runs: pd.DataFrame, images: int, measure: str = "mean_distance", models=None) -> list[str]:
    """The models (of ``models``, default all own-interpolator rows) ordered by their mean
    ``measure`` over seeds at ``images`` training images, best (lowest) first."""
    r = runs[(runs[IMAGES] == images) & ~runs.model.str.endswith("(LineIntp paths)")]
    if models is not None:
        r = r[r.model.isin(models)]
    return list(r.groupby("model")[measure].mean().sort_values().index)


def change_along_budget(runs: pd.DataFrame, models, measure: str) -> pd.DataFrame:
    """Paired over seeds, each of ``models`` at the largest budget of ``runs`` against itself at the
    smallest (``mean difference`` = largest - smallest; BH-adjusted over the table's rows)."""
    lo, hi = runs[IMAGES].min(), runs[IMAGES].max()
    out = []
    for m in models:
        r = runs[(runs.model == m) & runs[IMAGES].isin([lo, hi])]
        out.append(paired_tests(r, [(hi, lo)], [measure], group=IMAGES).assign(model=m))
    table = pd.concat(out, ignore_index=True).drop(columns="p (BH-adjusted)")
    return with_bh_adjusted(table)


def toward_published(runs: pd.DataFrame, acai: pd.DataFrame, measure: str = "smoothness") -> pd.DataFrame:
    """Per model with a published value in ``acai`` (ACAI's Table 1): its mean ``measure`` at the
    smallest and the largest budget, the published value, and the paired test of the change
    (:func:`change_along_budget`); ``closer`` says whether the largest budget's mean is nearer the
    published value, ``moved`` whether the change is separated from zero (adjusted p < LEVEL)."""
    pub = acai[~acai.source.str.startswith("measured")].set_index("model")[f"{measure.replace('_', ' ')} (median of window)"]
    lo, hi = runs[IMAGES].min(), runs[IMAGES].max()
    models = [m for m in pub.index if m in set(runs.model)]
    change = change_along_budget(runs, models, measure).set_index("model")
    rows = []
    for m in models:
        mean = runs[runs.model == m].groupby(IMAGES)[measure].mean()
        c = change.loc[m]
        rows.append({"model": m, "measure": measure, f"at {budget_label(lo)}": mean[lo], f"at {budget_label(hi)}": mean[hi],
                     "published": pub[m], "change": c["mean difference"], "ci low": c["ci low"],
                     "ci high": c["ci high"], "p (BH-adjusted)": c["p (BH-adjusted)"],
                     "closer": abs(mean[hi] - pub[m]) < abs(mean[lo] - pub[m]),
                     "moved": bool(c["p (BH-adjusted)"] < LEVEL)})
    return pd.DataFrame(rows)


def by_budget(words: list[str], budgets: list[str]) -> str:
    """Verdicts along the budgets in few words: ``"not separated at every budget"`` when all agree,
    else each run of equal verdicts with its budgets (``"not separated at 2^14-2^17, better at
    2^18-2^20"``)."""
    if len(set(words)) == 1:
        return f"{words[0]} at every budget"
    runs, start = [], 0
    for i in range(1, len(words) + 1):
        if i == len(words) or words[i] != words[start]:
            span = budgets[start] if i - 1 == start else f"{budgets[start]}-{budgets[i - 1]}"
            runs.append(f"{words[start]} at {span}")
            start = i
    return ", ".join(runs)


def sentences(verdicts: pd.DataFrame, runs: pd.DataFrame, published: pd.DataFrame, detour: pd.DataFrame,
              advai: str = "AdvAI-AE") -> list[str]:
    """The notebook's answers in words, composed from the tables (no number typed)."""
    budgets = [c for c in verdicts.columns if c not in ("a", "b", "measure")]
    out = []
    for _, r in verdicts.iterrows():
        out.append(f"{r.a} vs {r.b}, {r.measure}: {by_budget([r[c] for c in budgets], budgets)}")
    images = sorted(runs[IMAGES].unique())
    for i in (images[0], images[-1]):
        out.append(f"order by mean distance at {budget_label(i)} images (best first): {' < '.join(ranking(runs, i))}")
    for _, r in published.iterrows():
        change = ("untested (fewer than two seeds with defined paths at both ends)" if math.isnan(r["p (BH-adjusted)"])
                  else f"{'separated from zero' if r.moved else 'not separated from zero'} "
                       f"(adjusted p {r['p (BH-adjusted)']:.2g})")
        out.append(f"{r.model} {r.measure.replace('_', ' ')}: {r.iloc[2]:.4g} -> {r.iloc[3]:.4g} "
                   f"(published {r.published:.4g}); "
                   f"{'closer to' if r.closer else 'not closer to'} the published value, change {change}")
    for (m, _), group in detour.groupby(["measure", "b"], sort=False):
        at = list(group.groupby(IMAGES))
        words = [WORDS[verdict(g, m, advai, g.b.iloc[0], lower_is_better=True)[0]] for _, g in at]
        if m == SPREAD:  # neither better nor worse: lower means the paths' midpoints are more alike
            words = [{"better": "lower", "worse": "higher"}.get(w, w) for w in words]
        out.append(f"{advai}'s AdvAI paths vs its LineIntp paths, {m.replace('_', ' ')}: "
                   f"{by_budget(words, [budget_label(i) for i, _ in at])}")
    return out


def curve_table(curve: pd.DataFrame, measure: str, digits: int = 4) -> pd.DataFrame:
    """``tab-image-budget`` (mean and 95 % half-width over seeds per model and budget) as one row per
    budget (``2^k``) and one column per model, each cell ``"mean ± half-width"`` of ``measure``."""
    c = curve.assign(cell=[f"{m:.{digits}f} ± {h:.{digits}f}" for m, h in zip(curve[measure], curve[measure + "_ci"])],
                     budget=[budget_label(i) for i in curve[IMAGES]])
    order = list(dict.fromkeys(c.model))
    return c.pivot(index="budget", columns="model", values="cell").loc[list(dict.fromkeys(c.budget)), order]
