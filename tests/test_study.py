"""The batch driver: notebook discovery and cleaning of executed notebooks."""
import nbformat
import pytest

from advai.study import driver as study


def test_notebooks_are_ordered_and_parameterized():
    paths = study.notebook_paths()
    assert paths and [p.name for p in paths] == sorted(p.name for p in paths)
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, p.name
        src = tagged[0].source
        assert "profile = None" in src and "seed = " in src
        assert nb.metadata["kernelspec"]["name"] == "python3"


def test_committed_notebooks_carry_outputs_without_noise():
    for p in study.notebook_paths():
        nb = nbformat.read(p, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        assert sum(bool(c.outputs) for c in code) >= len(code) // 2, f"{p.name} is not executed"
        assert "papermill" not in nb.metadata
        for c in code:
            assert not any(o.output_type == "error" for o in c.outputs), p.name
            text = str(c.outputs)
            assert "/root/" not in text and "/tmp/" not in text, f"machine path in {p.name}"


def test_only_filter_and_clean(tmp_path):
    assert study.notebook_paths("01")[0].name.startswith("01_")
    with pytest.raises(SystemExit, match="matches no notebook"):
        study.notebook_paths("99")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells[0].metadata["papermill"] = {"duration": 0.1}
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr", text="100%|###| 3/3\r"),
                           nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    study.clean_notebook(path)
    nb = nbformat.read(path, as_version=4)
    assert "papermill" not in nb.metadata and "papermill" not in nb.cells[0].metadata
    assert [o.name for o in nb.cells[0].outputs] == ["stdout"]
