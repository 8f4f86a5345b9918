"""The benchmark helpers count and measure what they say (advai.study.benchmarks)."""
import torch

from advai.study.benchmarks import peak_rates, train_step_flops
from advai.train import Trainable


class OneLayer(Trainable):
    """A single linear map y = W x (no bias), trained to zero output: its FLOPs are known."""

    def __init__(self, n_in=32, n_out=16):
        super().__init__()
        self.net = torch.nn.Linear(n_in, n_out, bias=False)

    def parameter_groups(self):
        return {"net": list(self.parameters())}

    def configure_optimizers(self, train):
        return {"net": torch.optim.Adam(self.parameters(), lr=train["lr"])}

    def losses(self, x):
        loss = torch.rand(()) * self.net(x).pow(2).mean()  # a random draw: the count must not consume it
        return {"net": loss}, {}


def test_a_linear_step_counts_its_forward_and_weight_gradient_products_and_draws_no_random_number():
    model, x = OneLayer(), torch.randn(8, 32)
    torch.manual_seed(1)
    state = torch.get_rng_state()
    weights = model.net.weight.clone()
    # forward B x in x out multiply-adds, then the weight's gradient as many (x needs no gradient)
    assert train_step_flops(model, (x,), {"lr": 1e-3}) == 2 * (2 * 8 * 32 * 16)
    assert torch.equal(torch.get_rng_state(), state) and torch.equal(model.net.weight, weights)


def test_the_peak_rates_are_positive_rates_of_both_kernels():
    rates = peak_rates(repeats=1)
    assert set(rates) == {"matmul", "convolution"} and all(r > 1e8 for r in rates.values())


def test_the_flow_benchmark_times_both_fits_and_refuses_unknown_priors(capsys, tmp_path):
    import pandas as pd
    import pytest

    from scripts_under_test import load_script

    bench = load_script("bench_flow")
    (row,) = bench.main(["--priors", "ring", "--advai-steps", "4", "--flow-steps", "4", "--device", "cpu",
                         "--table", "--figures", str(tmp_path)])
    assert row["flow s"] > 0 and row["AdvAI s (paper budget)"] > 0
    assert row["ratio"] == pytest.approx(row["flow s"] / row["AdvAI s (paper budget)"])
    assert "ring" in capsys.readouterr().out
    (written,) = pd.read_csv(tmp_path / "tab-flow-fit-time.csv").to_dict("records")
    assert written["prior"] == "ring" and written["times the goal"] == pytest.approx(written["ratio"] / bench.GOAL, rel=1e-3)
    with pytest.raises(SystemExit, match="unknown priors"):
        bench.main(["--priors", "ring,moon"])


def test_step_variants_time_each_variant_and_tell_bit_identity():
    from advai.models import TRAIN
    from advai.study.benchmarks import step_variants

    images = torch.rand(32, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    found = step_variants("ae", images, 2, dict(TRAIN, batch_size=8), warmup=1,
                          variants={"as trained": {}, "again": {}, "channels-last + torch.compile":
                                    {"channels_last": True, "compile": True}})
    assert list(found) == ["as trained", "again", "channels-last + torch.compile"]
    assert all(seconds > 0 for seconds, _ in found.values())
    assert found["as trained"][1] and found["again"][1]  # the same seed and batches: the same weights


def test_seed_batched_training_gives_each_fit_its_own_sequential_step():
    """Two AE fits batched with torch.func take the same step as each fit alone on its own batch
    (to round-off: the batched convolutions are grouped ones), so no fit sees another's data."""
    import copy

    import torch

    from advai.models import TRAIN, build_model
    from advai.study.benchmarks import seed_batched

    torch.manual_seed(0)
    models = [build_model("ae", 8, 1, 32) for _ in range(2)]
    alone = [copy.deepcopy(m) for m in models]
    x = torch.rand(2, 16, 1, 32, 32)
    params, step = seed_batched(models, TRAIN)
    optimizers = [m.configure_optimizers(TRAIN) for m in alone]
    for _ in range(2):
        step(x)
        for m, opt, xs in zip(alone, optimizers, x):
            m.train_step((xs,), opt)
    for s, m in enumerate(alone):
        for k, p in m.named_parameters():
            assert torch.allclose(params[k][s], p, atol=1e-6), k
    assert not torch.allclose(params["decoder.body.0.weight"][0], params["decoder.body.0.weight"][1])


def test_the_arithmetic_share_is_a_positive_share_of_a_step():
    from advai.models import TRAIN
    from advai.study.benchmarks import arithmetic_share

    images = torch.rand(32, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    share = arithmetic_share("ae", images, 3, dict(TRAIN, batch_size=8), warmup=1)
    assert share > 0  # the AE's step runs convolutions: they are found in the profile
