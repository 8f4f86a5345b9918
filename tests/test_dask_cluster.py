"""Notebook 2's and notebook 3's batches of fits on a real Dask cluster (``LocalCluster``) are the
fits of the local pool, weight for weight (a file of its own, so that pytest-xdist, which hands
out whole files, can run it beside the pool tests instead of after them)."""
import pytest
import torch

from advai import train
from advai.study.parallel import run_fits
from test_parallel import JOBS, _outputs


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
