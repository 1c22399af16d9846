import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

from estimator.inventory.os_classify import END_OF_SUPPORT, OS_COLUMNS, classify_os

SHARED = Path(os.environ.get("ESTIMATOR_SHARED",
                             Path(__file__).resolve().parents[2] / ".." / "shared"))
IBM = SHARED / "data" / "real" / "rvtools-ibm-sizingworkshop" / "SizingWorkshop-RVTools.xlsx"
EXAMPLE1 = SHARED / "data" / "real" / "rvtools-kubev2v-example1" / "example1.xlsx"
CONFIG, TOOLS = "OS according to the configuration file", "OS according to the VMware Tools"
AS_OF = dt.date(2026, 11, 27)

# (string, family, name, version, edition, end_of_support on AS_OF)
CASES = [
    # VMware guest-OS identifiers
    ("Microsoft Windows Server 2008 R2 (64-bit)", "windows", "Windows Server", "2008 R2", None,
     True),
    ("Microsoft Windows Server 2012 (64-bit)", "windows", "Windows Server", "2012", None, True),
    ("Microsoft Windows Server 2003 Standard (32-bit)", "windows", "Windows Server", "2003",
     "Standard", True),
    ("Microsoft Windows Server 2016 or later (64-bit)", "windows", "Windows Server", "2016", None,
     False),
    ("Microsoft Windows Server 2022 (64-bit)", "windows", "Windows Server", "2022", None, False),
    ("Microsoft Windows Server 2025 (64-bit)", "windows", "Windows Server", "2025", None, False),
    ("Microsoft Windows 7 (64-bit)", "windows", "Windows", "7", None, True),
    ("Microsoft Windows 10 (64-bit)", "windows", "Windows", "10", None, True),
    ("Microsoft Windows XP Professional (32-bit)", "windows", "Windows", "XP", "Professional",
     True),
    ("Red Hat Enterprise Linux 6 (64-bit)", "linux", "RHEL", "6", None, True),
    ("Red Hat Enterprise Linux 5 (64-bit)", "linux", "RHEL", "5", None, True),
    ("Red Hat Enterprise Linux 9 (64-bit)", "linux", "RHEL", "9", None, False),
    ("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "linux", "RHEL", "7", None, True),
    ("SUSE Linux Enterprise 11 (64-bit)", "linux", "SLES", "11", None, True),
    ("SUSE Linux Enterprise 15 (64-bit)", "linux", "SLES", "15", None, False),
    ("CentOS 4/5/6/7 (64-bit)", "linux", "CentOS", None, None, None),
    ("CentOS 7 (64-bit)", "linux", "CentOS", "7", None, True),
    ("CentOS 8 (64-bit)", "linux", "CentOS", "8", None, True),
    ("CentOS Linux release 7.9.2009 (Core)", "linux", "CentOS", "7", None, True),
    ("CentOS Stream 9", "linux", "CentOS Stream", "9", None, False),
    ("Other 3.x or later Linux (64-bit)", "linux", "Other Linux", None, None, None),
    ("Other 2.6.x Linux (64-bit)", "linux", "Other Linux", None, None, None),
    ("Oracle Linux 7 (64-bit)", "linux", "Oracle Linux", "7", None, True),
    ("Oracle Linux Server 8.6", "linux", "Oracle Linux", "8", None, False),
    ("Amazon Linux 2 (64-bit)", "linux", "Amazon Linux", "2", None, True),
    ("Amazon Linux 2023", "linux", "Amazon Linux", "2023", None, False),
    ("Amazon Linux AMI 2018.03", "linux", "Amazon Linux", "1", None, True),
    ("Red Hat Fedora (32-bit)", "linux", "Fedora", None, None, None),
    ("Debian GNU/Linux 7 (64-bit)", "linux", "Debian", "7", None, True),
    ("Debian GNU/Linux 12 (64-bit)", "linux", "Debian", "12", None, False),
    ("Ubuntu Linux (64-bit)", "linux", "Ubuntu", None, None, None),
    ("VMware Photon OS (64-bit)", "linux", "Photon OS", None, None, None),
    ("Rocky Linux 8.7", "linux", "Rocky Linux", "8", None, False),
    ("AlmaLinux 9.2", "linux", "AlmaLinux", "9", None, False),
    ("Oracle Solaris 10 (64-bit)", "other", "Solaris", "10", None, True),
    ("FreeBSD (64-bit)", "other", "FreeBSD", None, None, None),
    ("FreeBSD 13.2", "other", "FreeBSD", "13.2", None, None),
    ("Other (64-bit)", "other", None, None, None, None),
    # Azure Migrate / AWS names
    ("Windows Server 2016 Datacenter", "windows", "Windows Server", "2016", "Datacenter", False),
    ("Microsoft Windows Server 2019 Standard", "windows", "Windows Server", "2019", "Standard",
     False),
    ("Windows Server 2012 R2 Standard 6.3.9600", "windows", "Windows Server", "2012 R2",
     "Standard", True),
    ("Windows Server 10.0.17763", "windows", "Windows Server", "2019", None, False),
    ("Microsoft Windows Server 2003, Enterprise Edition", "windows", "Windows Server", "2003",
     "Enterprise", True),
    ("Ubuntu 20.04.6 LTS", "linux", "Ubuntu", "20.04", None, True),
    ("Ubuntu 22.04.3 LTS", "linux", "Ubuntu", "22.04", None, False),
    ("Amazon Linux 2", "linux", "Amazon Linux", "2", None, True),
    ("Microsoft Windows Server 2012 R2 Datacenter", "windows", "Windows Server", "2012 R2",
     "Datacenter", True),
    ("Windows Server 2022 Standard Evaluation", "windows", "Windows Server", "2022",
     "Standard", False),
    ("Microsoft Windows Server 2003 R2", "windows", "Windows Server", "2003 R2", None, True),
    ("SUSE Linux Enterprise Server 15 SP3", "linux", "SLES", "15", None, False),
    ("Debian GNU/Linux 11 (bullseye)", "linux", "Debian", "11", None, True),
    ("CentOS Linux 7 (Core)", "linux", "CentOS", "7", None, True),
    ("Amazon Linux 2023.2.20231011", "linux", "Amazon Linux", "2023", None, False),
    ("VMware ESXi 7.0", "other", "ESXi", "7.0", None, None),
    # hand-typed
    ("Windows 2019", "windows", "Windows Server", "2019", None, False),
    ("rhel-8.6", "linux", "RHEL", "8", None, False),
    ("SLES15", "linux", "SLES", "15", None, False),
    ("OEL 6", "linux", "Oracle Linux", "6", None, True),
    ("win2k8", "windows", "Windows Server", "2008", None, True),
    ("W2K12R2", "windows", "Windows Server", "2012 R2", None, True),
    ("w2k3", "windows", "Windows Server", "2003", None, True),
    ("win2012r2", "windows", "Windows Server", "2012 R2", None, True),
    ("ws2019", "windows", "Windows Server", "2019", None, False),
    ("Windows 2008 R2 Enterprise", "windows", "Windows Server", "2008 R2", "Enterprise", True),
    ("rhel7", "linux", "RHEL", "7", None, True),
    ("RHEL 8.4", "linux", "RHEL", "8", None, False),
    ("centos 7.9", "linux", "CentOS", "7", None, True),
    ("sles 12 sp5", "linux", "SLES", "12", None, True),
    ("linux", "linux", "Other Linux", None, None, None),
    # nothing to go on
    ("", "unknown", None, None, None, None),
    ("   ", "unknown", None, None, None, None),
    ("n/a", "unknown", None, None, None, None),
    ("my favourite box", "unknown", None, None, None, None),
]


def _row(frame: pd.DataFrame, i: int) -> tuple:
    r = frame.iloc[i]
    return tuple(None if pd.isna(r[c]) else r[c] for c in OS_COLUMNS)


@pytest.mark.parametrize(("raw", "family", "name", "version", "edition", "eos"), CASES)
def test_real_world_strings(raw, family, name, version, edition, eos):
    out = classify_os(pd.Series([raw], dtype="string"), as_of=AS_OF)
    assert _row(out, 0) == (family, name, version, edition, eos)


def test_output_shape_dtypes_and_index():
    s = pd.Series(["rhel7", None, "win2k8"], index=[10, 20, 30], dtype=object)
    out = classify_os(s, as_of=AS_OF)
    assert list(out.columns) == list(OS_COLUMNS)
    assert list(out.index) == [10, 20, 30]
    assert out["os_family"].tolist() == ["linux", "unknown", "windows"]
    assert str(out["os_end_of_support"].dtype) == "boolean"
    assert str(out["os_version"].dtype).startswith("string")
    assert pd.isna(out.loc[20, "os_end_of_support"])


def test_tools_series_is_aligned_by_index():
    config = pd.Series(["Other 3.x or later Linux (64-bit)", "rhel7"], index=["a", "b"])
    tools = pd.Series(["CentOS 8 (64-bit)"], index=["a"])
    out = classify_os(config, tools, as_of=AS_OF)
    assert out.loc["a", "os_name"] == "CentOS" and out.loc["b", "os_name"] == "RHEL"


def test_empty_input():
    out = classify_os(pd.Series([], dtype="string"))
    assert list(out.columns) == list(OS_COLUMNS) and len(out) == 0


def test_more_specific_string_wins_and_tools_wins_a_tie():
    config = pd.Series(["Red Hat Enterprise Linux 6 (64-bit)",
                        "Microsoft Windows Server 2012 (64-bit)",
                        "Other 3.x or later Linux (64-bit)",
                        "Microsoft Windows Server 2016 (64-bit)",
                        None])
    tools = pd.Series(["Other 2.6.x Linux (64-bit)",            # vaguer: config wins
                       "Microsoft Windows Server 2008 R2 (64-bit)",  # tie: tools wins
                       "CentOS Linux release 7.9.2009 (Core)",  # more specific: tools
                       None,                                    # missing: config
                       "Microsoft Windows Server 2016 (64-bit)"])
    out = classify_os(config, tools, as_of=AS_OF)
    assert out["os_name"].tolist() == ["RHEL", "Windows Server", "CentOS", "Windows Server",
                                       "Windows Server"]
    assert out["os_version"].tolist() == ["6", "2008 R2", "7", "2016", "2016"]


def test_edition_carried_over_from_the_other_string():
    out = classify_os(pd.Series(["Microsoft Windows Server 2003 Standard (32-bit)"]),
                      pd.Series(["Microsoft Windows Server 2003 (32-bit)"]), as_of=AS_OF)
    assert out.loc[0, "os_edition"] == "Standard"


def test_end_of_support_depends_on_the_date():
    s = pd.Series(["Windows Server 2016 Standard", "RHEL 7", "Ubuntu 22.04"])
    before = classify_os(s, as_of=dt.date(2024, 6, 30))["os_end_of_support"].tolist()
    after = classify_os(s, as_of=dt.date(2027, 6, 2))["os_end_of_support"].tolist()
    assert before == [False, False, False]  # RHEL 7's last day is 2024-06-30
    assert after == [True, True, True]
    assert END_OF_SUPPORT[("Windows Server", "2016")] == dt.date(2027, 1, 12)


def test_default_as_of_is_today():
    out = classify_os(pd.Series(["Microsoft Windows Server 2003 (32-bit)"]))
    assert bool(out.loc[0, "os_end_of_support"]) is True


def test_repeated_strings_classified_consistently():
    s = pd.Series(["rhel7", "W2K12R2"] * 50_000)
    out = classify_os(s, as_of=AS_OF)
    assert (out["os_version"].iloc[::2] == "7").all()
    assert (out["os_version"].iloc[1::2] == "2012 R2").all()


@pytest.mark.skipif(not IBM.exists(), reason="shared real data not present")
def test_every_os_string_in_the_ibm_workshop_file():
    vinfo = pd.read_excel(IBM, sheet_name="vInfo", engine="calamine").dropna(subset=["VM"])
    out = classify_os(vinfo[CONFIG], vinfo[TOOLS], as_of=AS_OF)
    assert len(out) == 805
    # Every distinct string on its own is recognised.
    strings = pd.concat([vinfo[CONFIG], vinfo[TOOLS]]).dropna().unique()
    alone = classify_os(pd.Series(strings, dtype="string"), as_of=AS_OF)
    assert (alone["os_family"] != "unknown").all(), strings[alone["os_family"] == "unknown"]
    r2 = alone[pd.Series(strings).str.contains("2008 R2").to_numpy()]
    assert len(r2) == 1
    assert (r2["os_family"] == "windows").all() and (r2["os_version"] == "2008 R2").all()
    assert r2["os_end_of_support"].all()
    assert out["os_family"].value_counts().to_dict() == {"windows": 760, "linux": 44, "other": 1}
    ws = out[out["os_name"] == "Windows Server"]["os_version"].value_counts().to_dict()
    assert ws == {"2008 R2": 345, "2012": 329, "2003": 67, "2016": 5, "2008": 3}
    # Only the 5 Server 2016, 6 generic "Other Linux" and 1 CentOS "4/5/6/7" are not
    # flagged end-of-support on AS_OF; the CentOS/Other Linux ones are unknown (NA).
    assert int(out["os_end_of_support"].sum()) == 805 - 5 - 6 - 1
    assert int(out["os_end_of_support"].isna().sum()) == 7


@pytest.mark.skipif(not EXAMPLE1.exists(), reason="shared real data not present")
def test_every_os_string_in_example1():
    vinfo = pd.read_excel(EXAMPLE1, sheet_name="vInfo", engine="calamine")
    out = classify_os(vinfo[CONFIG], vinfo[TOOLS], as_of=AS_OF)
    got = sorted(zip(out["os_name"].fillna("-"), out["os_version"].fillna("-"), strict=True))
    assert got == sorted([
        ("RHEL", "9"), ("RHEL", "9"), ("RHEL", "9"), ("RHEL", "8"),
        ("Amazon Linux", "2"), ("Fedora", "-"), ("Debian", "9"), ("Debian", "7"), ("-", "-"),
    ])
    assert out["os_family"].value_counts().to_dict() == {"linux": 8, "unknown": 1}
