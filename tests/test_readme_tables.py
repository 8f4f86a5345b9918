"""The README quotes results verbatim from ``figures/`` between markers (advai.study.readme), so
its numbers cannot drift from what the notebooks wrote, and it types no result by hand."""
import re
from pathlib import Path

from advai.study import readme

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# Decimal numbers a person may type: versions, the DOI, the Python and torch pins, and the
# alpha of the interpolation formula's midpoint. Settings are written as code (`beta1=0.9`) and
# code spans are skipped; anything else with a decimal point is a result.
ALLOWED = re.compile(r"^(3\.11|2\.13\.0|10\.1109/MMUL\.2022\.3148991|0\.5|1\.0)$")


def test_every_quoted_table_is_the_table_the_notebooks_wrote():
    quoted = readme.blocks(README)
    assert len(quoted) >= 6, "the README quotes too few results"
    for name, body in quoted:
        assert body == (ROOT / "figures" / f"{name}.md").read_text(), \
            f"README's copy of figures/{name}.md differs from the file: run scripts/quote_tables.py"


def test_the_readme_types_no_result_by_hand():
    prose = re.sub(r"```.*?```|`[^`\n]*`", "", readme.outside_blocks(README), flags=re.S)  # code is not a result
    typed = [n for n in re.findall(r"(?<![\w.])\d[\d,]*\.\d+(?:\.\d+)*(?:/[\w.]+)*", prose) if not ALLOWED.match(n)]
    assert not typed, f"decimal numbers typed into README.md outside quoted blocks: {typed}"


def test_quote_refreshes_an_edited_number_and_leaves_a_missing_table(tmp_path):
    (tmp_path / "t.md").write_text("| a |\n|---|\n| 0.5 |\n")
    doc = tmp_path / "README.md"
    doc.write_text("intro 3\n<!-- table: t -->\n| a |\n|---|\n| 0.4 |\n<!-- /table -->\nend\n")
    assert readme.blocks(doc.read_text()) == [("t", "| a |\n|---|\n| 0.4 |\n")]
    assert readme.quote(doc, tmp_path) == [] and readme.blocks(doc.read_text()) == [("t", "| a |\n|---|\n| 0.5 |\n")]
    assert doc.read_text().startswith("intro 3\n") and doc.read_text().endswith("end\n")
    assert "0.5" not in readme.outside_blocks(doc.read_text())
    doc.write_text("<!-- table: gone -->\nold\n<!-- /table -->\n")
    assert readme.quote(doc, tmp_path) == ["gone"] and "old" in doc.read_text()  # named, left alone
