"""Where results go, written atomically, each recorded in ``<figures>/manifest.json``.

A notebook opens a :class:`Run` with its name and parameters; ``run.savefig`` and
``run.save_table`` write PNG/PDF figures and CSV + Markdown tables through a temporary
file and an atomic rename (a failed notebook never leaves a half-written file in place of
a good one), and add a manifest entry per file: notebook, parameters, seed, profile,
package versions, git commit.

Wall-clock times are not results: they go to ``<figures>/timings.json`` (:func:`record_timings`,
``run.save_timings``), never into a table, so re-running with the same seed reproduces every
table byte for byte. The figures folder is :func:`advai.files.figures_dir`.
"""
from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from ..files import atomic_path, figures_dir, project_root

PACKAGES = ("torch", "numpy", "scipy", "scikit-learn", "pot", "matplotlib", "seaborn", "pandas", "papermill")


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
        root = project_root()
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "advai"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record_timings(out_dir, notebook: str, key: str, value) -> None:
    """Set ``timings[notebook][key] = value`` in ``<out_dir>/timings.json`` (seconds; not a result table)."""
    path = Path(out_dir) / "timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings.setdefault(notebook, {})[key] = value
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")


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

    def save_timings(self, key: str, seconds) -> None:
        """Record wall-clock seconds (a number or a dict of them) in ``timings.json``, not in a table."""
        record_timings(self.out, self.notebook, key, seconds)

    def save_table(self, df, name: str, float_format: str = "%.4g"):
        """Save a pandas DataFrame as ``<name>.csv`` and ``<name>.md``; returns the paths."""
        csv, md = self.out / f"{name}.csv", self.out / f"{name}.md"
        with atomic_path(csv) as tmp:
            df.to_csv(tmp, index=False, float_format=float_format)
        with atomic_path(md) as tmp:
            tmp.write_text(df.to_markdown(index=False, floatfmt=float_format.lstrip("%")) + "\n")
        self._record([csv, md])
        return [csv, md]
