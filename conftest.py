"""Repository-level pytest setup: nbval runs the notebooks in the quick profile, writing
figures and caches to a temporary folder so the committed results stay untouched.

make test runs the tests on every core (pytest-xdist, one notebook or test file per worker), each
worker and notebook kernel on one thread (set here, before torch or NumPy load): a 2-D AdvAI fit
is no faster on two torch threads than on one (scripts/bench_advai.py: 42.9 s vs 36.8 s on the
2-core machine), and a second thread that spins while another process holds the core slows
everything down (OpenBLAS's made notebook 3's linear probe take 2.5 s instead of 0.3 s). The
study's own runs (`make figures`) keep their thread settings."""
import os
import tempfile

_tmp = tempfile.mkdtemp(prefix="advai-test-")
os.environ["ADVAI_PROFILE"] = "quick"
os.environ["ADVAI_FIGURES_DIR"] = os.path.join(_tmp, "figures")
os.environ["ADVAI_CACHE_DIR"] = os.path.join(_tmp, "runs")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# OpenMP threads that wait by sleeping, not spinning: with every core busy, a 2-thread fit whose
# threads spin at each barrier took 106 s instead of 5 s (test_numerics' short fits, measured)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("ADVAI_WORKERS", "1")  # batches of fits in the test's own process: xdist uses every core
# figures as PNG only (why: advai.study.outputs.figure_formats); tests/test_outputs.py writes both
os.environ.setdefault("ADVAI_FIGURE_FORMATS", "png")
os.environ.setdefault("ADVAI_PROGRESS", "log")  # the notebooks' training progress as a few log lines
