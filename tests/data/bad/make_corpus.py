"""Build the hostile-input corpus in this folder: `python tests/data/bad/make_corpus.py`.

Every file is generated here so binary ones are reproducible byte for byte: workbooks are
assembled part by part with `zipfile` and a fixed timestamp (openpyxl would stamp the current
time into docProps), and "random" junk comes from a seeded generator. `expected.toml` next to
this script says what `estimator validate` must do with each file.

`legacy.xls` is the one input not generated here: LibreOffice's .xls of `dup_uuid_a.xlsx`
(`soffice --headless --convert-to xls`); the corrupt .xls files are derived from it byte by byte.

Big inputs are not committed: the 100 MB single-line CSV is made at test time
(`long_line_csv`), and the committed `long_line.csv` is just over the default line limit.
"""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
_STAMP = (2024, 1, 1, 0, 0, 0)

VINFO_HEADER = ["VM", "Powerstate", "Template", "CPUs", "Memory", "Provisioned MiB",
                "In Use MiB", "OS according to the configuration file", "Datacenter", "Cluster",
                "Host", "VM UUID", "VI SDK Server"]

FORMULA_NAMES = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)",
                 "\t=1+2", "\r=3+4")
SCRIPT_NAMES = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>{sheets}</Types>'
)
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def sheet_xml(rows: Sequence[Sequence[object]], *, prolog: str = "", dimension: str | None = None,
              extra_cells: str = "") -> str:
    """Worksheet XML with inline strings and numbers; `prolog` goes before the root element."""
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if v is None:
                continue
            if isinstance(v, int | float):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
            f'<worksheet {_NS}>{dim}<sheetData>{"".join(out)}{extra_cells}</sheetData>'
            '</worksheet>')


