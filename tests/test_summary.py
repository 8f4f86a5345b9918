"""Per-seed summaries: the Student-t interval and the paired tests behind every claimed difference."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from advai.evaluate.summary import mean_and_interval, paired_tests
from advai.study.autoencoders import snapshot_every


def rows():
    a = [0.50, 0.52, 0.49, 0.55, 0.51]
    return pd.DataFrame({"model": ["A"] * 5 + ["B"] * 5 + ["C"] * 5, "seed": list(range(5)) * 3,
                         "x": a + [v + 0.10 for v in a] + [0.5, 0.6, 0.4, 0.5, np.nan]})


def test_the_interval_is_the_student_t_half_width():
    t = mean_and_interval(rows(), ["model"], ["x"]).set_index("model")
    a = np.array([0.50, 0.52, 0.49, 0.55, 0.51])
    assert t.loc["A", "x"] == pytest.approx(a.mean())
    assert t.loc["A", "x_ci"] == pytest.approx(stats.t.ppf(0.975, 4) * a.std(ddof=1) / np.sqrt(5))
    assert t.loc["C", "n"] == 4 and t.loc["C", "x"] == pytest.approx(0.5)  # the NaN is left out
    one = mean_and_interval(rows().iloc[:1], ["model"], ["x"])
    assert np.isnan(one.loc[0, "x_ci"])
    with pytest.raises(ValueError, match="level"):
        mean_and_interval(rows(), ["model"], ["x"], level=1.0)


def test_paired_tests_find_a_constant_shift_and_adjust_over_the_table():
    t = paired_tests(rows(), [("B", "A"), ("C", "A")], ["x"]).set_index("a")
    assert t.loc["B", "mean difference"] == pytest.approx(0.10)
    assert np.isnan(t.loc["B", "p"])  # a constant shift has no variance: no t-test
    assert t.loc["C", "n"] == 4  # seed 4 of C is missing
    c = rows().pivot(index="seed", columns="model", values="x").dropna()
    assert t.loc["C", "p"] == pytest.approx(stats.ttest_rel(c["C"], c["A"]).pvalue)
    assert t.loc["C", "ci low"] < t.loc["C", "mean difference"] < t.loc["C", "ci high"]
    noisy = rows().assign(x=rows().x + np.r_[np.zeros(5), [0.01, -0.02, 0.0, 0.015, -0.01], np.zeros(5)])
    u = paired_tests(noisy, [("B", "A"), ("C", "A")], ["x"])
    assert u["p (BH-adjusted)"].tolist() == pytest.approx(list(stats.false_discovery_control(u["p"])))
    assert u.loc[0, "p"] < 1e-3


def test_paired_tests_refuse_unknown_groups_and_duplicates():
    with pytest.raises(ValueError, match="'D' is not in the results"):
        paired_tests(rows(), [("D", "A")], ["x"])
    with pytest.raises(ValueError, match="more than one"):
        paired_tests(pd.concat([rows(), rows()]), [("B", "A")], ["x"])


def test_snapshots_divide_every_budget():
    assert snapshot_every({"budgets": (150, 300, 750, 1500)}) == 150
    assert snapshot_every({"budgets": (20, 50)}) == 10
