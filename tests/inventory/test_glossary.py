from pathlib import Path

from estimator.inventory.schema import HOST_COLUMNS, VM_COLUMNS, glossary_markdown

GLOSSARY = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"
REGENERATE = (
    "docs/glossary.md is out of date; regenerate it with: python -c \"from pathlib import Path; "
    "from estimator.inventory.schema import glossary_markdown; "
    "Path('docs/glossary.md').write_text(glossary_markdown(), encoding='utf-8')\""
)


def test_glossary_is_up_to_date() -> None:
    assert GLOSSARY.read_text(encoding="utf-8") == glossary_markdown(), REGENERATE


def test_glossary_lists_every_column() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    for column in VM_COLUMNS + HOST_COLUMNS:
        assert f"| `{column}` |" in text
