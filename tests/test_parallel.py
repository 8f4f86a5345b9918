"""Fits made side by side in worker processes are the fits made one after the other."""
import pytest
import torch

import advai
from advai import train
from advai.study.parallel import run_fits

JOBS = {"ring": dict(sampler="ring", dim=2, mode="joint", steps=30, seed=0),
        "discs": dict(sampler="nine_discs", dim=2, mode="joint", steps=30, seed=1, n_scale=1.0, gp=10.0)}


def _outputs(models):
    z1, z2 = advai.sample_prior("ring", 64, 2, seed=5), advai.sample_prior("nine_discs", 64, 2, seed=6)
    return {k: m(z1, z2, 0.3) for k, m in models.items()}


def test_parallel_fits_equal_one_thread_fits_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setattr(train, "_TRAINED_HERE", set())
    threads = torch.get_num_threads()
    before = len(train.runs_used())
    side_by_side = run_fits(JOBS, tmp_path / "a", resume="once", workers=2, progress=False)
    assert [r["status"] for r in train.runs_used()[before:]] == ["trained", "trained"]  # the workers' word
    once = advai.fit_advai(cache=tmp_path / "a", resume="once", progress=False, **JOBS["ring"])
    assert train.runs_used()[-1]["status"] == "read back"  # trained by the workers for this process
    in_turn = run_fits(JOBS, tmp_path / "b", workers=1, progress=False)
    assert torch.get_num_threads() == threads  # restored after the one-thread fits
    a, b = _outputs(side_by_side), _outputs(in_turn)
    assert all(torch.equal(a[k], b[k]) for k in JOBS) and torch.equal(_outputs({"ring": once})["ring"], a["ring"])
    assert not torch.equal(a["ring"], a["discs"])
    again = run_fits(JOBS, tmp_path / "a", workers=2, progress=False)  # from the cache
    assert [r["status"] for r in train.runs_used()[-2:]] == ["read back", "read back"]
    assert all(torch.equal(x, y) for x, y in zip(_outputs(again).values(), a.values()))


@pytest.mark.parametrize("job, cache", [(dict(JOBS["ring"], sampler=lambda n: torch.zeros(n, 2)), "x"),
                                        (dict(JOBS["ring"], resume=False), "x"), (JOBS["ring"], None)])
def test_parallel_refuses_what_cannot_cross_processes(job, cache, tmp_path):
    with pytest.raises(ValueError):
        run_fits({"job": job}, None if cache is None else tmp_path)


def test_an_unreachable_scheduler_or_missing_extra_is_a_clear_error(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the cluster extra were not installed
    with pytest.raises(ValueError, match=r"advai\[cluster\]"):
        run_fits(JOBS, tmp_path, scheduler="tcp://127.0.0.1:1", progress=False)



def test_advai_workers_sets_the_local_pool_and_a_bad_value_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVAI_WORKERS", "two")
    with pytest.raises(ValueError, match="ADVAI_WORKERS must be a positive integer"):
        run_fits(JOBS, tmp_path, progress=False)
    monkeypatch.setenv("ADVAI_WORKERS", "0")
    with pytest.raises(ValueError, match="ADVAI_WORKERS"):
        run_fits(JOBS, tmp_path, progress=False)
