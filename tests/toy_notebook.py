"""A toy notebook for the batch driver's tests (test_study.py, test_untrusted_files.py)."""
import nbformat


def toy_notebook(folder):
    """``folder/99_toy.ipynb``: a markdown cell, the parameters cell (``fail = False``), a cell that
    writes a table, a figure and a timing through :class:`advai.study.outputs.Run`, and a last cell
    (the file's 4th, counted from 1) that fails when the parameter says so."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("A toy notebook."),
        nbformat.v4.new_code_cell("fail = False", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nimport pandas as pd\n"
            "from advai.study.outputs import Run\n"
            "run = Run('99_toy', 'quick', 0)\n"
            "run.save_table(pd.DataFrame({'a': [1.0, 2.0]}), 'tab-toy')\n"
            "fig, ax = plt.subplots()\nax.plot([0, 1])\nax.set(xlabel='x', ylabel='y')\nrun.savefig(fig, 'fig-toy')\n"
            "run.save_timings('fit_s', {'toy': 0.1})"),
        nbformat.v4.new_code_cell("assert not fail, 'failed on purpose, after writing its outputs'"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "99_toy.ipynb"
    nbformat.write(nb, path)
    return path