def xlsx_bytes_parts(sheets: dict[str, str]) -> dict[str, bytes]:
    """The parts of a minimal workbook whose sheets are the given worksheet XML strings."""
    names = list(sheets)
    wb = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>'
                 for i, n in enumerate(names, start=1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1))
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=i) for i in range(1, len(names) + 1))),
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                            f'<workbook {_NS}><sheets>{wb}</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
            f'http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            '</Relationships>'),
    }
    for i, n in enumerate(names, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheets[n]
    return {k: v.encode("utf-8") for k, v in parts.items()}


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    return write_zip(path, xlsx_bytes_parts({n: sheet_xml(rows) for n, rows in sheets.items()}))


def vinfo_row(i: int, name: str | None = None, cpus: object = 2, memory_mib: object = 4096,
              *, uuid: str | None = None, vcenter: str = "vc1.example.com") -> list[object]:
    return [name or f"vm{i:03d}", "poweredOn", "FALSE", cpus, memory_mib, 40960, 20480,
            "Ubuntu Linux (64-bit)", "DC1", "CL1", "esx01",
            uuid or f"4201{i:04d}-0000-0000-0000-000000000000", vcenter]


def generic_csv(rows: Sequence[Sequence[object]],
                header: Sequence[str] = ("Name", "vCPU", "Memory GB", "OS"),
                delim: str = ",") -> str:
    def cell(v: object) -> str:
        s = str(v)
        if any(ch in s for ch in (delim, '"', "\n", "\r")):
            s = '"' + s.replace('"', '""') + '"'
        return s

    lines = [delim.join(header)] + [delim.join(cell(v) for v in r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def _patch_central_sizes(data: bytes, claimed: int) -> bytes:
    """Make every central-directory entry claim `claimed` uncompressed bytes (a lying zip)."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) >= 0:
        out[pos + 24:pos + 28] = struct.pack("<I", claimed)
        pos += 46
    return bytes(out)


def long_line_csv(path: Path, chars: int) -> Path:
    """A CSV whose second line is one field of `chars` characters (no newline inside)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Name,vCPU,Memory GB\n")
        block = "x" * 65536
        left = chars
        while left > 0:
            fh.write(block[:min(left, len(block))])
            left -= len(block)
        fh.write(",2,4\n")
    return path


def build(out: Path = HERE) -> list[Path]:
    """Write every corpus file into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []

    def text(name: str, body: str, encoding: str = "utf-8") -> None:
        p = out / name
        p.write_bytes(body.encode(encoding))
        made.append(p)

    def raw(name: str, body: bytes) -> None:
        p = out / name
        p.write_bytes(body)
        made.append(p)

    rng = random.Random(20241127)
    good_rows = [[f"vm{i:03d}", 2, 8, "Ubuntu 22.04"] for i in range(1, 4)]

    # --- empty and not-a-spreadsheet ----------------------------------------------------
    raw("empty.csv", b"")
    raw("zero_byte.xlsx", b"")
    raw("blank_lines.csv", b"\r\n   \r\n\t\r\n")
    raw("random_junk.xlsx", bytes(rng.randrange(256) for _ in range(4096)))
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 1, 1)
           + b"\x08\x06\x00\x00\x00" + b"\x1f\x15\xc4\x89" + b"\x00" * 64)
    raw("picture.png.xlsx", png)
    raw("ole_junk.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256)
                                                                  for _ in range(2048)))
    with zipfile.ZipFile(out / "plain.zip.xlsx", "w") as zf:
        zf.writestr(zipfile.ZipInfo("readme.txt", date_time=_STAMP), "not a workbook\n")
    made.append(out / "plain.zip.xlsx")
    good = xlsx_bytes_parts({"vInfo": sheet_xml([VINFO_HEADER] + [vinfo_row(i)
                                                                   for i in range(1, 4)])})
    write_zip(out / "_tmp.xlsx", good)
    whole = (out / "_tmp.xlsx").read_bytes()
    (out / "_tmp.xlsx").unlink()
    raw("truncated.xlsx", whole[: len(whole) // 2])
    # The extension lies: a CSV named .xlsx is read as the CSV it is.
    text("csv_named.xlsx", generic_csv(good_rows))

    # --- XML attacks -------------------------------------------------------------------
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                        .replace("&lol0;", "&lol;") for i in range(1, 10))
              + "]>\n")
    parts = xlsx_bytes_parts({"vInfo": sheet_xml([VINFO_HEADER, vinfo_row(1, "&lol9;")],
                                                 prolog=laughs)})
    # The entity reference must reach the XML unescaped.
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"&amp;lol9;", b"&lol9;")
    write_zip(out / "billion_laughs.xlsx", parts)
    made.append(out / "billion_laughs.xlsx")
    xxe = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    parts = xlsx_bytes_parts({"vInfo": sheet_xml([VINFO_HEADER, vinfo_row(1, "&xxe;")],
                                                 prolog=xxe)})
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"&amp;xxe;", b"&xxe;")
    write_zip(out / "xxe.xlsx", parts)
    made.append(out / "xxe.xlsx")
    # The DTD hidden in the shared-strings-like workbook part, past a long comment.
    parts = dict(good)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"\n<workbook", b"\n<!--" + b" " * 5000 + b"-->\n<!DOCTYPE w [<!ENTITY a \"a\">]>\n"
        b"<workbook", 1)
    write_zip(out / "dtd_after_padding.xlsx", parts)
    made.append(out / "dtd_after_padding.xlsx")

    # --- resource exhaustion -----------------------------------------------------------
    # A real ratio bomb: 24 MiB of one repeated cell compresses to a few KiB.
    pad = '<c r="A{r}"><v>0</v></c>'
    parts = dict(good)
    body = "".join(f'<row r="{r}">{pad.format(r=r)}</row>' for r in range(5, 6)) + " " * (
        24 * 2**20)
    parts["xl/worksheets/sheet1.xml"] = sheet_xml(
        [VINFO_HEADER] + [vinfo_row(i) for i in range(1, 4)], extra_cells=body).encode()
    write_zip(out / "zip_bomb_ratio.xlsx", parts)
    made.append(out / "zip_bomb_ratio.xlsx")
    # A lying central directory: tiny parts that claim 4000 MiB each.
    write_zip(out / "_tmp.xlsx", good)
    raw("zip_bomb_claims.xlsx", _patch_central_sizes((out / "_tmp.xlsx").read_bytes(),
                                                     4000 * 2**20))
    (out / "_tmp.xlsx").unlink()
    # Absurd extent: one far cell stretches the sheet to 1,048,576 rows by 16,384 columns.
    write_zip(out / "huge_dimension.xlsx", xlsx_bytes_parts({"vInfo": sheet_xml(
        [VINFO_HEADER, vinfo_row(1)], dimension="A1:XFD1048576",
        extra_cells='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')}))
    made.append(out / "huge_dimension.xlsx")
    # The same far cell without a <dimension> element: only the cell references tell.
    write_zip(out / "far_cell_no_dimension.xlsx", xlsx_bytes_parts({"vInfo": sheet_xml(
        [VINFO_HEADER, vinfo_row(1)],
        extra_cells='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')}))
    made.append(out / "far_cell_no_dimension.xlsx")
    # A shared-strings table that claims four billion entries: a reader that reserves room
    # for them up front asks for ~96 GB.
    parts = xlsx_bytes_parts({"vInfo": sheet_xml([VINFO_HEADER, vinfo_row(1)])})
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
        b'uniqueCount="4000000000"><si><t>a</t></si></sst>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>")
    write_zip(out / "shared_strings_bomb.xlsx", parts)
    made.append(out / "shared_strings_bomb.xlsx")
    # OpenDocument: one row repeated a million times, one cell repeated 3,000 times.
    ods = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:'
        'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
        'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:'
        '1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name='
        '"vInfo"><table:table-row>' + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p>'
            '</table:table-cell>' for h in ("VM", "CPUs", "Memory"))
        + '</table:table-row><table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="3000" office:value-type="float" '
        'office:value="1"/></table:table-row></table:table></office:spreadsheet></office:body>'
        '</office:document-content>')
    write_zip(out / "ods_repeat_bomb.ods", {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "content.xml": ods.encode(),
        "META-INF/manifest.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            b'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path='
            b'"/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
            b'"text/xml"/></manifest:manifest>'),
    })
    made.append(out / "ods_repeat_bomb.ods")
    # Legacy .xls: corrupt a DIMENSIONS record (last row 2,952,790,020) and a cell's column.
    legacy = (HERE / "legacy.xls").read_bytes()
    at = legacy.find(b"\x00\x02\x0e\x00")  # DIMENSIONS
    raw("xls_dimensions_bomb.xls",
        legacy[:at + 8] + struct.pack("<I", 0xB0000004) + legacy[at + 12:])
    at = legacy.find(b"\xfd\x00\x0a\x00")  # the first LABELSST cell
    raw("xls_column_bomb.xls", legacy[:at + 6] + struct.pack("<H", 0xB90A) + legacy[at + 8:])
    # Rows x columns: 300 columns (under the column limit) by a million rows is 300M cells.
    write_zip(out / "huge_area.xlsx", xlsx_bytes_parts({"vInfo": sheet_xml(
        [VINFO_HEADER, vinfo_row(1)],
        extra_cells='<row r="1000000"><c r="KN1000000"><v>1</v></c></row>')}))
    made.append(out / "huge_area.xlsx")
    text("too_many_columns.csv", ",".join(f"c{i}" for i in range(2500)) + "\n"
         + ",".join("1" for _ in range(2500)) + "\n")
    # 200,000 delimiters on one line (under the line limit): parsed naively, 3,000 rows x
    # 200,001 columns is a 4.5 GiB object array.
    text("many_delimiters.csv", "Name,vCPU,Memory GB\n" + "".join(
        f"vm{i},2,4\n" for i in range(3000)) + "," * 200_000 + "\n")
    long_line_csv(out / "long_line.csv", 1_100_000)
    made.append(out / "long_line.csv")

    # --- structure ---------------------------------------------------------------------
    text("header_only.csv", "Name,vCPU,Memory GB,OS\r\n")
    write_xlsx(out / "vinfo_missing_columns.xlsx", {"vInfo": [
        ["VM", "Powerstate", "Template", "OS according to the configuration file"],
        ["vm001", "poweredOn", "FALSE", "Ubuntu Linux (64-bit)"]]})
    made.append(out / "vinfo_missing_columns.xlsx")
    text("unknown_headers.csv", "Foo,Bar,Baz\r\n1,2,3\r\n")
    text("text_numbers.csv", generic_csv([["vm001", "two", "eight GB", "Ubuntu"],
                                          ["vm002", "lots", "n/a", "Ubuntu"]]))
    text("duplicate_headers.csv", generic_csv(
        [["vm001", 2, 8, "Ubuntu", 64], ["vm002", 4, 16, "Ubuntu", 128]],
        header=("Name", "vCPU", "Memory GB", "OS", "vCPU")))
    text("unbalanced_quote.csv", 'Name,vCPU,Memory GB\r\n"vm001,2,8\r\nvm002,4,16\r\n')
    text("nul_bytes.csv", "Name,vCPU,Memory GB\r\nvm\x00001,2,8\r\n")

    # --- bad values: rejected rows, the rest kept --------------------------------------
    text("bad_values.csv", generic_csv([
        ["good01", 2, 8, "Ubuntu"],            # row 2
        ["neg-cpu", -2, 8, "Ubuntu"],          # row 3
        ["zero-cpu", 0, 8, "Ubuntu"],          # row 4
        ["nan-cpu", "NaN", 8, "Ubuntu"],       # row 5
        ["inf-cpu", "inf", 8, "Ubuntu"],       # row 6
        ["huge-cpu", 100000, 8, "Ubuntu"],     # row 7
        ["neg-mem", 2, -8, "Ubuntu"],          # row 8
        ["zero-mem", 2, 0, "Ubuntu"],          # row 9
        ["huge-mem", 2, 10**9, "Ubuntu"],      # row 10
        ["text-cpu", "four", 8, "Ubuntu"],     # row 11
        ["", 2, 8, "Ubuntu"],                  # row 12: no name
        ["good02", 4, 16, "Windows Server 2019"],  # row 13
    ]))
    write_xlsx(out / "bad_values_rvtools.xlsx", {"vInfo": [
        VINFO_HEADER,
        vinfo_row(1),
        vinfo_row(2, "neg", cpus=-1),
        vinfo_row(3, "nan", cpus=float("nan")),
        vinfo_row(4, "text", memory_mib="lots"),
        vinfo_row(5, "huge", memory_mib=10**12),
        vinfo_row(6),
    ]})
    made.append(out / "bad_values_rvtools.xlsx")

    # --- encodings ---------------------------------------------------------------------
    enc_rows = [["Müller-vm", 2, 8, "Ubuntu"], ["Señor€", 4, 16, "Ubuntu"]]
    text("utf16_bom.csv", "\ufeff" + generic_csv(enc_rows, delim="\t"), "utf-16-le")
    text("utf8_bom.csv", "\ufeff" + generic_csv(enc_rows, delim=";"))
    text("cp1252.csv", generic_csv(enc_rows), "cp1252")

    # --- injection ---------------------------------------------------------------------
    text("formula_names.csv", generic_csv([[n, 2, 8, "Ubuntu"] for n in FORMULA_NAMES]))
    text("script_names.csv", generic_csv(
        [[n, 2, 8, n] for n in SCRIPT_NAMES],
        header=("Name", "vCPU", "Memory GB", "OS")))
    write_xlsx(out / "hostile_rvtools.xlsx", {"vInfo": [VINFO_HEADER] + [
        vinfo_row(i, n) for i, n in enumerate(FORMULA_NAMES + SCRIPT_NAMES, start=1)]})
    made.append(out / "hostile_rvtools.xlsx")

    # --- several files: the same VM twice ----------------------------------------------
    write_xlsx(out / "dup_uuid_a.xlsx", {"vInfo": [VINFO_HEADER] + [vinfo_row(i)
                                                                    for i in range(1, 4)]})
    write_xlsx(out / "dup_uuid_b.xlsx", {"vInfo": [
        VINFO_HEADER, vinfo_row(3, "vm003-copy"), vinfo_row(4)]})
    made += [out / "dup_uuid_a.xlsx", out / "dup_uuid_b.xlsx"]

    # --- configuration files -----------------------------------------------------------
    text("good_for_config.csv", generic_csv(good_rows, header=("Server Label", "vCPU",
                                                                "Memory GB", "OS")))
    text("bad_mapping.toml", '[columns]\n"Server Label" = "name"\n"vCPU" = "cpu_count_x"\n')
    text("bad_mapping_table.toml", '[colums]\n"Server Label" = "name"\n')
    text("bad_assumptions.toml", '[sizing]\ncomfort_factor = "lots"\n')
    text("bad_assumptions_key.toml", '[sizing]\ncomfort_factr = 1.5\n')
    text("broken.toml", '[sizing\ncomfort_factor = 1.5\n')
    return made


if __name__ == "__main__":
    for p in build():
        print(f"{p.stat().st_size:>9,}  {p.name}")
