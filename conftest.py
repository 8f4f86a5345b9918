"""Repository-level pytest setup: nbval runs the notebooks in the quick profile, writing
figures and caches to a temporary folder so the committed results stay untouched.

NumPy's and SciPy's BLAS run on one thread in the tests and their notebook kernels (set before
either loads it): on the 2-core machine OpenBLAS's second thread spins, and made notebook 3's
linear probe (an L-BFGS fit on 32-d codes) take 2.5 s instead of 0.3 s (measured). The study's
own runs (`make figures`) keep the library defaults; torch's threads are not affected."""
import os
import tempfile

_tmp = tempfile.mkdtemp(prefix="advai-test-")
os.environ["ADVAI_PROFILE"] = "quick"
os.environ["ADVAI_FIGURES_DIR"] = os.path.join(_tmp, "figures")
os.environ["ADVAI_CACHE_DIR"] = os.path.join(_tmp, "runs")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("ADVAI_PROGRESS", "log")  # the notebooks' training progress as a few log lines
