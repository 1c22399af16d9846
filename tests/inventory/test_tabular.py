import time
import zipfile
from pathlib import Path

import pytest
from shared_data import write_xlsx

from estimator.errors import InputError
from estimator.inventory.tabular import Limits, load_tables, sniff_delimiter


def test_xlsx_header_is_first_nonblank_row_and_blank_rows_are_dropped(tmp_path: Path) -> None:
    rows = [[None, None], [None, None], ["VM", "CPUs"], ["a", 2], [None, None], ["b", 4.0]]
    path = write_xlsx(tmp_path / "inv.xlsx", {"vInfo": rows}, formatted_blank_rows=500)
    [t] = load_tables(path)
    assert t.sheet == "vInfo" and t.file == "inv.xlsx"
    assert t.header_row == 3
    assert list(t.frame.columns) == ["VM", "CPUs"]
    assert t.frame["VM"].tolist() == ["a", "b"]
    assert t.frame["CPUs"].dtype == "float64"
    # The blank row between a and b is counted and row numbers stay true to the sheet.
    assert t.blank_rows == 1
    assert t.row_numbers().tolist() == [4, 6]


def test_placeholder_text_keeps_column_mixed(tmp_path: Path) -> None:
    rows = [["VM", "CPUs", "Note"], ["a", 2, " x "], ["b", "placeholder", "  "]]
    [t] = load_tables(write_xlsx(tmp_path / "m.xlsx", {"S": rows}))
    assert t.frame["CPUs"].tolist() == [2, "placeholder"]
    assert t.frame["Note"].iloc[0] == "x"
    assert t.frame["Note"].isna().iloc[1]  # whitespace-only is blank


def test_repeated_and_blank_headers_are_named(tmp_path: Path) -> None:
    rows = [["VM", "vm", None, "X"], ["a", "b", "c", None]]
    [t] = load_tables(write_xlsx(tmp_path / "h.xlsx", {"S": rows}))
    assert list(t.frame.columns) == ["VM", "vm (2)", "Unnamed 3", "X"]


def test_formatting_only_columns_are_dropped(tmp_path: Path) -> None:
    rows = [["VM", None], ["a", None]]
    [t] = load_tables(write_xlsx(tmp_path / "f.xlsx", {"S": rows}))
    assert list(t.frame.columns) == ["VM"]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "name;owner;vcpu\nweb-01;Müller;4\n"
    path = tmp_path / "inv.csv"
    path.write_bytes(prefix + text.encode(encoding))
    [t] = load_tables(path)
    assert t.sheet is None
    assert list(t.frame.columns) == ["name", "owner", "vcpu"]
    assert t.frame["owner"].iloc[0] == "Müller"
    assert t.frame["vcpu"].iloc[0] == 4.0


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_csv_delimiters(tmp_path: Path, delim: str) -> None:
    lines = [delim.join(["name", "ram (GB)", "os"]), delim.join(["a", "0,5", '"Windows, 2019"'])]
    if delim == ",":
        lines[1] = 'a,"0,5","Windows, 2019"'
    path = tmp_path / "x.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [t] = load_tables(path)
    assert list(t.frame.columns) == ["name", "ram (GB)", "os"]
    assert t.frame["ram (GB)"].iloc[0] == "0,5"  # decimal commas are left to the readers
    assert t.frame["os"].iloc[0] == "Windows, 2019"


def test_sniff_prefers_consistent_split() -> None:
    assert sniff_delimiter(["a;b;c", "1;2,5;3", "4;5,5;6"]) == ";"
    assert sniff_delimiter(["a,b", "1,2"]) == ","


def test_xlsx_renamed_csv_is_read_as_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "inv.xlsx", {"vInfo": [["VM"], ["a"]]})
    renamed = tmp_path / "inv.csv"
    renamed.write_bytes(path.read_bytes())
    [t] = load_tables(renamed)
    assert t.sheet == "vInfo"


