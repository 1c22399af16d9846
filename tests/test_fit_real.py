"""Fit on the real IBM sizing-workshop export and the bundled sample, with default assumptions.

Each infrastructure family's catches are listed in full, so a pattern change that loses a role
or catches an application server fails here. The lists were checked by hand against the names:
concatenated names such as BOWSCCMDP01 (SCCM distribution point) are why most defaults are
substrings rather than name parts.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

from estimator.assumptions import load_assumptions
from estimator.fit import (
    RULE_FAMILIES,
    classify_fit,
    family_counts,
    fit_counts,
    outcome_counts,
    rule_counts,
)
from estimator.inventory import read_inventory
from estimator.inventory.os_classify import end_of_support
from estimator.scope import apply_scope

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ESTIMATOR_SHARED", ROOT / ".." / "shared"))
IBM = SHARED / "data" / "real" / "rvtools-ibm-sizingworkshop" / "SizingWorkshop-RVTools.xlsx"
SAMPLE = ROOT / "data" / "sample-rvtools.xlsx"
needs_ibm = pytest.mark.skipif(not IBM.exists(), reason="shared real data not present")

# The VMs the issue names: none may move, each with its family's rule.
NAMED: dict[str, list[str]] = {
    "INFRA-VIRT-MGMT": ["bolpsc1", "bolpsc3", "bolvcpsc17-S", "bolvra17-02-S", "bolvra17-03-S",
                        "bolvro1", "BOWSRM17-01", "bowsrm17-S", "bowvum17"],
    "INFRA-ENDPOINT-MGMT": ["BOWSCCMDP01", "BOWSCCMDP02", "BOWSCCMDP03", "BOWSCCMDP04",
                            "BOWSCCMDP05", "BOWSCCMMNT01", "wmcafeeunc"],
    "INFRA-NETWORK-SVC": ["BOWKMS2", "wpki02"],
    "INFRA-BACKUP": ["bowveeamone1"],
}
IBM_CATCHES: dict[str, list[str]] = {
    "INFRA-VIRT-MGMT": [
        "bolpsc1", "bolpsc3", "bolvcmgt", "bolvcpsc17-S", "bolvcsa17-S", "bolvra17-02-S",
        "bolvra17-03-S", "bolvro1", "BOWSRM17-01", "bowsrm17-S", "BOWSRMTEST02", "bowvum17",
        "wvmm1", "wvmmlib1"],
    "INFRA-DIRECTORY": [
        "BO2WDIRSVC1", "bowadfstestwap1", "bowadfstestwap2", "bowadfswap01", "bowadfswap02",
        "BOWDIRSVC1", "BOWDIRSVC2", "BOWDIRSVC4", "BOWMFGSQADC01", "BOWMGH-PTH-DC", "wadfs03",
        "wadfs1", "wadrms01", "wazadconn01", "wsptstdc01"],
    "INFRA-NETWORK-SVC": [
        "BOWKMS2", "BOWPRINT1", "BOWPRINT11", "BOWPRINT3", "BOWPRINT5", "BOWPRINT9",
        "BOWWINS01", "ns1-int", "ns2-int", "NTBOPRINT1", "ntprint2", "ntprint4", "ntprint8",
        "wpki02", "wsubca01"],
    "INFRA-ENDPOINT-MGMT": [
        "BOWEPOSRV01", "BOWEPOSRVTEST01", "BOWSCCMDP01", "BOWSCCMDP02", "BOWSCCMDP03",
        "BOWSCCMDP04", "BOWSCCMDP05", "BOWSCCMDW", "BOWSCCMMNT01", "BOWSCCMMNT02",
        "BOWSCCMMPDP01", "BOWSCCMMPDP03", "BOWSCCMSRC01", "BOWSCCMTESTDP01", "BOWSCCMTESTPS01",
        "BOWSCORCH01", "BOWSCORCHSQL1", "NTEPOSRV02", "wmcafeeunc", "wscorchdev01", "wvscan14",
        "wvscan15"],
    "INFRA-BACKUP": [
        "BOWTPEACRONIS", "BOWTSMOC", "BOWTSMREPORT02", "bowveeamone1", "bowvmprxy17-01",
        "lcsnbu001nb", "wtsmreport"],
    "INFRA-MONITORING": [
        "BOWADDM2", "BOWADDMPROXY", "BOWDCLOGCOLL1", "BOWSCOMDW1", "BOWSCOMMP02", "BOWSCOMMS01",
        "BOWSCOMMS02", "BOWSCOMSQL1", "BOWSCOMTEST01", "BOWSQAADDM1", "BOWTESTLOGCOLL1",
        "NTADDMTEST01NEW", "NTNOC04", "waddmproxy2", "waddmtstprox1", "wnoc01"],
}
# Application servers by their names (SQL, IIS, SharePoint, SAP, build, web, mail...): they move.
IBM_APPLICATIONS = [
    "BOWSQL14", "wsql36", "BOWCRUIIS1", "BOWCRUIISPROD01", "wspapp1", "wspwfe1", "BOWSAPFTP",
    "wsapsp1", "wtfsbuild01", "BOWBLDSRV01", "BOWWEBREPORTS", "mailhost3", "BOWK2PRODAPP01",
    "wsmpsprod01", "BOWMAMWEBa", "BOWEDMPROD01", "wlimsprod02", "BOWAPPS05"]


def _frame(path: Path, as_of: dt.date | None = None) -> pd.DataFrame:
    a = load_assumptions()
    vms = apply_scope(read_inventory(path).vms, a.scope)
    if as_of is not None:
        # End of support on a fixed day, so Windows Server 2016 (ends 2027-01-12) still
        # counts as supported when this test runs later.
        vms["os_end_of_support"] = end_of_support(vms["os_name"], vms["os_version"], as_of=as_of)
    out = pd.concat([vms, classify_fit(vms, a.fit, a.flat_values())], axis=1)
    return out[out["in_scope"]]


@pytest.fixture(scope="module")
def ibm() -> pd.DataFrame:
    return _frame(IBM, dt.date(2026, 11, 1))


def caught(frame: pd.DataFrame, rule: str) -> list[str]:
    hit = frame["fit_rules"].str.split(";").map(lambda rules: rule in rules)
    return sorted(frame.loc[hit.astype(bool), "name"], key=str.lower)


@needs_ibm
def test_ibm_named_vms_do_not_move_and_carry_their_rule(ibm: pd.DataFrame) -> None:
    by_name = ibm.set_index("name")
    for rule, names in NAMED.items():
        rows = by_name.loc[names]
        assert not rows["moves"].any(), rule
        assert rows["fit_rules"].str.split(";").map(lambda r, x=rule: x in r).all(), rule
    assert set(by_name.loc[NAMED["INFRA-VIRT-MGMT"], "fit_level"]) == {"retire_with_platform"}
    assert by_name.loc["bolpsc1", "fit_reason"].startswith("Virtualisation management")
    assert by_name.loc["BOWSCCMDP01", "fit_level"] == "stays_vm"
    assert by_name.loc["BOWSCCMDP01", "fit_reason"].startswith("Endpoint or systems management")


@needs_ibm
def test_ibm_catches_per_infrastructure_family_exactly(ibm: pd.DataFrame) -> None:
    for rule in RULE_FAMILIES["infrastructure"]:
        assert caught(ibm, rule) == sorted(IBM_CATCHES[rule], key=str.lower), rule
    infra = {n for names in IBM_CATCHES.values() for n in names}
    assert not infra & set(IBM_APPLICATIONS)
    apps = ibm.set_index("name").loc[IBM_APPLICATIONS]
    assert apps["moves"].all()


@needs_ibm
def test_ibm_desktops_and_legacy_windows(ibm: pd.DataFrame) -> None:
    # Ten desktops: seven Windows 7 and three Windows XP (32-bit).
    desktops = ibm[ibm["fit_rules"].str.contains("OS-DESKTOP", regex=False)]
    assert sorted(desktops["os_version"].value_counts().items()) == [("7", 7), ("XP", 3)]
    assert set(desktops["fit_level"]) == {"stays_vm"}
    # 62 Windows Server 2003 and 1 Windows Server 2008 are 32-bit (the raw OS string).
    bit32 = ibm[ibm["fit_rules"].str.contains("OS-WIN-32BIT", regex=False)]
    assert bit32["os_version"].value_counts().to_dict() == {"2003": 62, "2008": 1}
    assert bit32["os_raw"].str.contains("(32-bit)", regex=False).all()
    # 2003/2008 (not R2): the 63 above plus four 64-bit 2003 and one 64-bit 2008 (NTEPOSRV02),
    # and one whose config says 2008 R2 while VMware Tools reports 2008.
    era = ibm[ibm["fit_rules"].str.contains("OS-WIN-2003-2008", regex=False)]
    assert era["os_version"].value_counts().to_dict() == {"2003": 66, "2008": 2}
    assert not ibm.loc[era.index, "moves"].any()
    # Their levels: no fit unless an infrastructure role says stays (print, NOC, ePO servers).
    assert era["fit_level"].value_counts().to_dict() == {"no_fit": 63, "stays_vm": 5}
    # 2008 R2 and 2012 still move with the upgrade effort.
    r2 = ibm[(ibm["os_version"] == "2008 R2") & (ibm["fit_level"] == "needs_work")]
    assert len(r2) > 250 and r2["needs_os_upgrade"].all()


@needs_ibm
def test_ibm_counts(ibm: pd.DataFrame) -> None:
    # good 8 = 4 Linux of unknown support (AO-PROXY, bolvcb17, boiswgd1, boiswgrpl1) + 4 Windows
    #   Server 2016 (the fifth, BOWSCCMMPDP03, is an SCCM server)
    # retire_with_platform 14 = the virtualisation-management catches above
    # stays_vm 85 = 75 infrastructure roles (89 caught, 14 of them virtualisation management)
    #   + 10 desktops
    # no_fit 64 = 63 legacy Windows not caught as a role (59 of them 32-bit) + 1 Solaris 10
    assert fit_counts(ibm) == {"excellent": 0, "good": 8, "needs_work": 592, "retire_idle": 0,
                               "retire_with_platform": 14, "stays_vm": 85, "no_fit": 64,
                               "insufficient_data": 0}
    assert outcome_counts(ibm) == {"moving": 600, "staying": 149, "retire_with_platform": 14,
                                   "retire_idle": 0}
    assert int(ibm["moves"].sum()) == 600  # was 758 of 763 before these rules
    assert family_counts(ibm)["infrastructure"] == 89
    rules = rule_counts(ibm)
    assert (rules["OS-DESKTOP"], rules["OS-WIN-32BIT"], rules["OS-WIN-2003-2008"],
            rules["SIZE-STATEFUL-LARGE"], rules["SIZE-LARGE-VCPU"]) == (10, 63, 68, 8, 0)
    assert sorted(ibm.loc[ibm["fit_level"] == "good", "name"], key=str.lower) == [
        "AO-PROXY", "boiswgd1", "boiswgrpl1", "bolvcb17", "BOWTDAPPTEST01", "kdfoland-vm",
        "wrdweb1", "wsdsdevBO3"]


def test_sample_catches_per_family() -> None:
    sample = _frame(SAMPLE)
    assert caught(sample, "INFRA-VIRT-MGMT") == [
        "fra-nsx-mgr001", "fra-vcsa001", "fra-vcsa002", "lon-nsx-mgr001"]
    assert caught(sample, "INFRA-DIRECTORY") == [
        "FRA-DC001", "FRA-DC002", "LON-DC001", "LON-DC002", "LON-DC003", "LON-DC004",
        "LON-DC005", "LON-DC006", "LON-DC007", "LON-DC008"]
    monitoring = caught(sample, "INFRA-MONITORING")
    assert len(monitoring) == 27 and all("-mon0" in n.lower() for n in monitoring)
    for rule in ("INFRA-NETWORK-SVC", "INFRA-ENDPOINT-MGMT", "INFRA-BACKUP"):
        assert caught(sample, rule) == [], rule
    # Every VMware Photon OS VM is an appliance or virtualisation management: none moves.
    photon = sample[sample["os_raw"].str.contains("Photon", na=False)]
    assert len(photon) == 10 and not photon["moves"].any()
    # Idle infrastructure stays (3 idle monitoring or DC VMs), the other idle VMs retire.
    assert fit_counts(sample)["retire_idle"] == 77
    assert int(sample["fit_rules"].str.contains("USE-").sum()) == 80


@needs_ibm
def test_validate_reports_vms_caught_per_family(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from estimator.cli import app

    out = tmp_path / "summary.json"
    result = CliRunner().invoke(app, ["validate", str(IBM), "--json", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Infrastructure roles 89" in text and "Desktops and legacy Windows 78" in text
    assert "INFRA-VIRT-MGMT 14" in text and "INFRA-ENDPOINT-MGMT 22" in text
    doc = json.loads(out.read_text())
    assert doc["fit_families"]["infrastructure"] == 89
    assert doc["fit_rules"]["OS-DESKTOP"] == 10
