"""The batch command: run every notebook in order through papermill.

    python -m advai.study [--profile paper|quick] [--seed 0] [--only 01,02] [--recompute]

The default run (profile ``paper``, seed 0) is the study itself: executed notebooks
replace the committed tutorials in ``notebooks/`` (cleaned of timings and progress noise)
and figures/tables go to ``figures/`` with ``figures/manifest.json``. Any other profile or
seed writes to ``build/<profile>-seed<seed>/{notebooks,figures}`` and leaves the committed
results alone; ``$ADVAI_FIGURES_DIR`` redirects the figures (and then the executed notebooks
go to ``build/`` too). A notebook that fails leaves the committed copy untouched.
``--recompute`` retrains every model instead of reading it back from the run cache.
Each notebook's wall time is recorded in ``<figures>/timings.json``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import nbformat
import papermill as pm

from ..files import atomic_path, project_root
from .outputs import record_timings
from .profiles import PROFILE_NAMES


def notebooks_dir() -> Path:
    folder = project_root() / "notebooks"
    if not folder.is_dir():
        raise SystemExit(f"no notebooks/ folder in {project_root()}: "
                         "run the batch command from a checkout of the study")
    return folder


def notebook_paths(only=None):
    folder = notebooks_dir()
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        keys = [k.strip() for k in only.split(",") if k.strip()]
        paths = [p for p in paths if any(p.name.startswith(k) for k in keys)]
        if not paths:
            raise SystemExit(f"--only {only!r} matches no notebook in {folder}")
    return paths


def clean_notebook(path: Path) -> None:
    """Drop machine-specific noise (timings, paths, progress bars on stderr) in place."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    nbformat.write(nb, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="paper", choices=PROFILE_NAMES)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="comma-separated notebook prefixes, e.g. 01,02")
    ap.add_argument("--recompute", action="store_true", help="retrain cached models instead of reusing them")
    args = ap.parse_args(argv)

    root, folder = project_root(), notebooks_dir()
    base = root / "build" / f"{args.profile}-seed{args.seed}"
    committed = args.profile == "paper" and args.seed == 0 and not os.environ.get("ADVAI_FIGURES_DIR")
    figures = root / "figures" if committed else Path(os.environ.get("ADVAI_FIGURES_DIR") or base / "figures")
    nb_out = folder if committed else base / "notebooks"
    params = {} if args.profile == "paper" and args.seed == 0 else {"profile": args.profile, "seed": args.seed}
    env = {k: v for k, v in os.environ.items() if k != "ADVAI_PROFILE"}
    env["ADVAI_FIGURES_DIR"] = str(figures)
    if args.recompute:
        env["ADVAI_RECOMPUTE"] = "1"  # read once, by advai.study.setup in each notebook's kernel
    os.environ.clear()
    os.environ.update(env)  # the kernels inherit this environment

    total = 0.0
    for path in notebook_paths(args.only):
        print(f"[advai] {path.name}: profile={args.profile} seed={args.seed}", flush=True)
        t0 = time.time()
        scratch = root / "build" / "executed" / f"{args.profile}-seed{args.seed}" / path.name
        scratch.parent.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(str(path), str(scratch), parameters=params, cwd=str(folder),
                            kernel_name="python3", progress_bar=False)
        clean_notebook(scratch)
        with atomic_path(nb_out / path.name) as tmp:
            shutil.copyfile(scratch, tmp)
        seconds = round(time.time() - t0, 1)
        total += seconds
        record_timings(figures, path.stem, "notebook_s", seconds)
        print(f"[advai] {path.name}: done in {seconds:.0f} s", flush=True)
    print(f"[advai] total {total:.0f} s; timings in {figures / 'timings.json'}")
    return 0
