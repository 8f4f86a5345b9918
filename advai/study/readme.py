"""The README quotes results, it never types them.

Every result in README.md sits in a block

    <!-- table: NAME -->
    ...the exact text of figures/NAME.md...
    <!-- /table -->

which :func:`quote` refreshes from the figures folder; the batch command calls it after a
committed run, so the README always shows what the notebooks last wrote.
``tests/test_readme_tables.py`` fails when a block differs from its file, and when a decimal
number appears in the README outside such blocks (a number typed by hand).
"""
from __future__ import annotations

import re
from pathlib import Path

BLOCK = re.compile(r"(?P<open><!-- table: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(?P<close><!-- /table -->)", re.S)


def blocks(text: str) -> list[tuple[str, str]]:
    """``(name, body)`` of every quoted block of ``text``, in order."""
    return [(m["name"], m["body"]) for m in BLOCK.finditer(text)]


def outside_blocks(text: str) -> str:
    """``text`` with the bodies of its quoted blocks removed (what a person typed)."""
    return BLOCK.sub(lambda m: m["open"] + m["close"], text)


def quote(readme: Path, figures: Path) -> list[str]:
    """Replace each block's body in ``readme`` by ``figures/NAME.md``. A block whose file the
    figures folder lacks (its notebook has not run yet) is left as it is; returns the names of
    those, so the caller can say so (the README test fails on them)."""
    text, missing = readme.read_text(), []

    def body(m):
        path = figures / f"{m['name']}.md"
        if not path.is_file():
            missing.append(m["name"])
            return m[0]
        return m["open"] + path.read_text() + m["close"]

    new = BLOCK.sub(body, text)
    if new != text:
        readme.write_text(new)
    return missing
