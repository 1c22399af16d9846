import pandas as pd
import pytest

from estimator.errors import InputError
from estimator.inventory.detect import FORMATS, detect
from estimator.inventory.tabular import Table


def table(headers: list[str], sheet: str | None = None) -> Table:
    frame = pd.DataFrame({h: ["x"] for h in headers}, index=pd.Index([2], name="row"))
    return Table(file="f", sheet=sheet, frame=frame, header_row=1)


AZURE = ["*Server name", "IP addresses", "*Cores", "*Memory (In MB)", "*OS name", "OS version"]
ADS = ["ExternalId", "HostName", "VMware.VMName", "OS.Name", "CPU.NumberOfProcessors",
       "RAM.TotalSizeInMB"]
MPA = ["Serverid", "isPhysical", "hypervisor", "HOSTNAME", "osName", "numCpus",
       "numCoresPerCpu", "totalRAM (GB)"]


def test_rvtools_by_sheet_name_takes_every_table() -> None:
    tables = [table(["Host"], "vHost"), table(["VM"], "vInfo")]
    found = detect(tables)
    assert found.format == "rvtools" and len(found.tables) == 2


def test_rvtools_by_vinfo_header_in_a_plain_csv() -> None:
    found = detect([table(["VM", "Powerstate", "CPUs", "Memory"])])
    assert found.format == "rvtools"


@pytest.mark.parametrize(("headers", "fmt"), [(AZURE, "azure-migrate"), (ADS, "aws-ads"),
                                              (MPA, "aws-mpa")])
def test_other_formats_by_header(headers: list[str], fmt: str) -> None:
    found = detect([table(["Notes"], "Readme"), table(headers, "Servers")])
    assert found.format == fmt
    assert found.tables[0].sheet == "Servers"


def test_generic_is_the_fallback() -> None:
    found = detect([table(["name", "vcpu", "ram_gb", "os"])])
    assert found.format == "generic"


def test_forced_format_and_unknown_format() -> None:
    assert detect([table(AZURE)], forced="generic").format == "generic"
    assert detect([table(["name"])], forced="rvtools").format == "rvtools"
    with pytest.raises(InputError, match="unknown format 'vmware'"):
        detect([table(AZURE)], forced="vmware")
    assert FORMATS == ("rvtools", "azure-migrate", "aws-ads", "aws-mpa", "generic")
