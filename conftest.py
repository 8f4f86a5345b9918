"""Repository-level pytest setup: nbval runs the notebooks in the quick profile, writing
figures and caches to a temporary folder so the committed results stay untouched."""
import os
import tempfile

_tmp = tempfile.mkdtemp(prefix="advai-test-")
os.environ["ADVAI_PROFILE"] = "quick"
os.environ["ADVAI_FIGURES_DIR"] = os.path.join(_tmp, "figures")
os.environ["ADVAI_CACHE_DIR"] = os.path.join(_tmp, "runs")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("ADVAI_PROGRESS", "log")  # the notebooks' training progress as a few log lines
