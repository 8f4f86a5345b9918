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
a file cannot run code, and anything unreadable raises ``ValueError`` naming the file. Every
torch file also carries a SHA-256 digest of its payload (:func:`payload_digest`: every tensor's
dtype, shape and bytes, every field's type and value), written with it and checked when it is
read, so a file changed by accident after it was written (one flipped byte in a weight, a file
cut short, a field edited by a tool that does not recompute the digest) is refused. The digest is a
plain hash, not a signature: anyone can recompute it, so it does not detect a deliberate edit;
every field a reader uses is checked on its own for that (:func:`advai.train.check_checkpoint_fields`,
:func:`advai.train.check_optimizer_states`, the loaders' configuration checks). A full disk is a
:class:`DiskFull` naming the file; a lock file is never followed through a symbolic link (:func:`file_lock`). Python pickles a user places (CIFAR-10's batches) are read by
:func:`read_plain_pickle`, which builds only containers, strings, numbers and NumPy arrays.
"""
from __future__ import annotations

import errno
import hashlib
import importlib
import io
import os
import pickle
import shutil
import struct
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


class DiskFull(OSError):
    """A file could not be written because its disk (or quota) is full: names the file, the space
    left and what to do. Nothing finished is lost: the file it would have replaced is untouched."""


def disk_full(final: Path, exc: BaseException | None = None, need: int | None = None) -> DiskFull:
    """The :class:`DiskFull` error for ``final`` (its folder's free space, and ``need`` bytes if known)."""
    try:
        free = f"{shutil.disk_usage(final.parent).free / 2**20:.1f} MiB free"
    except OSError:
        free = "free space unknown"
    wanted = f", {need / 2**20:.1f} MiB needed" if need is not None else ""
    return DiskFull(errno.ENOSPC, f"could not write {final}: its disk is full ({free}{wanted}). The file it would "
                    "replace is untouched. Free some space (`make clean-cache` removes runs/ and build/) or point "
                    "ADVAI_CACHE_DIR / ADVAI_FIGURES_DIR at another disk, then run again: finished fits resume from "
                    f"their checkpoints" + (f" ({exc})" if exc is not None else ""))


@contextmanager
def atomic_path(final: Path):
    """Yield a temporary path beside ``final``; rename it over ``final`` only on success. A write
    that fails because the disk is full is a :class:`DiskFull` naming ``final``."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.stem}.", suffix=final.suffix)
    except OSError as exc:
        raise (disk_full(final, exc) if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc) from exc
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary readable files
    try:
        yield Path(tmp)
        os.replace(tmp, final)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT) and not isinstance(exc, DiskFull):
            raise disk_full(final, exc) from exc
        raise
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def file_lock(path):
    """The ``filelock.FileLock`` on ``<path>.lock`` that guards ``path`` (a run's checkpoint, a
    records file). A lock path that is a symbolic link or a folder is a ``ValueError`` naming it: a
    lock file is never followed to another file (the lock library opens it with ``O_NOFOLLOW``,
    which would fail with an obscure ``OSError``); remove it and run again."""
    from filelock import FileLock

    lock = Path(str(path) + ".lock")
    if lock.is_symlink():
        raise ValueError(f"lock file {lock} is a symbolic link (to {os.readlink(lock)}); a lock file is never followed "
                         "to another file: remove the link (it is not advai's) and run again")
    if lock.is_dir():
        raise ValueError(f"lock file {lock} is a folder; remove it and run again")
    return FileLock(str(lock))


DIGEST_KEY = "sha256"


def _feed(h, obj) -> None:
    """Feed ``obj`` into the hash ``h`` with a type tag before every value, so that no two
    different payloads feed the same bytes (``1`` vs ``1.0`` vs ``"1"``, ``[a, b]`` vs ``(a, b)``)."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        h.update(b"T" + f"{t.dtype}{tuple(t.shape)}".encode() + b"\0")
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(obj, dict):
        h.update(b"D" + struct.pack("<q", len(obj)))
        for key, value in obj.items():  # insertion order: torch.save and torch.load keep it
            _feed(h, key)
            _feed(h, value)
    elif isinstance(obj, (list, tuple)):
        h.update((b"L" if isinstance(obj, list) else b"U") + struct.pack("<q", len(obj)))
        for value in obj:
            _feed(h, value)
    elif obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        h.update(type(obj).__name__.encode() + b":" + (obj if isinstance(obj, bytes) else repr(obj).encode()) + b"\0")
    elif isinstance(obj, torch.dtype):
        h.update(b"dtype:" + str(obj).encode() + b"\0")
    else:
        raise ValueError(f"a torch file payload holds only tensors, containers, numbers and strings, "
                         f"found {type(obj).__name__}")


def payload_digest(payload: dict) -> str:
    r"""SHA-256 of a payload: every tensor as its dtype, shape and raw bytes, every other value
    with its type, in the order the payload holds them (the :data:`DIGEST_KEY` field left out)."""
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in payload.items() if k != DIGEST_KEY})
    return h.hexdigest()


def write_torch_file(path, payload: dict) -> None:
    """``torch.save`` a plain payload (tensors, numbers, strings, lists, dicts) atomically, with
    its :func:`payload_digest` under :data:`DIGEST_KEY`. The file is serialised in memory and then
    written, so a full disk is a :class:`DiskFull` naming the file and the space it needs (torch's
    own writer reports it as a ``RuntimeError`` such as 'unexpected pos 64 vs 0')."""
    payload = {**{k: v for k, v in payload.items() if k != DIGEST_KEY}, DIGEST_KEY: payload_digest(payload)}
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    with atomic_path(path) as tmp:
        try:
            tmp.write_bytes(buffer.getbuffer())
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise disk_full(Path(path), exc, need=buffer.getbuffer().nbytes) from exc
            raise


def read_torch_file(path, what: str = "model file") -> dict:
    """Read a file written by :func:`write_torch_file` without executing code (``weights_only=True``).

    Raises ``ValueError`` naming the file when it is missing, a folder, truncated, not a torch
    file, holds anything but plain data (a pickle that would run code is refused, not run), has no
    digest, or its payload no longer matches the digest written with it (altered since). The
    digest is returned with the payload's other fields.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{what} {path} is a folder, not a file")
    if not path.exists():
        raise ValueError(f"{what} {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:  # torch's weights-only reader refused an object: nothing ran
        # torch's message wraps the reason (its middle lines) in advice to load the file unsafely
        after = str(exc).split("WeightsUnpickler error:", 1)[-1].splitlines()
        reason = next((line.strip() for line in after if line.strip() and not line.startswith(
            ("Weights only load failed", "Check the documentation", "Please file an issue", "\t("))), "not plain data")
        raise ValueError(f"{what} {path} is corrupt or not a plain torch file: it asks to build something other "
                         f"than plain data ({reason}); it was refused without running it. Do not open it with "
                         "weights_only=False: delete it, or restore a file written by advai") from exc
    except Exception as exc:
        raise ValueError(f"{what} {path} is corrupt or not a plain torch file ({path.stat().st_size} bytes: "
                         f"{str(exc).strip().splitlines()[0].rstrip('.')}). A file cut short (a full disk, a copy "
                         "that did not finish) cannot be repaired: delete it and run again (a fit then trains from "
                         "the start), or restore an intact copy") from exc
    if not isinstance(blob, dict):
        raise ValueError(f"{what} {path} does not hold an advai payload (found {type(blob).__name__})")
    stored = blob.get(DIGEST_KEY)
    if not isinstance(stored, str):
        raise ValueError(f"{what} {path} has no integrity digest (field {DIGEST_KEY!r}): written by an advai "
                         "older than the digests, or not by advai; it is not trusted")
    try:
        actual = payload_digest(blob)
    except ValueError as exc:
        raise ValueError(f"{what} {path}: {exc}") from exc
    if actual != stored:
        raise ValueError(f"{what} {path} was altered after it was written: its payload does not match its "
                         f"digest (field {DIGEST_KEY!r}); it is not trusted (retrain, or use another file)")
    return blob


#: What :func:`read_plain_pickle` lets a pickle build besides containers, strings and numbers:
#: NumPy arrays and dtypes, by the names NumPy 1 and NumPy 2 pickle them under (and bytes from
#: latin-1 text, as Python 3 writes them at protocol 2).
PICKLE_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"): ("numpy", "ndarray"),
    ("numpy", "dtype"): ("numpy", "dtype"),
}


def _latin1_bytes(text: str, encoding: str) -> bytes:
    """What a protocol-2 pickle written by Python 3 builds ``bytes`` with (``_codecs.encode(s, 'latin1')``),
    for that one codec only."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"the pickle asks for _codecs.encode with {encoding!r}, which a data file never needs")
    return text.encode("latin1")


class _PlainUnpickler(pickle.Unpickler):
    """An unpickler that can build nothing but builtin containers, strings, numbers and
    NumPy arrays: any other global a pickle names (``os.system``, ``builtins.eval``, a class of
    any module) is refused before it is looked up, so no code in the file runs."""

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        target = PICKLE_ALLOWED.get((module, name))
        if target is None:
            raise pickle.UnpicklingError(f"the pickle asks for {module}.{name}, which a data file never needs")
        return getattr(importlib.import_module(target[0]), target[1])


def read_plain_pickle(path, what: str = "data file", encoding: str = "bytes"):
    """Read a Python pickle that holds only plain data (dicts, lists, bytes, strings, numbers,
    NumPy arrays of non-object dtype) without running code from it; anything else -- a pickle
    naming any other function or class, object arrays, a truncated file -- is a ``ValueError``
    naming the file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            obj = _PlainUnpickler(io.BufferedReader(f), encoding=encoding).load()
    except Exception as exc:
        raise ValueError(f"{path} is not a {what} of plain data (corrupt, a wrong file, or a pickle that asks "
                         f"to run code, which is refused without running it): {exc}") from exc
    _refuse_objects(path, what, obj)
    return obj


def _refuse_objects(path, what, obj) -> None:
    import numpy as np

    if isinstance(obj, np.ndarray) and obj.dtype.hasobject:
        raise ValueError(f"{what} {path} holds an array of Python objects; only numeric arrays are read")
    if isinstance(obj, dict):
        for v in obj.values():
            _refuse_objects(path, what, v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _refuse_objects(path, what, v)
