"""The README quotes result tables verbatim between markers, so its numbers cannot drift from
what the notebooks wrote: ``<!-- table: NAME -->`` ... ``<!-- /table -->`` must hold exactly
``figures/NAME.md``."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"<!-- table: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /table -->", re.S)


def test_every_quoted_table_is_the_table_the_notebooks_wrote():
    blocks = list(BLOCK.finditer((ROOT / "README.md").read_text()))
    assert blocks, "the README quotes no result table"
    for b in blocks:
        written = (ROOT / "figures" / f"{b['name']}.md").read_text()
        assert b["body"] == written, f"README's copy of figures/{b['name']}.md differs from the file"


def test_the_quote_check_catches_an_edited_number(tmp_path):
    text = "<!-- table: t -->\n| a |\n|---|\n| 0.5 |\n<!-- /table -->"
    (m,) = BLOCK.finditer(text)
    assert m["name"] == "t" and m["body"] != "| a |\n|---|\n| 0.4 |\n"
