from pathlib import Path

import pytest

from estimator.errors import InputError
from estimator.inventory.overrides import load_overrides


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_and_types_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,vCenter,Exclude,Fit Level,replicas,environment\n"
                           "sql01,,yes,,,\nweb01,vc1,,Needs Work,3,prod\n")
    ov = load_overrides(path)
    assert ov["name"].tolist() == ["sql01", "web01"]
    assert ov["exclude"].tolist()[0] is True and ov["exclude"].isna().tolist() == [False, True]
    assert ov["fit_level"].tolist()[1] == "needs_work"
    assert ov["replicas"].tolist()[1] == 3.0
    assert ov["vcenter"].isna().tolist() == [True, False]
    assert ov["security_zone"].isna().all()
    assert ov["source_row"].tolist() == [2, 3]


@pytest.mark.parametrize(("text", "message", "row", "column"), [
    ("name,colour\na,red\n", "unknown column 'colour'", 1, None),
    ("vcenter\nvc1\n", "required column 'name'", 1, None),
    ("name,exclude\na,maybe\n", "exclude must be true or false, got 'maybe'", 2, "exclude"),
    ("name,fit_level\na,great\n", "fit_level must be one of", 2, "fit_level"),
    ("name,replicas\na,1\nb,0.5\n", "replicas must be a whole number", 3, "replicas"),
    ("name,vcenter\na,vc1\nA,VC1\n", "appears twice", 3, "name"),
    ("name,exclude\n,true\n", "every row needs a VM name", 2, "name"),
])
def test_errors_name_row_and_column(tmp_path: Path, text: str, message: str, row: int,
                                    column: str | None) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_overrides(write(tmp_path, text))
    assert info.value.file == "overrides.csv"
    assert info.value.row == row
    assert info.value.column == column


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_overrides(tmp_path / "none.csv")
