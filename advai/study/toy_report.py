"""Notebook 2's conclusions, composed from its tables: one sentence per finding, every number read
from a table the notebook wrote (:func:`conclusions`), and the reading of the known-solution table
that both the sentences and the notebook's checks use (:func:`known_solution_reading`)."""
from __future__ import annotations

import pandas as pd

from . import profiles
from .toy_tables import FAR


def known_solution_reading(known: pd.DataFrame) -> dict:
    """The rows of tab-advai-known-solution the conclusions compare, and two readings of them:
    ``capacity`` (R regressed onto the snap leaves at most 1 % of midpoints deep in a gap: the network
    can hold a nearly gap-free solution) and ``kept`` (AdvAI started from that fit ends with less
    than half the headline's off-support mass: the game keeps most of a solution it is handed)."""
    k = known.set_index(["start", "training"])
    r = {"snap": k.loc[("random", "least squares onto the snap")], "adv_snap": k.loc[("snap fit", "adversarial")],
         "oracle_snap": k.loc[("snap fit", "capacity oracle (MMD)")], "head": k.loc[("random", "adversarial (headline)")]}
    r["capacity"] = bool(r["snap"]["off support > 0.1"] <= 0.01)
    r["kept"] = bool(r["adv_snap"]["off support"] < 0.5 * r["head"]["off support"])
    return r


def classifier_clause(r, n: int) -> str:
    """What the nearest-neighbour classifier test says about one tab-mismatch-summary row."""
    acc, lin_acc = r[f"classifier accuracy n={n}"], r[f"LineIntp classifier accuracy n={n}"]
    if r["classifier pass"] == "n/a":
        return "the nearest-neighbour classifier cannot tell even LineIntp's midpoints apart here (n/a)."
    return (f"the nearest-neighbour classifier tells its midpoints from prior samples with accuracy {acc:.1%} at "
            f"n={n} (LineIntp {lin_acc:.1%}; 50% = indistinguishable) and passes at n=1000 on "
            f"{r['classifier pass rate n=1000']:.0%} of seeds.")


def landing_sentence(landing_table: pd.DataFrame) -> str:
    """Where the headline fit's nine-disc midpoints land, from tab-advai-landing."""
    L = landing_table.set_index(["interpolator", "pair kind"]).loc["AdvAI (headline)"]
    on_disc = [k for k in ("same disc", "two apart", "corners") if k in L.index]  # LineIntp's midpoint on a disc
    cross = L.drop(index="same disc", errors="ignore")  # blocks of two different discs
    w = cross["share of pairs"] / cross["share of pairs"].sum()
    main, gap = (w * cross["on its block's main disc"]).sum(), (w * cross["gap"]).sum()
    return (f"* nine discs, where AdvAI's midpoints land: of the pairs of two different discs, {main:.1%} land on their "
            f"block's main disc, {gap:.1%} in a gap and {1 - main - gap:.1%} on another disc"
            + (" (an assignment of blocks to discs, whose images spill into the gaps)" if 1 - main - gap <= 0.01 else "")
            + f"; {L.loc[on_disc, 'off-support contribution'].sum():.1%} of all midpoints lie in a gap although "
            f"LineIntp's midpoints of the same pairs lie on a disc ({', '.join(on_disc)}).")


def known_solution_sentences(reading: dict) -> list[str]:
    """The known-solution findings: what the snap regression, and the fits started from it, reach."""
    ls, adv, ora, head = reading["snap"], reading["adv_snap"], reading["oracle_snap"], reading["head"]
    return [
        f"* nine discs, known solution: R fitted to the snap leaves {ls['share left']:.2%} of LineIntp's mismatch, "
        f"{ls['off support']:.1%} off support, {ls['off support > 0.1']:.1%} more than {FAR} away; "
        f"AdvAI started there ends at {adv['off support']:.1%} off support ({adv['off support > 0.1']:.1%} > {FAR}), "
        f"the oracle started there at {ora['off support']:.1%}; AdvAI from a random start: "
        f"{head['off support']:.1%} ({head['off support > 0.1']:.1%} > {FAR}).",
        "* what limits the nine discs' off-support goal: "
        + ("not the network's capacity (it holds a nearly gap-free solution)" if reading["capacity"]
           else "the network's capacity")
        + ("; the adversarial objective keeps most of a gap-free solution it is handed, so the path from a random "
           "start (the optimisation) is what falls short" if reading["kept"]
           else "; the adversarial objective does not keep a gap-free solution")]


def conclusions(P: dict, seed: int, summary: pd.DataFrame, oracle_table: pd.DataFrame, known: pd.DataFrame,
                landing_table: pd.DataFrame, settings: pd.DataFrame) -> list[str]:
    """Notebook 2's conclusions, one line each, from tab-mismatch-summary, tab-advai-oracle,
    tab-advai-known-solution, tab-advai-landing and tab-advai-settings."""
    n = P["n_table"]
    lines = [f"Profile {P['profile']}, seed {seed}; alpha = 0.5, n = {n} a side, {P['n_seeds']} evaluation seeds "
             f"({P['n_share_draws']} for the headline's share left)."]
    for key, r in summary.set_index("prior").iterrows():
        lines.append(f"* {key}: AdvAI leaves {r['share left']:.2%} (se {r['share left se']:.2%}) of LineIntp's mismatch "
                     f"(goal {r['share goal']:.0%}: {r['share']}); {r['AdvAI off support']:.1%} of its midpoints land "
                     f"off the support (LineIntp {r['LineIntp off support']:.1%}); passes the energy permutation test "
                     f"at n=1000 on {r['pass rate n=1000']:.0%} of seeds; " + classifier_clause(r, n))
    for key, r in oracle_table.set_index("prior").iterrows():
        lines.append(f"* {key}, capacity oracle from a random start: off support {r['oracle off support']:.1%} vs "
                     f"adversarial {r['adversarial off support']:.1%}.")
    lines += known_solution_sentences(known_solution_reading(known))
    lines.append(landing_sentence(landing_table))
    best = settings.loc[settings["share left"].idxmin()]
    lines.append(f"* nine discs, settings (every row over the same {P['n_seeds']} draws): lowest share left "
                 f"{best['share left']:.2%} with '{best['settings']}'; the authors' row leaves "
                 f"{settings.set_index('settings').loc[profiles.AUTHORS_ROW, 'share left']:.2%}.")
    return lines
