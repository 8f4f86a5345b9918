"""The batch command: run every notebook in order through papermill.

    python -m advai.study [--profile paper|quick] [--seed 0] [--only 01,02] [--recompute]

The default run (profile ``paper``, seed 0) is the study itself: executed notebooks
replace the committed tutorials in ``notebooks/`` (cleaned of timings and progress noise)
and figures/tables go to ``figures/`` with ``figures/manifest.json``. Any other profile or
seed writes to ``build/<profile>-seed<seed>/{notebooks,figures}`` and leaves the committed
results alone. A notebook that fails leaves the committed copy untouched.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm

from .outputs import REPO, atomic_path
from .profiles import PROFILE_NAMES

NOTEBOOKS = REPO / "notebooks"


def notebook_paths(only=None):
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only:
        keys = [k.strip() for k in only.split(",") if k.strip()]
        paths = [p for p in paths if any(p.name.startswith(k) for k in keys)]
        if not paths:
            raise SystemExit(f"--only {only!r} matches no notebook in {NOTEBOOKS}")
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

    default = args.profile == "paper" and args.seed == 0
    env = {k: v for k, v in os.environ.items() if k not in ("ADVAI_PROFILE", "ADVAI_FIGURES_DIR")}
    if default:
        nb_out, params = NOTEBOOKS, {}
    else:
        base = REPO / "build" / f"{args.profile}-seed{args.seed}"
        nb_out = base / "notebooks"
        env["ADVAI_FIGURES_DIR"] = str(base / "figures")
        params = {"profile": args.profile, "seed": args.seed}
    if args.recompute:
        env["ADVAI_RECOMPUTE"] = "1"
    os.environ.clear()
    os.environ.update(env)  # the kernels inherit this environment

    timings = {}
    for path in notebook_paths(args.only):
        print(f"[advai] {path.name}: profile={args.profile} seed={args.seed}", flush=True)
        t0 = time.time()
        scratch = REPO / "build" / "executed" / f"{args.profile}-seed{args.seed}" / path.name
        scratch.parent.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(str(path), str(scratch), parameters=params, cwd=str(NOTEBOOKS),
                            kernel_name="python3", progress_bar=False)
        clean_notebook(scratch)
        with atomic_path(nb_out / path.name) as tmp:
            shutil.copyfile(scratch, tmp)
        timings[path.name] = round(time.time() - t0, 1)
        print(f"[advai] {path.name}: done in {timings[path.name]:.0f} s", flush=True)
    out = REPO / "build" / f"timings-{args.profile}-seed{args.seed}.json"
    out.write_text(json.dumps(timings, indent=1) + "\n")
    print(f"[advai] total {sum(timings.values()):.0f} s; timings in {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
