"""The README and the docs/ pages quote results verbatim from ``figures/`` between markers
(advai.study.readme): whole tables in blocks, single numbers in inline value quotes. So their
numbers cannot drift from what the notebooks wrote, and no page types a result by hand."""
import re
from pathlib import Path

import pytest

from advai.study import readme

ROOT = Path(__file__).resolve().parents[1]
PAGES = readme.pages(ROOT)
# Decimal numbers a person may type: versions, the DOI, the Python and torch pins, and the
# alpha of the interpolation formula's midpoint. Settings are written as code (`beta1=0.9`) and
# code spans are skipped; anything else with a decimal point is a result.
ALLOWED = re.compile(r"^(3\.11|2\.13\.0|10\.1109/MMUL\.2022\.3148991|0\.5|1\.0)$")


def test_the_pages_are_the_readme_and_the_docs():
    assert [p.relative_to(ROOT).as_posix() for p in PAGES][:1] == ["README.md"]
    assert {"docs/results.md", "docs/running.md"} <= {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert sum(len(readme.blocks(p.read_text())) for p in PAGES) >= 6, "the pages quote too few results"
    assert len(readme.values((ROOT / "README.md").read_text())) >= 10, "the README's findings quote too few numbers"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_quoted_table_and_value_is_what_the_notebooks_wrote(page):
    text = page.read_text()
    for name, body in readme.blocks(text):
        assert body == (ROOT / "figures" / f"{name}.md").read_text(), \
            f"{page.name}'s copy of figures/{name}.md differs from the file: run scripts/quote_tables.py"
    for name, row, column, body in readme.values(text):
        assert body == readme.cell(ROOT / "figures", name, row, column), \
            f"{page.name} quotes {name} [{row}] {column} as {body!r}: run scripts/quote_tables.py"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_types_a_result_by_hand(page):
    prose = re.sub(r"```.*?```|`[^`\n]*`", "", readme.outside_blocks(page.read_text()), flags=re.S)  # code is not a result
    typed = [n for n in re.findall(r"(?<![\w.])\d[\d,]*\.\d+(?:\.\d+)*(?:/[\w.]+)*", prose) if not ALLOWED.match(n)]
    assert not typed, f"decimal numbers typed into {page.name} outside quoted blocks: {typed}"


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


def test_a_value_quote_refreshes_one_cell_chosen_by_its_row(tmp_path):
    (tmp_path / "t.csv").write_text("prior,alpha = 0.5,x\nring,a,0.25\nring,b,0.75\ndisc,a,1.5\n")
    doc = tmp_path / "README.md"
    doc.write_text("ring b: <!-- value: t | prior=ring; alpha = 0.5=b | x -->0.7<!-- /value -->.\n")
    assert readme.quote(doc, tmp_path) == []
    assert doc.read_text() == "ring b: <!-- value: t | prior=ring; alpha = 0.5=b | x -->0.75<!-- /value -->.\n"
    assert readme.values(doc.read_text()) == [("t", "prior=ring; alpha = 0.5=b", "x", "0.75")]
    assert "0.75" not in readme.outside_blocks(doc.read_text())
    for row, column in (("prior=ring", "x"), ("prior=moon", "x"), ("prior=disc", "y")):
        with pytest.raises(ValueError):
            readme.cell(tmp_path, "t", row, column)
