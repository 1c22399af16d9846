import io

import numpy as np
import pandas as pd
import pytest

from estimator.errors import ConfigError, InputError, Problem
from estimator.inventory import generic, read_inventory
from estimator.inventory.generic import (
    HEADER_ALIASES,
    header_key,
    load_mapping,
    matches,
    place_header,
    split_unit,
    to_raw,
)
from estimator.inventory.tabular import Table


def table(csv: str, *, sep: str = ",", file: str = "hand.csv") -> Table:
    """A Table as tabular would give it: text cells, blanks NA, spreadsheet row numbers."""
    frame = pd.read_csv(io.StringIO(csv), sep=sep, dtype=str, keep_default_na=False)
    frame = frame.replace("", None)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return Table(file=file, sheet=None, frame=frame, header_row=1)


def read(csv: str, **kw) -> tuple[pd.DataFrame, list[Problem]]:
    problems: list[Problem] = []
    mapping = kw.pop("mapping", None)
    raw = to_raw(table(csv, **kw), mapping=mapping, problems=problems)
    return raw, problems


def kinds(problems: list[Problem], kind: str) -> list[Problem]:
    return [p for p in problems if p.kind == kind]


# --- headers ------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "key"), [
    ("*Memory (In MB)", "memory in mb"), ("ramGB", "ram gb"), ("cpu_count", "cpu count"),
    ("  VM Name ", "vm name"), ("CPU%", "cpu %"), ("numCpus", "num cpus"),
])
def test_header_key(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize(("header", "base", "unit"), [
    ("RAM (GB)", "ram", "gb"), ("mem_mib", "mem", "mib"), ("Memory MB", "memory", "mb"),
    ("CPU %", "cpu", "%"), ("cpu_pct", "cpu", "%"), ("Storage in use (In GB)", "storage in use",
                                                      "gb"),
    ("name", "name", None), ("GB", "gb", None),
])
def test_split_unit(header, base, unit):
    assert split_unit(header) == (base, unit)


@pytest.mark.parametrize(("header", "column", "unit"), [
    ("vCPU", "vcpus", None), ("vCPUs", "vcpus", None), ("CPU", "vcpus", None),
    ("Cores", "vcpus", None), ("cpu_count", "vcpus", None), ("Num CPUs", "vcpus", None),
    ("RAM (GB)", "memory_gib", "gb"), ("Memory GB", "memory_gib", "gb"),
    ("mem_mib", "memory_gib", "mib"), ("ram_gb", "memory_gib", "gb"),
    ("Memory (MB)", "memory_gib", "mb"), ("hostname", "name", None), ("VM", "name", None),
    ("Server Name", "name", None), ("CPU %", "cpu_util", "%"), ("RAM %", "memory_util", "%"),
    ("cpu_util", "cpu_util", None), ("Disk (GB)", "storage_provisioned_gib", "gb"),
    ("Used Storage GB", "storage_used_gib", "gb"), ("OS", "os_raw", None),
    ("Power State", "power_state", None), ("env", "environment", None),
    ("Owner", "owner", None), ("Security Zone", "security_zone", None),
    ("Cluster", "cluster", None), ("Datacenter", "datacenter", None), ("Host", "host", None),
    ("Favourite colour", None, None), ("Name (GB)", None, None), ("Storage %", None, None),
])
def test_place_header(header, column, unit):
    placed = place_header(header)
    assert placed[:2] == (column, unit)


def test_alias_table_keys_are_normalised():
    assert all(header_key(k) == k for k in HEADER_ALIASES)


def test_matches_needs_name_vcpus_and_memory():
    assert matches(["name", "vcpu", "ram_gb", "os", "env"])
    assert matches(["Server", "Cores", "Memory (MB)"])
    assert not matches(["name", "vcpu", "os"])
    assert not matches(["colour", "size"])


# --- reading ------------------------------------------------------------------------


def test_aliases_units_and_decimal_commas():
    raw, problems = read(
        "Server;vCPUs;Memory (MB);Disk;OS;env;Owner;CPU %\n"
        "web01;2;4096;100 GB;Windows Server 2019;prod;ann;45,5\n"
        "web02;4;0,5 GB;512 MB;rhel7;dev;bob;12 %\n", sep=";")
    assert raw["name"].tolist() == ["web01", "web02"]
    assert raw["vcpus"].tolist() == [2.0, 4.0]
    assert raw["memory_gib"].tolist() == [4.0, 0.5]  # MiB from the header, GB in the cell
    assert raw["storage_provisioned_gib"].tolist() == [100.0, 0.5]
    assert raw["cpu_util"].tolist() == pytest.approx([0.455, 0.12])
    assert raw["environment"].tolist() == ["prod", "dev"]
    assert raw["owner"].tolist() == ["ann", "bob"]
    assert raw["os_raw"].tolist() == ["Windows Server 2019", "rhel7"]
    assert raw["source_row"].tolist() == [2, 3]
    assert raw["_reject_reason"].isna().all()
    assert np.isnan(raw["memory_util"]).all()
    # "Disk" has no unit in the header: that is said, not assumed silently.
    assert any("Disk" in p.message and "GiB" in p.message for p in kinds(problems, "imputed"))


def test_every_unplaced_header_is_reported():
    raw, problems = read("name,vcpu,ram_gb,Colour,Rack U\na,1,2,red,4\n")
    unmapped = kinds(problems, "unmapped_column")
    assert sorted(p.column for p in unmapped) == ["Colour", "Rack U"]
    assert all(p.file == "hand.csv" for p in unmapped)
    assert "Colour" not in raw.columns


def test_two_headers_for_one_column_keep_the_first_alias_and_report_the_other():
    raw, problems = read("Cores,name,vCPU,ram_gb\n2,a,8,4\n")
    # "vcpu" ranks before "cores" in the alias table.
    assert raw["vcpus"].tolist() == [8.0]
    unmapped = kinds(problems, "unmapped_column")
    assert [p.column for p in unmapped] == ["Cores"]
    assert "'vCPU'" in unmapped[0].message


def test_peak_utilisation_preferred_over_average():
    raw, problems = read("name,vcpu,ram_gb,avg cpu %,max cpu %\na,1,2,10,80\n")
    assert raw["cpu_util"].tolist() == [0.8]
    assert [p.column for p in kinds(problems, "unmapped_column")] == ["avg cpu %"]


def test_text_in_required_number_rejects_the_row_naming_column_and_value():
    raw, _ = read("name,vcpu,ram_gb\na,two,4\nb,2,4\n")
    assert raw["_reject_reason"].tolist()[0] == "not a number: two"
    assert raw["_reject_column"].tolist()[0] == "vcpu"
    assert pd.isna(raw["_reject_reason"].tolist()[1])


def test_text_in_optional_number_is_a_warning_not_a_rejection():
    raw, problems = read("name,vcpu,ram_gb,disk_gb\na,2,4,lots\nb,2,4,10\n")
    assert raw["_reject_reason"].isna().all()
    assert np.isnan(raw["storage_provisioned_gib"].iloc[0])
    warnings = kinds(problems, "warning")
    assert len(warnings) == 1 and warnings[0].column == "disk_gb" and "'lots'" in \
        warnings[0].message


def test_memory_without_unit_in_mib_is_recognised_and_reported():
    raw, problems = read("name,vcpu,memory\na,2,4096\nb,2,8192\n")
    assert raw["memory_gib"].tolist() == [4.0, 8.0]
    assert any("MiB" in p.message for p in kinds(problems, "imputed"))
    raw, problems = read("name,vcpu,memory\na,2,4\nb,2,8\n")
    assert raw["memory_gib"].tolist() == [4.0, 8.0]
    assert any("read as GiB" in p.message for p in kinds(problems, "imputed"))


def test_utilisation_without_unit_judged_from_the_column():
    raw, problems = read("name,vcpu,ram_gb,cpu util\na,1,2,0.25\nb,1,2,0.5\n")
    assert raw["cpu_util"].tolist() == [0.25, 0.5]
    assert any("fractions" in p.message for p in kinds(problems, "imputed"))
    raw, problems = read("name,vcpu,ram_gb,cpu util\na,1,2,25\nb,1,2,50\n")
    assert raw["cpu_util"].tolist() == [0.25, 0.5]
    assert any("percent" in p.message for p in kinds(problems, "imputed"))


def test_os_and_version_joined_and_memory_used_to_utilisation():
    raw, _ = read("name,vcpu,ram_gb,os,os version,memory used (GB)\n"
                  "a,1,8,Ubuntu,22.04,2\nb,1,4,Windows Server 2016,2016,\n")
    assert raw["os_raw"].tolist() == ["Ubuntu 22.04", "Windows Server 2016"]
    assert raw["memory_util"].iloc[0] == 0.25 and np.isnan(raw["memory_util"].iloc[1])


def test_missing_required_column_names_file_column_headers_and_mapping_hint():
    with pytest.raises(InputError) as err:
        read("name,processors count,ram_gb\na,1,2\n")
    text = str(err.value)
    assert "hand.csv" in text and "vcpus" in text
    assert "'processors count'" in text and "--mapping" in text


# --- mapping ------------------------------------------------------------------------


def test_mapping_file_places_unknown_headers_with_units(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text('[columns]\n"Server Label" = "name"\n"Procs" = "vcpus"\n'
                    '"Mem" = "memory_gib"\n"Colour" = "ignore"\n"Disk" = "storage_used_gib:MB"\n'
                    '[units]\nmemory = "MB"\n', encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping["Server Label"] == "name" and mapping["Disk"] == "storage_used_gib:MB"
    assert mapping["@units.memory_gib"] == "MB"
    raw, problems = read("server label,Procs,Mem,Colour,Disk\nx,4,2048,red,1024\n",
                         mapping=mapping)
    assert raw["name"].tolist() == ["x"] and raw["vcpus"].tolist() == [4.0]
    assert raw["memory_gib"].tolist() == [2.0] and raw["storage_used_gib"].tolist() == [1.0]
    assert kinds(problems, "unmapped_column") == []


def test_mapping_entry_for_a_header_the_file_lacks_is_a_warning():
    raw, problems = read("name,vcpu,ram_gb\na,1,2\n", mapping={"Nope": "owner"})
    assert any("'Nope'" in p.message for p in kinds(problems, "warning"))
    assert "owner" not in raw


@pytest.mark.parametrize(("toml", "key", "words"), [
    ('[columns]\n"A" = "cpus"\n', "columns.A", "unknown column 'cpus'"),
    ('[colums]\n"A" = "name"\n', "colums", "unknown table"),
    ('[columns]\n"A" = 3\n', "columns.A", "must be a column name"),
    ('[units]\nmemroy = "MB"\n', "units.memroy", "unknown unit key"),
    ('[units]\nmemory = "parsecs"\n', "units.memory", "unknown unit 'parsecs'"),
    ('[columns]\n"A" = "name:MB"\n', "columns.A", "takes no unit"),
])
def test_bad_mapping_files_name_key_and_file(tmp_path, toml, key, words):
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_mapping(path)
    assert err.value.key == key and err.value.file == "bad.toml"
    assert words in str(err.value)


def test_mapping_file_not_toml_or_missing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_mapping(path)
    with pytest.raises(ConfigError, match="not found"):
        load_mapping(tmp_path / "absent.toml")


# --- end to end through read_inventory ----------------------------------------------


def test_semicolon_cp1252_decimal_comma_file(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes("Name;vCPU;RAM (GB);OS;Umgebung\r\nwebé-01;2;0,5;win2k8;x\r\n"
                     "db-02;4;16;rhel7;y\r\n".encode("cp1252"))
    inv = read_inventory(path)
    assert inv.files[0].format == "generic"
    vms = inv.vms
    assert vms["name"].tolist() == ["webé-01", "db-02"]
    assert vms["memory_gib"].tolist() == [0.5, 16.0]
    assert vms["os_family"].tolist() == ["windows", "linux"]
    assert vms["os_version"].tolist() == ["2008", "7"]
    assert [p.column for p in inv.files[0].problems if p.kind == "unmapped_column"] == [
        "Umgebung"]


def test_tab_delimited_utf8_bom_file(tmp_path):
    path = tmp_path / "list.tsv"
    path.write_bytes("\ufeffhostname\tcores\tmem_mib\tenv\n"
                     "a1\t2\t2048\tprod\na2\t8\t16384\ttest\n".encode())
    inv = read_inventory(path)
    assert inv.files[0].format == "generic"
    assert inv.vms["name"].tolist() == ["a1", "a2"]
    assert inv.vms["memory_gib"].tolist() == [2.0, 16.0]
    assert inv.vms["environment"].tolist() == ["prod", "test"]


def test_xlsx_hand_made_sheet_with_mapping(tmp_path):
    pd.DataFrame({"Label": ["a", "b"], "vCPU": [2, 4], "RAM (GB)": [4, 8],
                  "Zone": ["dmz", "core"]}).to_excel(tmp_path / "inv.xlsx", index=False)
    (tmp_path / "map.toml").write_text('[columns]\n"Label" = "name"\n', encoding="utf-8")
    inv = read_inventory(tmp_path / "inv.xlsx", mapping=tmp_path / "map.toml")
    assert inv.vms["name"].tolist() == ["a", "b"]
    assert inv.vms["vcpus"].tolist() == [2.0, 4.0]
    assert inv.vms["security_zone"].tolist() == ["dmz", "core"]


def test_generic_reader_is_the_fallback_and_rejects_bad_rows(tmp_path):
    path = tmp_path / "inv.csv"
    path.write_text("name,vcpu,ram_gb\na,2,4\nb,abc,4\nc,-1,4\n", encoding="utf-8")
    inv = read_inventory(path)
    assert inv.vms["name"].tolist() == ["a"]
    rejected = [p for p in inv.files[0].problems if p.kind == "rejected"]
    assert [(p.row, p.column) for p in rejected] == [(3, "vcpu"), (4, "vcpus")]
    assert generic.FORMAT == "generic"
