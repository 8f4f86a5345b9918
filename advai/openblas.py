r"""NumPy's and SciPy's OpenBLAS pinned to one kernel set, so what they compute (scikit-learn's
linear probe, SciPy's matrix square root in the Fréchet distance) does not depend on the CPU.

NumPy and SciPy each bundle an OpenBLAS that picks its kernels by the CPU it finds when it loads:
``SkylakeX`` on an AVX-512 CPU, ``Haswell`` on an AVX2-only one. Sums taken by the two kernel sets
round differently; notebook 3's probe accuracy moved in the fourth decimal between two AMD EPYC
generations for that reason alone (``scripts/probe_openblas.py``). Pinned (the default
:func:`advai.numerics.mode`), :func:`pin` sets

* ``OPENBLAS_CORETYPE=Haswell``: OpenBLAS's AVX2 kernels, which every CPU the study runs on has
  (it needs AVX2, :mod:`advai.numerics`).

OpenBLAS reads the variable once, when the library loads, so it must be set before the first
``import numpy`` of the process: ``import advai`` does it first thing, and every notebook and
script imports advai before NumPy (``tests/test_openblas.py`` checks the order; processes a
notebook or script starts inherit the variable). A process that loaded NumPy first keeps the
kernels it chose: :func:`check` says so with a warning instead of giving other numbers silently.
This module is outside every model's code version on purpose: fits compute in torch (MKL, oneDNN
and ATen, pinned by :mod:`advai.numerics`), and what runs on OpenBLAS is the scoring of fitted
models, so models cached before the pin stay valid and only tables are rescored.
"""
from __future__ import annotations

import os
import warnings

from . import numerics

CORETYPE = "Haswell"


def pin(environ=None) -> dict:
    """Set ``OPENBLAS_CORETYPE`` to :data:`CORETYPE` in ``environ`` (default ``os.environ``) unless
    :func:`advai.numerics.mode` is ``native``; return ``{"OPENBLAS_CORETYPE": value or None}``."""
    env = os.environ if environ is None else environ
    if numerics.mode(env) == "pinned":
        env["OPENBLAS_CORETYPE"] = CORETYPE
    return {"OPENBLAS_CORETYPE": env.get("OPENBLAS_CORETYPE")}


def kernels() -> dict:
    """``{library file name: kernel set}`` for NumPy's and SciPy's OpenBLAS (loading them if this
    process has not yet), as threadpoolctl reports them."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info
    return {os.path.basename(i["filepath"]): i.get("architecture")
            for i in threadpool_info() if i.get("internal_api") == "openblas"}


def check() -> dict:
    """:func:`kernels`, after a ``RuntimeWarning`` if the process is pinned and an OpenBLAS runs
    other kernels than :data:`CORETYPE` (NumPy was imported before advai)."""
    found = kernels()
    other = {lib: k for lib, k in found.items() if k != CORETYPE}
    if numerics.mode() == "pinned" and other:
        warnings.warn(f"OpenBLAS runs {other} instead of {CORETYPE!r} kernels: NumPy was imported before advai "
                      f"(or OPENBLAS_CORETYPE was unset when it loaded), so NumPy's and SciPy's results may differ "
                      f"in the last bits from other machines'. Import advai first, or start Python with "
                      f"OPENBLAS_CORETYPE={CORETYPE}.", RuntimeWarning, stacklevel=2)
    return found
