"""Where results go, written atomically, each recorded in ``<figures>/manifest.json``.

A notebook opens a :class:`Run` with its name and parameters; ``run.savefig`` and
``run.save_table`` write PNG/PDF figures and CSV + Markdown tables through a temporary
file and an atomic rename (a failed notebook never leaves a half-written file in place of
a good one), and add a manifest entry per file: notebook, parameters, seed, profile,
package versions, git commit, and where ``advai`` was imported from (:func:`package_origin`).

Each manifest entry also lists the trained models (:func:`advai.train.runs_used`: run names
and whether they were trained or read back from the cache) the notebook had used when the
file was written.

Wall-clock times are not results: they go to ``<figures>/timings.json`` (:func:`record_timings`,
``run.save_timings``), never into a table, so re-running with the same seed reproduces every
table byte for byte. The figures folder is :func:`advai.files.figures_dir`.

Both JSON files are updated under a file lock (``filelock``), so concurrent runs into one
folder lose no entry; a damaged file is set aside as ``<name>.damaged`` with a warning and
started afresh, never a crash in the middle of a run.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import warnings
from importlib import metadata
from pathlib import Path
from typing import Callable

from .. import numerics, openblas
from ..checks import check_choice
from ..files import atomic_path, figures_dir, file_lock, project_root
from ..train import check_seed, runs_used
from . import plotting

PACKAGES = ("torch", "numpy", "scipy", "scikit-learn", "pot", "matplotlib", "seaborn", "pandas", "papermill")


def package_versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


#: What makes the study's numbers: a change to a tracked file here marks a run's commit ``+dirty``.
#: Notebooks count by their code cells only (a regenerated notebook differs from HEAD in its outputs).
SOURCES = ("advai", "scripts", "notebooks", "pyproject.toml", "requirements.txt", "requirements-lock.txt", "Makefile")


def _git(root, *args) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def _code_cells(notebook_json: str) -> list[str]:
    cells = json.loads(notebook_json)["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def _code_changed(root: Path, path: str) -> bool:
    """Whether the notebook ``path``'s code cells differ from HEAD's (an unreadable one does)."""
    try:
        return _code_cells((root / path).read_text()) != _code_cells(_git(root, "show", f"HEAD:{path}"))
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError):
        return True


def git_commit(root=None) -> str:
    """HEAD's hash, with ``+dirty`` when a tracked file of :data:`SOURCES` differs from it
    (staged or not; a notebook only by its code cells); ``unknown`` outside git."""
    try:
        root = Path(root) if root is not None else project_root()
        head = _git(root, "rev-parse", "HEAD").strip()
        changed = _git(root, "diff", "--name-only", "HEAD", "--", *SOURCES).splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = any(not name.endswith(".ipynb") or _code_changed(root, name) for name in changed)
    return head + ("+dirty" if dirty else "")


def package_origin() -> str:
    """Where this process imported ``advai`` from: ``"checkout"`` when it is the checkout the study
    runs in (``$ADVAI_CHECKOUT``, set by the batch command, else :func:`project_root`), so the
    recorded commit describes the code that ran. A copy from anywhere else is a ``RuntimeError``
    naming both folders when the batch command set ``$ADVAI_CHECKOUT`` (the commit would name
    another checkout's code), and its path otherwise."""
    package = Path(__file__).resolve().parents[1]
    checkout = Path(os.environ.get("ADVAI_CHECKOUT") or project_root()).resolve()
    if package.parent == checkout:
        return "checkout"
    if os.environ.get("ADVAI_CHECKOUT"):
        raise RuntimeError(f"this kernel imported advai from {package}, not from the checkout {checkout} that "
                           "the batch command runs; another copy is first on sys.path")
    return str(package)


def update_json(path, change: Callable[[dict], None]) -> None:
    """Apply ``change`` to the dict stored in the JSON file ``path``, under a file lock, atomically.

    A missing file starts empty; a damaged one (not a JSON object) is renamed ``<name>.damaged``
    with a warning and starts empty, so one bad file never stops a run.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(path):
        data = {}
        if path.exists():
            try:
                data = json.loads(path.read_text())
                if not isinstance(data, dict):
                    raise ValueError(f"holds a {type(data).__name__}, not an object")
            except ValueError as exc:
                damaged = path.with_name(path.name + ".damaged")
                path.replace(damaged)
                warnings.warn(f"{path} was damaged ({exc}); kept as {damaged.name} and started afresh", stacklevel=2)
                data = {}
        change(data)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


def record_timings(out_dir, notebook: str, key: str, value) -> None:
    """Set ``timings[notebook][key] = value`` in ``<out_dir>/timings.json`` (seconds; not a result table)."""
    update_json(Path(out_dir) / "timings.json", lambda t: t.setdefault(notebook, {}).__setitem__(key, value))


def timings_markdown(timings: dict) -> str:
    """A Markdown table of each notebook's last wall time from a ``timings.json`` mapping, with
    how many models that run trained and how many it read back from the run cache (so a time
    measured with a warm cache is not mistaken for one from scratch)."""
    lines = ["| notebook | wall time of its last run | models trained | models read back |",
             "| --- | --- | --- | --- |"]
    for name in sorted(timings):
        t = timings[name]
        if "notebook_s" in t:
            minutes, seconds = divmod(round(float(t["notebook_s"])), 60)
            lines.append(f"| {name} | {minutes} min {seconds} s | {t.get('models trained', '?')} | "
                         f"{t.get('models read back', '?')} |")
    return "\n".join(lines) + "\n"


def _environment(record: dict) -> str:
    """The provenance table's reading of a manifest entry's ``numerics`` record."""
    mode = record.get("mode", "not recorded")
    if mode == "pinned" and record.get("openblas") != [openblas.CORETYPE]:
        return "pinned except OpenBLAS"
    return mode


def provenance_markdown(manifest: dict) -> str:
    """A Markdown table of what made each notebook's or script's files in a ``manifest.json``
    mapping: the commit, the numeric environment and the CPU, with how many files each made. The
    environment reads ``pinned`` (torch's kernels by :mod:`advai.numerics`, NumPy's and SciPy's
    OpenBLAS by :mod:`advai.openblas`), ``pinned except OpenBLAS`` (entries written before the
    OpenBLAS pin, or by a process that imported NumPy first), ``native``, or ``not recorded``
    (entries written before the manifest recorded the environment: each library's own kernels)."""
    made: dict = {}
    for entry in manifest.values():
        numerics = entry.get("numerics") or {}
        commit = entry.get("commit", "unknown")
        key = (entry.get("notebook", "?"), commit.split("+")[0][:8] + ("+dirty" if commit.endswith("+dirty") else ""),
               _environment(numerics), numerics.get("cpu", "not recorded"))
        made[key] = made.get(key, 0) + 1
    lines = ["| notebook or script | commit | numeric environment | CPU | files |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {name} | {commit} | {mode} | {cpu} | {n} |" for (name, commit, mode, cpu), n in sorted(made.items())]
    return "\n".join(lines) + "\n"


FIGURE_FORMATS = ("png", "pdf")


def figure_formats() -> tuple[str, ...]:
    """The formats :meth:`Run.savefig` writes: ``$ADVAI_FIGURE_FORMATS`` (comma-separated, from
    :data:`FIGURE_FORMATS`), default both. The tests set ``png``: a PDF is the same drawing through
    matplotlib's PDF backend, and each format lays the figure out twice more (profiled: the
    layout passes, not the files, are most of a quick run's figure time)."""
    value = os.environ.get("ADVAI_FIGURE_FORMATS", "").strip()
    if not value:
        return FIGURE_FORMATS
    formats = tuple(f.strip() for f in value.split(","))
    for fmt in formats:
        check_choice("ADVAI_FIGURE_FORMATS", fmt, FIGURE_FORMATS)
    return tuple(dict.fromkeys(formats))


def write_summaries(folder) -> None:
    """``timings.md`` and ``provenance.md`` in ``folder``, from its ``timings.json`` and ``manifest.json``."""
    folder = Path(folder)
    for name, source, render in (("timings", "timings.json", timings_markdown),
                                 ("provenance", "manifest.json", provenance_markdown)):
        data = json.loads((folder / source).read_text()) if (folder / source).is_file() else {}
        with atomic_path(folder / f"{name}.md") as tmp:
            tmp.write_text(render(data))


class Run:
    """One notebook execution: knows its name, parameters and output folder."""

    def __init__(self, notebook: str, profile: str, seed: int, params: dict | None = None, out_dir=None):
        self.notebook, self.profile, self.seed = notebook, profile, check_seed(seed)
        self.params = dict(params or {})
        self.out = figures_dir(out_dir)
        self._versions = package_versions()
        self._commit = git_commit()
        self._numerics = {**numerics.describe(), "openblas": sorted(set(openblas.kernels().values()))}
        self._package = package_origin()
        self._runs_before = len(runs_used())

    def _record(self, files):
        entry = {"notebook": self.notebook, "profile": self.profile, "seed": self.seed, "parameters": self.params,
                 "packages": self._versions, "commit": self._commit, "numerics": self._numerics,
                 "advai": self._package, "models": runs_used()[self._runs_before:]}
        update_json(self.out / "manifest.json", lambda entries: entries.update({Path(f).name: entry for f in files}))

    def savefig(self, fig, name: str, dpi: int = plotting.SAVE_DPI):
        """Save ``fig`` in each of :func:`figure_formats` (``<name>.png`` at ``dpi``, at least
        :data:`plotting.SAVE_DPI`; ``<name>.pdf``) after :func:`plotting.check_figure` has passed
        it; returns the paths."""
        if dpi < plotting.SAVE_DPI:
            raise ValueError(f"dpi={dpi}: the study saves figures at {plotting.SAVE_DPI} dpi or more")
        plotting.check_figure(fig)
        paths = []
        for fmt in figure_formats():
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

    def finish_script(self, seconds: float, refresh_readme: bool) -> None:
        """End of a script run outside ``make figures`` (``scripts/``): record its wall time and the
        models it trained or read back in ``timings.json`` (rewriting ``timings.md`` and
        ``provenance.md``), and, when it wrote
        into the study's ``figures/`` (``refresh_readme``), refresh the README's quoted tables."""
        self.save_timings("notebook_s", round(float(seconds), 1))
        mine = runs_used()[self._runs_before:]
        for key, status in (("models trained", "trained"), ("models read back", "read back")):
            self.save_timings(key, sum(r["status"].startswith(status) for r in mine))
        write_summaries(self.out)
        if refresh_readme and (project_root() / "README.md").is_file():
            from .readme import quote_pages
            quote_pages(project_root(), self.out)

    def save_table(self, df, name: str, float_format: str = "%.4g"):
        """Save a pandas DataFrame as ``<name>.csv`` and ``<name>.md``; returns the paths."""
        csv, md = self.out / f"{name}.csv", self.out / f"{name}.md"
        with atomic_path(csv) as tmp:
            df.to_csv(tmp, index=False, float_format=float_format)
        with atomic_path(md) as tmp:
            tmp.write_text(df.to_markdown(index=False, floatfmt=float_format.lstrip("%")) + "\n")
        self._record([csv, md])
        return [csv, md]
