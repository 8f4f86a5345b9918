"""Where the study's files live, and how they are written and read.

Three locations, each with one setting (an environment variable) and a default inside the
project folder -- the checkout this package runs from (the folder with ``pyproject.toml``
and ``notebooks/``), or the current directory when the package is installed elsewhere:

==============  ====================  ===============  ========================================
location        setting               default          what
==============  ====================  ===============  ========================================
data            ``ADVAI_DATA_DIR``    ``<root>/data``  optional dataset files (data/README.md)
run cache       ``ADVAI_CACHE_DIR``   ``<root>/runs``  checkpoints of trained models
figures         ``ADVAI_FIGURES_DIR`` ``<root>/figures``  figures, tables, manifest, timings
==============  ====================  ===============  ========================================

Every result and checkpoint is written through :func:`atomic_path` (a temporary file renamed
over the target only on success), so an interrupted run never leaves half a file in place of
a good one. Torch files are read with ``weights_only=True`` (:func:`read_torch_file`): loading
a file cannot run code, and anything unreadable raises ``ValueError`` naming the file.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import torch

_PACKAGE_PARENT = Path(__file__).resolve().parents[1]


def project_root() -> Path:
    """The checkout holding this package (it has ``pyproject.toml`` and ``notebooks/``), else the current directory."""
    if (_PACKAGE_PARENT / "pyproject.toml").exists() and (_PACKAGE_PARENT / "notebooks").is_dir():
        return _PACKAGE_PARENT
    return Path.cwd()


def _location(path, setting: str, default: str, create: bool) -> Path:
    p = Path(path or os.environ.get(setting) or project_root() / default)
    if create:
        p.mkdir(parents=True, exist_ok=True)
    return p


def data_dir(path=None) -> Path:
    """Folder of optional dataset files: ``path``, else ``$ADVAI_DATA_DIR``, else ``<root>/data``."""
    return _location(path, "ADVAI_DATA_DIR", "data", create=False)


def cache_dir(path=None) -> Path:
    """Folder of cached training runs: ``path``, else ``$ADVAI_CACHE_DIR``, else ``<root>/runs`` (created)."""
    return _location(path, "ADVAI_CACHE_DIR", "runs", create=True)


def figures_dir(path=None) -> Path:
    """Folder of figures and tables: ``path``, else ``$ADVAI_FIGURES_DIR``, else ``<root>/figures`` (created)."""
    return _location(path, "ADVAI_FIGURES_DIR", "figures", create=True)


@contextmanager
def atomic_path(final: Path):
    """Yield a temporary path beside ``final``; rename it over ``final`` only on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.stem}.", suffix=final.suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary readable files
    try:
        yield Path(tmp)
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_torch_file(path, payload: dict) -> None:
    """``torch.save`` a plain payload (tensors, numbers, strings, lists, dicts) atomically."""
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def read_torch_file(path, what: str = "model file") -> dict:
    """Read a file written by :func:`write_torch_file` without executing code (``weights_only=True``).

    Raises ``ValueError`` naming the file when it is missing, truncated, not a torch file, or
    holds anything but plain data (a pickle that would run code is refused, not run).
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{what} {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{what} {path} is corrupt or not a plain torch file: {exc}") from exc
    if not isinstance(blob, dict):
        raise ValueError(f"{what} {path} does not hold an advai payload (found {type(blob).__name__})")
    return blob
