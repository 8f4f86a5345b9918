"""Where results go, written atomically, each recorded in ``figures/manifest.json``.

A notebook opens a :class:`Run` with its name and parameters; ``run.savefig`` and
``run.save_table`` write PNG/PDF figures and CSV + Markdown tables through a temporary
file and an atomic rename (a failed notebook never leaves a half-written file in place of
a good one), and add a manifest entry per file: notebook, parameters, seed, profile,
package versions, git commit.

Locations (environment variables override, for tests and non-default runs):
``ADVAI_FIGURES_DIR`` (default ``<repo>/figures``), ``ADVAI_CACHE_DIR`` (default ``<repo>/runs``).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("torch", "numpy", "scipy", "scikit-learn", "pot", "matplotlib", "seaborn", "pandas", "papermill")


def figures_dir(path=None) -> Path:
    p = Path(path or os.environ.get("ADVAI_FIGURES_DIR") or REPO / "figures")
    p.mkdir(parents=True, exist_ok=True)
    return p


def cache_dir(path=None) -> Path:
    p = Path(path or os.environ.get("ADVAI_CACHE_DIR") or REPO / "runs")
    p.mkdir(parents=True, exist_ok=True)
    return p


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


def package_versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str:
    """HEAD's hash, with ``+dirty`` when tracked files differ from it; ``unknown`` outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "advai"],
                               cwd=REPO, capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class Run:
    """One notebook execution: knows its name, parameters and output folder."""

    def __init__(self, notebook: str, profile: str, seed: int, params: dict | None = None, out_dir=None):
        self.notebook, self.profile, self.seed = notebook, profile, int(seed)
        self.params = dict(params or {})
        self.out = figures_dir(out_dir)
        self._versions = package_versions()
        self._commit = git_commit()

    def _record(self, files):
        manifest = self.out / "manifest.json"
        entries = json.loads(manifest.read_text()) if manifest.exists() else {}
        for f in files:
            entries[Path(f).name] = {
                "notebook": self.notebook,
                "profile": self.profile,
                "seed": self.seed,
                "parameters": self.params,
                "packages": self._versions,
                "commit": self._commit,
            }
        with atomic_path(manifest) as tmp:
            tmp.write_text(json.dumps(dict(sorted(entries.items())), indent=1) + "\n")

    def savefig(self, fig, name: str, formats=("png", "pdf"), dpi: int = 110):
        """Save ``fig`` as ``<name>.<fmt>`` for each format; returns the paths."""
        paths = []
        for fmt in formats:
            path = self.out / f"{name}.{fmt}"
            meta = {"Software": None} if fmt == "png" else {"Creator": None, "Producer": None, "CreationDate": None}
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", metadata=meta)
            paths.append(path)
        self._record(paths)
        return paths

    def save_table(self, df, name: str, float_format: str = "%.4g"):
        """Save a pandas DataFrame as ``<name>.csv`` and ``<name>.md``; returns the paths."""
        csv, md = self.out / f"{name}.csv", self.out / f"{name}.md"
        with atomic_path(csv) as tmp:
            df.to_csv(tmp, index=False, float_format=float_format)
        with atomic_path(md) as tmp:
            tmp.write_text(df.to_markdown(index=False, floatfmt=float_format.lstrip("%")) + "\n")
        self._record([csv, md])
        return [csv, md]
