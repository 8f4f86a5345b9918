"""The README and the docs pages quote results, they never type them.

A whole table sits in a block

    <!-- table: NAME -->
    ...the exact text of figures/NAME.md...
    <!-- /table -->

and a single number in a sentence in an inline quote of one cell of ``figures/NAME.csv``,

    <!-- value: NAME | column=value; column=value | COLUMN -->the cell's text<!-- /value -->

(the row is the one whose columns have those values; exactly one must match). :func:`quote`
refreshes both from the figures folder for one page, :func:`quote_pages` for the README and every
``docs/*.md``; the batch command and the scripts call it after a committed run, so the pages always
show what the notebooks last wrote. ``tests/test_readme_tables.py`` fails when a block or a value
differs from its file, and when a decimal number appears on a page outside them (typed by hand).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

BLOCK = re.compile(r"(?P<open><!-- table: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(?P<close><!-- /table -->)", re.S)
VALUE = re.compile(r"(?P<open><!-- value: (?P<name>[\w.-]+) \| (?P<row>[^|]*?) \| (?P<column>[^|]*?) -->)"
                   r"(?P<body>[^<]*?)(?P<close><!-- /value -->)")


def pages(root: Path) -> list[Path]:
    """The pages that quote results: ``README.md`` and every ``docs/*.md`` of the checkout ``root``."""
    root = Path(root)
    return [p for p in [root / "README.md", *sorted((root / "docs").glob("*.md"))] if p.is_file()]


def blocks(text: str) -> list[tuple[str, str]]:
    """``(name, body)`` of every quoted table of ``text``, in order."""
    return [(m["name"], m["body"]) for m in BLOCK.finditer(text)]


def values(text: str) -> list[tuple[str, str, str, str]]:
    """``(name, row, column, body)`` of every quoted value of ``text``, in order."""
    return [(m["name"], m["row"], m["column"], m["body"]) for m in VALUE.finditer(text)]


def outside_blocks(text: str) -> str:
    """``text`` with the bodies of its quoted tables and values removed (what a person typed)."""
    text = BLOCK.sub(lambda m: m["open"] + m["close"], text)
    return VALUE.sub(lambda m: m["open"] + m["close"], text)


def cell(figures: Path, name: str, row: str, column: str) -> str:
    """The text of one cell of ``figures/NAME.csv``: the row whose columns hold the values in
    ``row`` (``"prior=ring; budget=paper"``; split at the last ``=``, so a column name may hold one), the column ``column``; ``ValueError`` unless exactly
    one row matches and the column exists."""
    want = dict(part.rsplit("=", 1) for part in (p.strip() for p in row.split(";")) if part)
    with open(Path(figures) / f"{name}.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if all(r.get(k.strip()) == v.strip() for k, v in want.items())]
    if len(rows) != 1 or column not in rows[0]:
        raise ValueError(f"{name}.csv: {len(rows)} rows match {row!r}" if len(rows) != 1
                         else f"{name}.csv has no column {column!r}")
    return rows[0][column]


def quote(page: Path, figures: Path) -> list[str]:
    """Refresh each quoted table and value of ``page`` from ``figures``. One whose file the figures
    folder lacks (its notebook has not run yet) is left as it is; returns the names of those, so the
    caller can say so (the page test fails on them)."""
    text, missing = page.read_text(), []

    def table(m):
        path = figures / f"{m['name']}.md"
        if not path.is_file():
            missing.append(m["name"])
            return m[0]
        return m["open"] + path.read_text() + m["close"]

    def value(m):
        if not (figures / f"{m['name']}.csv").is_file():
            missing.append(m["name"])
            return m[0]
        return m["open"] + cell(figures, m["name"], m["row"], m["column"]) + m["close"]

    new = VALUE.sub(value, BLOCK.sub(table, text))
    if new != text:
        page.write_text(new)
    return missing


def quote_pages(root: Path, figures: Path) -> list[str]:
    """:func:`quote` for every page of :func:`pages`; the names left as they were, each once."""
    missing = []
    for page in pages(root):
        missing += [m for m in quote(page, figures) if m not in missing]
    return missing