def test_rvtools_csv_folder(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "RVTools_tabvInfo.csv").write_bytes(b"\xef\xbb\xbfVM,CPUs\nweb,2\n")
    (folder / "RVTools_tabvHost.csv").write_text("Host,# Cores\nesx1,32\n", encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    tables = load_tables(folder)
    assert sorted(t.sheet for t in tables) == ["vHost", "vInfo"]
    assert {t.file for t in tables} == {"export"}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\n \n\n", "no data"), (bytes(range(256)) * 8, "binary"),
     (b"PK\x03\x04garbage-not-a-zip", "not a readable workbook")],
)
def test_bad_files_raise_input_error_naming_file(tmp_path: Path, content: bytes,
                                                 message: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        load_tables(path)
    assert info.value.file == "bad.xlsx"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_tables(tmp_path / "nope.csv")


def _xlsx_with_sheet_xml(path: Path, sheet_xml: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    xml = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + "]>"
           "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>"
           "</sheetData></worksheet>").encode()
    path = _xlsx_with_sheet_xml(tmp_path / "lol.xlsx", xml)
    start = time.perf_counter()
    with pytest.raises(InputError, match="DTD") as info:
        load_tables(path)
    assert time.perf_counter() - start < 1.0
    assert "sheet1.xml" in str(info.value)


def test_zip_bomb_is_refused_from_the_central_directory(tmp_path: Path) -> None:
    path = _xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", b"<worksheet>" + b" " * (12 * 2**20)
                                + b"</worksheet>")
    with pytest.raises(InputError, match="zip bomb"):
        load_tables(path)
    with pytest.raises(InputError, match="expand to"):
        load_tables(path, Limits(max_uncompressed_bytes=2**20))


def test_row_column_and_line_limits(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("name,vcpu\n" + "a,1\n" * 20, encoding="utf-8")
    with pytest.raises(InputError, match="row limit"):
        load_tables(path, Limits(max_rows=10))
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(30)) + "\n" + ",".join("1" * 30) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="column limit"):
        load_tables(wide, Limits(max_columns=20))
    with pytest.raises(InputError, match="characters long"):
        load_tables(wide, Limits(max_csv_line_chars=50))
    xlsx = write_xlsx(tmp_path / "big.xlsx", {"S": [["a"]] + [[i] for i in range(20)]})
    with pytest.raises(InputError, match="row limit") as info:
        load_tables(xlsx, Limits(max_rows=10))
    assert info.value.sheet == "S"
    with pytest.raises(InputError, match="above the 100 bytes limit"):
        load_tables(xlsx, Limits(max_file_bytes=100))


def test_input_file_is_not_modified(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "inv.xlsx", {"vInfo": [["VM", "CPUs"], ["a", 1]]},
                      formatted_blank_rows=10)
    before = path.read_bytes()
    load_tables(path)
    assert path.read_bytes() == before


def test_csv_title_line_above_header_and_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Server export 2024-05-01\n\nname,vcpu,ram\na,2,4\nb,4\n",
                    encoding="utf-8")
    [t] = load_tables(path)
    assert t.header_row == 3
    assert list(t.frame.columns) == ["name", "vcpu", "ram"]
    assert t.frame["ram"].isna().tolist() == [False, True]
    assert t.row_numbers().tolist() == [4, 5]


def test_dtd_hidden_behind_a_long_comment_is_refused(tmp_path: Path) -> None:
    xml = (b'<?xml version="1.0"?><!-- <a ' + b"x" * 70_000 + b' --><!DOCTYPE w [<!ENTITY e "e">]>'
           b"<worksheet/>")
    with pytest.raises(InputError, match="no root element within its first 64 KiB"):
        load_tables(_xlsx_with_sheet_xml(tmp_path / "hidden.xlsx", xml))


def test_forged_dimension_is_refused_before_calamine_reserves_it(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "dim.xlsx", {"vInfo": [["VM"], ["a"]]})
    forged = tmp_path / "forged.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:A2" />',
                                    b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in data
            dst.writestr(info, data)
    with pytest.raises(InputError, match=r"a cell at XFD1048576 \(column 16384\) is beyond "
                       "the 2000 column limit") as info:
        load_tables(forged)
    assert info.value.sheet == "vInfo"
    assert "max_columns" in str(info.value)
    with pytest.raises(InputError, match=r"\(row 1048576\) is beyond the 1000 row limit"):
        load_tables(forged, Limits(max_columns=20_000, max_rows=1000))
