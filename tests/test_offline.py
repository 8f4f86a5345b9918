"""The study reads offline and stands on its own (issue 42, item 6): no image in the README, the
docs or a notebook loads from the network, no page cites a path outside the repository as if a
reader had it, and scripts/reading_time.py measures what the reading budgets are about."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NETWORK_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(?:https?:)?//|<img[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//", re.I)
OUTSIDE = re.compile(r"(?<![\w/.])(?:\.\./)?shared/reference\b|(?<![\w.])\.\./\.\./")


def pages() -> dict:
    """Every text a reader reads: README, data/README, docs/*.md and each notebook's markdown."""
    found = {p.relative_to(ROOT).as_posix(): p.read_text()
             for p in [ROOT / "README.md", ROOT / "data" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
             if p.is_file()}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        found[path.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return found


def test_no_image_loads_from_the_network():
    for name, text in pages().items():
        assert not NETWORK_IMAGE.findall(text), f"{name} shows an image from the network: cite it with a link instead"


def test_no_page_cites_a_path_outside_the_repository():
    for name, text in pages().items():
        assert not OUTSIDE.findall(text), f"{name} cites a path outside the repository"


@pytest.mark.parametrize("text, found", [
    ("![fig](https://example.org/a.png)", True), ("![fig]( //example.org/a.png)", True),
    ('<img src="http://example.org/a.png">', True), ("![fig](../figures/fig5.png)", False),
    ("[the paper's figure](https://example.org/a.png)", False)])
def test_the_network_image_check_can_fail(text, found):
    assert bool(NETWORK_IMAGE.findall(text)) == found


def test_the_reading_time_script_reports_the_readme_and_every_notebook():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "reading_time.py")], capture_output=True, text=True,
                         check=True).stdout
    assert re.search(r"README\.md: [\d,]+ words, \d+ lines", out)
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        assert re.search(re.escape(path.name) + r"\s+[\d,]+\s+[\d,]+\s+\d+ ln\s+[\d.]+", out), path.name


def test_reading_time_counts_markdown_and_printed_words_at_200_a_minute():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import reading_time
    finally:
        sys.path.pop(0)
    cell = {"cell_type": "code", "outputs": [{"output_type": "stream", "text": ["one two\n"]},
                                             {"output_type": "display_data", "data": {"image/png": "x", "text/plain": "<Figure>"}}]}
    assert reading_time.printed_text(cell) == "one two\n"
    assert reading_time.words("A 3x200 net's share: 0.5%, d = 64.") == 7
