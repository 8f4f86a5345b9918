"""Notebook 3's summary tables and verdicts, composed from the tables it writes.

A paired-test row (:func:`advai.evaluate.summary.paired_tests`: ``measure, a, b, mean difference,
ci low, ci high, p, n, p (BH-adjusted)``) is read as a *difference* only when its
Benjamini-Hochberg-adjusted p-value is below :data:`LEVEL`; otherwise the two are "not separated".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LEVEL = 0.05


def ranking(curves: pd.DataFrame, col: str, budget: int, ascending: bool, leave_out: str) -> str:
    """The models ordered by ``col`` at ``budget`` training images in tab-learning-curves
    (``"A > B > C"``, best first; ``"A < B < C"`` when lower is better), without ``leave_out``
    (the ablation, trained at one budget only)."""
    c = curves[(curves["training images"] == budget) & (curves.model != leave_out)]
    c = c.dropna(subset=[col]).sort_values(col, ascending=ascending)
    return " > ".join(c.model) if not ascending else " < ".join(c.model)


def plus_minus(row, col: str, digits: int = 3) -> str:
    """``"mean ± half-width"`` of ``col`` and its ``<col>_ci`` column."""
    return f"{row[col]:.{digits}f} ± {row[col + '_ci']:.{digits}f}"


def ae_summary(tab_repr: pd.DataFrame, tab_lines: pd.DataFrame, labels: dict, names) -> pd.DataFrame:
    """tab-ae-summary: per model of ``names`` (keys of ``labels``), its code measures on MNIST-5k and
    its own interpolator's lines measures, each as mean ± 95 % half-width, and pixel space's lines row."""
    lines_own = tab_lines[tab_lines.source.str.startswith("measured")].groupby("model", sort=False).first()
    rows = []
    for name in names:
        r = tab_repr.set_index("model").loc[labels[name]]
        row = {"model": labels[name], "seeds": int(r.n), "probe accuracy": plus_minus(r, "probe_accuracy"),
               "K-means accuracy": plus_minus(r, "clustering_accuracy"),
               "rec. MSE": plus_minus(r, "reconstruction_mse", 4)}
        if labels[name] in lines_own.index:
            own = lines_own.loc[labels[name]]
            row.update({"interpolator (lines)": own.interpolator,
                        "lines mean distance": plus_minus(own, "mean_distance", 4),
                        "lines smoothness": plus_minus(own, "smoothness", 2)})
        rows.append(row)
    pixel = lines_own.loc["pixel space (no model)"]
    rows.append({"model": "pixel space (no model)", "interpolator (lines)": "LineIntp",
                 "lines mean distance": f"{pixel.mean_distance:.4f}", "lines smoothness": f"{pixel.smoothness:.2f}"})
    return pd.DataFrame(rows).fillna("")


def effect(tests: pd.DataFrame, measure: str, a: str, b: str) -> str:
    """``"<measure>: <a - b> [<ci>], adj. p <p>"`` of one paired test."""
    r = tests.set_index(["measure", "a", "b"]).loc[(measure, a, b)]
    return (f"{measure}: {r['mean difference']:+.3f} [{r['ci low']:+.3f}, {r['ci high']:+.3f}], "
            f"adj. p {r['p (BH-adjusted)']:.2g}")


def claim(r) -> str:
    """One paired test as a line: ``differ`` (adjusted p below :data:`LEVEL`) or ``not separated``."""
    d = f"{r['mean difference']:+.4f} [{r['ci low']:+.4f}, {r['ci high']:+.4f}]"
    adj = r["p (BH-adjusted)"]
    word = "differ" if np.isfinite(adj) and adj < LEVEL else "not separated"
    return f"  {r.measure}: {r.a} vs {r.b}: {word}, a - b = {d} (adj. p {adj:.2g}, n = {r.n})"


def verdict(tests: pd.DataFrame, measure: str, a: str, b: str, lower_is_better: bool = False) -> tuple[str, str]:
    """``(word, sentence)`` for the paired test of ``a`` against ``b`` on ``measure``: ``word`` is
    ``better than``, ``worse than`` (adjusted p below :data:`LEVEL`, by the sign of a - b and the
    measure's direction), ``not separated from``, or ``untested`` (no p-value: too few seeds)."""
    r = tests[(tests.measure == measure) & (tests.a == a) & (tests.b == b)].iloc[0]
    adj = r["p (BH-adjusted)"]
    if not np.isfinite(adj):
        return "untested", (f"{a} vs {b} on {measure.replace('_', ' ')}: no test (defined on {int(r.n)} seeds; "
                            "smoothness is undefined where every path is)")
    word = "not separated from"
    if adj < LEVEL:
        word = "better than" if (r["mean difference"] < 0) == lower_is_better else "worse than"
    return word, (f"{a} {word} {b} on {measure.replace('_', ' ')} (a - b = {r['mean difference']:+.4f}, "
                  f"95 % CI [{r['ci low']:+.4f}, {r['ci high']:+.4f}], adjusted p {adj:.2g}, {int(r.n)} seeds)")


def codes_verdict(repr_tests: pd.DataFrame, adv: str, others, ae: str) -> list[str]:
    """Question 1, better codes: AdvAI-AE (``adv``) against each of ``others`` on both accuracies,
    its reconstruction against ``ae``'s, and the count of the paper's comparisons it wins."""
    lines, words = [], []
    for measure in ("probe_accuracy", "clustering_accuracy"):
        for b in others:
            w, text = verdict(repr_tests, measure, adv, b)
            words.append(w)
            lines.append("   " + text)
    lines.append("   " + verdict(repr_tests, "reconstruction_mse", adv, ae, lower_is_better=True)[1])
    lines.append(f"   -> the paper's claim (AdvAI-AE's codes better than ACAI's, AE's and AAE's): better on "
                 f"{words.count('better than')} of {len(words)} comparisons, worse on {words.count('worse than')}, "
                 f"not separated on {words.count('not separated from')}.")
    return lines


def budget_rankings(curves: pd.DataFrame, leave_out: str) -> list[str]:
    """Question 4: the models' order on each measure at the smallest and the largest budget."""
    lines = []
    budgets = sorted(curves["training images"].unique())
    for col, asc in (("probe_accuracy", False), ("clustering_accuracy", False), ("mean_distance", True)):
        o0, o1 = (ranking(curves, col, b, asc, leave_out) for b in (budgets[0], budgets[-1]))
        lines.append(f"   {col}: {budgets[0]:,} images: {o0}; {budgets[-1]:,} images: {o1}"
                     + (" (same order)" if o0 == o1 else ""))
    return lines


def advai_ae_departures(P: dict, batch_size: int, ablation: str, n_ablation_seeds: int) -> pd.DataFrame:
    """tab-advai-ae-departures: where notebook 3's AdvAI-AE departs from the authors' code
    (guanyuelee/AdvAI-Official, AdvAI_AE.py) and ACAI's, with the measured effect where there is one
    (``ablation``: :func:`effect` strings of the authors' R against the factorized R)."""
    rows = [
        ("interpolation module R", "whole-code R (2 x 1,200, 100-unit embedding, alpha reweighting)", "the same",
         f"ablation, authors' minus factorized R (n = {n_ablation_seeds} seeds): {ablation}"),
        ("R's warm-up", "2,048k prior samples (32,768 steps), lr 1e-4",
         f"{P['warmup_steps'] * batch_size // 1000}k samples ({P['warmup_steps']} steps), Adam lr 5e-4, beta1 0.5",
         "not measured (time budget)"),
        ("training length", "ACAI: 2^24 images (about 16.8 M)", f"{P['steps'] * batch_size // 1000}k images",
         f"fig-learning-curves (budgets spanning {P['budgets'][-1] // P['budgets'][0]}x)"),
        ("optimizer", "Adam lr 1e-4, beta1 0.9", "Adam lr 5e-4, beta1 0.5 (our short budget)", "not measured"),
        ("encoder/decoder", "ACAI's: 3x3 convolutions, depth 64, average pooling, code 4x4x16 = 256",
         "stride-2 4x4 convolutions, depth 16, flat code of 32 (advai/layers.py)", "not measured (CPU cost)"),
        ("image critic D_A", "encoder network, mean of its 4x4xlatent output", "encoder network, one output",
         "not measured"),
        ("MNIST scale", "[-1, 1]", "[0, 1]; reconstruction loss computed on the [-1, 1] scale",
         "same loss; the critic sees [0, 1] images (not measured)"),
        ("latent probe", "a single-layer classifier trained alongside (stop-gradient codes)",
         "logistic regression fit after training (scikit-learn)", "not measured"),
    ]
    return pd.DataFrame(rows, columns=["what", "authors", "here", "measured effect"])
