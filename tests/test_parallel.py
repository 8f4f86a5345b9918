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


def test_a_dask_cluster_gives_the_fits_of_the_local_pool_and_of_notebook_3_in_turn(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    from advai import data
    from advai.study import profiles
    from advai.study.autoencoders import fit_autoencoder, fit_autoencoders

    local = run_fits(JOBS, tmp_path / "pool", workers=1, progress=False)  # equal to 2 workers: the test above
    P = dict(profiles.resolve("03_advai_autoencoder", "quick"), fit_threads=1)
    mnist = data.load("mnist5k", split_seed=0)
    ae_jobs = [(mnist, "ae", 0), (mnist, "acai", 1)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as cluster:
        before = len(train.runs_used())
        on_dask = run_fits(JOBS, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
        assert [r["status"] for r in train.runs_used()[before:]] == ["trained", "trained"]
        monkeypatch.setenv("ADVAI_SCHEDULER", cluster.scheduler_address)  # what the driver's --scheduler sets
        side = fit_autoencoders(ae_jobs, P, {"cache": tmp_path / "ae", "resume": True})
        monkeypatch.delenv("ADVAI_SCHEDULER")
    for ds, name, s in ae_jobs:  # notebook 3's fits on the cluster = the same fits in turn, here
        turn = fit_autoencoder(name, ds, s, P, {"cache": tmp_path / "turn", "resume": True, "progress": False})
        w, v = side[ds.name, name, s].state_dict(), turn.state_dict()
        assert w.keys() == v.keys() and all(torch.equal(w[k], v[k]) for k in w), name
    a, b = _outputs(local), _outputs(on_dask)
    assert all(torch.equal(a[k], b[k]) for k in JOBS)
    assert sorted(p.name for p in (tmp_path / "pool").glob("*.pt")) == sorted(p.name for p in (tmp_path / "dask").glob("*.pt"))


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
