"""Regenerate every generated file under docs/ (tests fail when one is out of date).

Run from the project root: `python scripts/gen_docs.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from estimator.assumptions import docs_markdown, methodology_markdown
from estimator.assumptions.render import METHODOLOGY_BEGIN, METHODOLOGY_END
from estimator.inventory.schema import glossary_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _write(name: str, text: str) -> None:
    path = DOCS / name
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        print(f"updated {path.relative_to(DOCS.parent)}")


def main() -> None:
    _write("assumptions.md", docs_markdown())
    _write("glossary.md", glossary_markdown() if glossary_markdown().endswith("\n")
           else glossary_markdown() + "\n")
    methodology = (DOCS / "methodology.md").read_text(encoding="utf-8")
    start = methodology.index(METHODOLOGY_BEGIN)
    end = methodology.index(METHODOLOGY_END) + len(METHODOLOGY_END) + 1
    _write("methodology.md", methodology[:start] + methodology_markdown() + methodology[end:])
    from estimator.cli._docs import cli_markdown

    _write("cli.md", cli_markdown())
    sys.path.insert(0, str(Path(__file__).parent))
    import worked_example

    if worked_example.update(DOCS / "methodology.md"):
        print("updated docs/methodology.md (worked examples)")


if __name__ == "__main__":
    main()
