"""Builds notebooks/05_autoencoder_budget.ipynb (sources only; executed by the driver)."""
import sys
import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
cells = []
cells.append(md(open(__import__("pathlib").Path(__file__).with_name("intro.md")).read()))
p = code('profile = None  # None: $ADVAI_PROFILE or "paper"; both read the committed tables\n'
         'seed = 0\n'
         'figures_dir = None  # None: $ADVAI_FIGURES_DIR or <repo>/figures (where the verdicts table goes)\n'
         'device = None  # unused: this notebook trains nothing')
p.metadata["tags"] = ["parameters"]
cells.append(p)
for part in open(__import__("pathlib").Path(__file__).with_name("body.txt")).read().split("\n%%%\n"):
    kind, _, text = part.partition("\n")
    cells.append(md(text.strip("\n")) if kind.strip() == "md" else code(text.strip("\n")))
nb = nbf.v4.new_notebook(cells=cells)
nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
               "language_info": {"name": "python", "version": "3.11.7"}}
nbf.write(nb, sys.argv[1])
