"""Operating-system classification from the OS strings inventories carry.

Inventories name the guest OS in many ways: VMware guest-OS identifiers
("Microsoft Windows Server 2008 R2 (64-bit)", "Other 3.x or later Linux (64-bit)"), the
richer VMware Tools string ("Red Hat Enterprise Linux Server release 7.9 (Maipo)"), cloud
tools ("Windows Server 2016 Datacenter", "Ubuntu 20.04.6 LTS", "Amazon Linux 2") and
hand-typed shorthand ("win2k8", "W2K12R2", "rhel7", "centos 7.9").

`classify_os` turns one or two such strings per VM into family, product, version,
edition and an end-of-support flag. It classifies each distinct string once and maps
the result back, because an estate of 100k VMs repeats a few dozen OS strings.

Example:
    >>> classify_os(pd.Series(["Microsoft Windows Server 2012 (64-bit)"])).iloc[0].to_dict()
    {'os_family': 'windows', 'os_name': 'Windows Server', 'os_version': '2012', ...}
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import numpy as np
import pandas as pd

OS_COLUMNS: tuple[str, ...] = (
    "os_family", "os_name", "os_version", "os_edition", "os_end_of_support",
)

# Last day of vendor support per (os_name, os_version). A VM is end-of-support when the
# evaluation date is after this day. For products with several phases we take the phase a
# customer gets without paying extra: Microsoft extended support, Red Hat "maintenance
# support" (ELS add-on ignored), SUSE general support, Canonical standard support (ESM
# ignored), Debian LTS, Oracle Linux Premier support.
# Sources (checked 2026): learn.microsoft.com/lifecycle/products (Windows Server 2003..2025,
# Windows XP..10); access.redhat.com/support/policy/updates/errata (RHEL 4..9);
# centos.org/centos-linux-eol and blog.centos.org (CentOS 5..8, Stream 8/9);
# suse.com/lifecycle (SLES 10..15); ubuntu.com/about/release-cycle (LTS 12.04..24.04);
# wiki.debian.org/LTS (Debian 7..12); oracle.com/a/ocom/docs/elsp-lifetime-069338.pdf
# (Oracle Linux 5..9, Solaris 10); aws.amazon.com/amazon-linux-2/faqs and
# docs.aws.amazon.com/linux/al2023 (Amazon Linux 1, 2, 2023); wiki.rockylinux.org and
# wiki.almalinux.org (Rocky / AlmaLinux 8, 9).
END_OF_SUPPORT: dict[tuple[str, str], dt.date] = {
    ("Windows Server", "NT 4.0"): dt.date(2004, 12, 31),
    ("Windows Server", "2000"): dt.date(2010, 7, 13),
    ("Windows Server", "2003"): dt.date(2015, 7, 14),
    ("Windows Server", "2003 R2"): dt.date(2015, 7, 14),
    ("Windows Server", "2008"): dt.date(2020, 1, 14),
    ("Windows Server", "2008 R2"): dt.date(2020, 1, 14),
    ("Windows Server", "2012"): dt.date(2023, 10, 10),
    ("Windows Server", "2012 R2"): dt.date(2023, 10, 10),
    ("Windows Server", "2016"): dt.date(2027, 1, 12),
    ("Windows Server", "2019"): dt.date(2029, 1, 9),
    ("Windows Server", "2022"): dt.date(2031, 10, 14),
    ("Windows Server", "2025"): dt.date(2034, 10, 10),
    ("Windows", "NT 4.0"): dt.date(2004, 6, 30),
    ("Windows", "2000"): dt.date(2010, 7, 13),
    ("Windows", "XP"): dt.date(2014, 4, 8),
    ("Windows", "Vista"): dt.date(2017, 4, 11),
    ("Windows", "7"): dt.date(2020, 1, 14),
    ("Windows", "8"): dt.date(2016, 1, 12),
    ("Windows", "8.1"): dt.date(2023, 1, 10),
    ("Windows", "10"): dt.date(2025, 10, 14),
    ("RHEL", "3"): dt.date(2010, 10, 31),
    ("RHEL", "4"): dt.date(2012, 2, 29),
    ("RHEL", "5"): dt.date(2017, 3, 31),
    ("RHEL", "6"): dt.date(2020, 11, 30),
    ("RHEL", "7"): dt.date(2024, 6, 30),
    ("RHEL", "8"): dt.date(2029, 5, 31),
    ("RHEL", "9"): dt.date(2032, 5, 31),
    ("CentOS", "4"): dt.date(2012, 2, 29),
    ("CentOS", "5"): dt.date(2017, 3, 31),
    ("CentOS", "6"): dt.date(2020, 11, 30),
    ("CentOS", "7"): dt.date(2024, 6, 30),
    ("CentOS", "8"): dt.date(2021, 12, 31),
    ("CentOS Stream", "8"): dt.date(2024, 5, 31),
    ("CentOS Stream", "9"): dt.date(2027, 5, 31),
    ("Oracle Linux", "5"): dt.date(2017, 6, 30),
    ("Oracle Linux", "6"): dt.date(2021, 3, 1),
    ("Oracle Linux", "7"): dt.date(2024, 12, 31),
    ("Oracle Linux", "8"): dt.date(2029, 7, 31),
    ("Oracle Linux", "9"): dt.date(2032, 6, 30),
    ("Rocky Linux", "8"): dt.date(2029, 5, 31),
    ("Rocky Linux", "9"): dt.date(2032, 5, 31),
    ("AlmaLinux", "8"): dt.date(2029, 5, 31),
    ("AlmaLinux", "9"): dt.date(2032, 5, 31),
    ("SLES", "9"): dt.date(2011, 8, 31),
    ("SLES", "10"): dt.date(2013, 7, 31),
    ("SLES", "11"): dt.date(2019, 3, 31),
    ("SLES", "12"): dt.date(2024, 10, 31),
    ("SLES", "15"): dt.date(2031, 7, 31),
    ("Ubuntu", "12.04"): dt.date(2017, 4, 28),
    ("Ubuntu", "14.04"): dt.date(2019, 4, 25),
    ("Ubuntu", "16.04"): dt.date(2021, 4, 30),
    ("Ubuntu", "18.04"): dt.date(2023, 5, 31),
    ("Ubuntu", "20.04"): dt.date(2025, 5, 29),
    ("Ubuntu", "22.04"): dt.date(2027, 6, 1),
    ("Ubuntu", "24.04"): dt.date(2029, 5, 31),
    ("Debian", "6"): dt.date(2016, 2, 29),
    ("Debian", "7"): dt.date(2018, 5, 31),
    ("Debian", "8"): dt.date(2020, 6, 30),
    ("Debian", "9"): dt.date(2022, 6, 30),
    ("Debian", "10"): dt.date(2024, 6, 30),
    ("Debian", "11"): dt.date(2026, 8, 31),
    ("Debian", "12"): dt.date(2028, 6, 30),
    ("Amazon Linux", "1"): dt.date(2023, 12, 31),
    ("Amazon Linux", "2"): dt.date(2026, 6, 30),
    ("Amazon Linux", "2023"): dt.date(2029, 6, 30),
    ("Solaris", "10"): dt.date(2024, 1, 31),
}


class OsInfo(NamedTuple):
    family: str
    name: str | None = None
    version: str | None = None
    edition: str | None = None

    def specificity(self) -> int:
        """How much the string told us; the better of two strings wins."""
        return (
            (self.family != "unknown") * 1
            + (self.name is not None) * 2
            + (self.version is not None) * 4
            + (self.edition is not None) * 1
        )


_UNKNOWN = OsInfo("unknown")

# Windows Server release from any spelling: "2008 R2", "2k8r2", "2012r2", "w2k3".
_WIN_SERVER_VERSION = re.compile(
    r"(?<![\d.])(?P<year>2000|2003|2008|2012|2016|2019|2022|2025|2k(?:3|8|12|16|19|22|25)?)"
    r"(?!\d)\s*(?:-|_)?\s*(?P<r2>r2)?"
)
_WIN_SHORT = {"2k": "2000", "2k3": "2003", "2k8": "2008", "2k12": "2012", "2k16": "2016",
              "2k19": "2019", "2k22": "2022", "2k25": "2025"}
# NT kernel build -> Windows Server release, for "Windows Server" + "10.0.17763" pairs.
_WIN_SERVER_BUILDS = (
    ("10.0.26100", "2025"), ("10.0.20348", "2022"), ("10.0.17763", "2019"),
    ("10.0.14393", "2016"), ("6.3", "2012 R2"), ("6.2", "2012"), ("6.1", "2008 R2"),
    ("6.0", "2008"), ("5.2", "2003"), ("5.0", "2000"),
)
_WIN_EDITIONS = (
    ("datacenter", "Datacenter"), ("data center", "Datacenter"), ("standard", "Standard"),
    ("enterprise", "Enterprise"), ("web", "Web"), ("foundation", "Foundation"),
    ("essentials", "Essentials"), ("small business", "Small Business"),
    ("storage", "Storage"), ("professional", "Professional"), ("pro", "Professional"),
    ("ultimate", "Ultimate"), ("home", "Home"), ("business", "Business"),
)
_WIN_CLIENT = re.compile(
    r"\b(?:windows|win)\s*(?P<v>xp|vista|7|8\.1|8|10|11|nt\s*4(?:\.0)?|2000|98|95|me)\b"
)
# "windows", "win", "w2k..", "ws2019", "winsrv": tokens that mean Microsoft Windows.
_WIN_TOKEN = re.compile(r"\b(?:microsoft|windows|win(?:dows)?\s*(?:srv|svr|server)?|ws|w)\s*"
                        r"(?:server\s*)?(?=20\d\d|2k)|\bwindows\b|\bwin\d|\bwin\b")

# Linux products: regex -> (name, version rule). Order matters: the first match wins.
# Version rules: "major" takes the first number's integer part, "ubuntu" takes NN.NN.
_LINUX_PRODUCTS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), name, rule)
    for p, name, rule in (
        (r"centos\s*stream", "CentOS Stream", "major"),
        (r"\bcent\s*os\b|\bcentos", "CentOS", "major"),
        (r"rocky", "Rocky Linux", "major"),
        (r"\balma\s*linux|\balmalinux|\balma\b", "AlmaLinux", "major"),
        (r"oracle\s*(?:enterprise\s*)?linux|\boel(?=\s*\d)|\bol(?=\s*\d)|\boel\b", "Oracle Linux",
         "major"),
        (r"amazon\s*linux|\bamzn|\bal2023\b|\bal2\b", "Amazon Linux", "amazon"),
        (r"fedora", "Fedora", "major"),
        (r"coreos|rhcos", "CoreOS", "none"),
        (r"red\s*hat|\brhel|\bredhat", "RHEL", "major"),
        (r"opensuse", "openSUSE", "decimal"),
        (r"suse|\bsles|\bsled\b", "SLES", "major"),
        (r"ubuntu", "Ubuntu", "ubuntu"),
        (r"debian", "Debian", "major"),
        (r"photon", "Photon OS", "decimal"),
        (r"flatcar", "Flatcar", "none"),
        (r"asianux", "Asianux", "major"),
        (r"mandr(?:ake|iva)", "Mandriva", "none"),
        (r"turbolinux", "Turbolinux", "none"),
        (r"miracle\s*linux", "Miracle Linux", "major"),
        (r"gentoo", "Gentoo", "none"),
        (r"\barch\s*linux", "Arch Linux", "none"),
        (r"alpine", "Alpine", "decimal"),
        (r"\bother\b.*linux|\blinux\b|\blnx\b", "Other Linux", "none"),
    )
)

_OTHER_PRODUCTS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(p), name, rule)
    for p, name, rule in (
        (r"freebsd", "FreeBSD", "decimal"),
        (r"solaris|sunos", "Solaris", "major"),
        (r"\baix\b", "AIX", "decimal"),
        (r"hp-?ux", "HP-UX", "none"),
        (r"netware", "NetWare", "decimal"),
        (r"\bsco\b|openserver|unixware", "SCO", "none"),
        (r"mac\s*os|macos|darwin", "macOS", "decimal"),
        (r"esxi?\b|vmkernel", "ESXi", "decimal"),
        (r"\bos/?2\b", "OS/2", "none"),
        (r"ms-?dos|\bdos\b", "DOS", "none"),
        (r"netbsd|openbsd", "BSD", "none"),
        (r"^other\b", "Other", "none"),
    )
)

# Parts of VMware strings that only add noise.
_NOISE = re.compile(r"\((?:32|64)-?bit\)|\b(?:32|64)-?bit\b|\bx64\b|\bx86(?:_64)?\b|"
                    r"\bamd64\b|[®™]|\(r\)|\(tm\)")


def _version(rule: str, text: str, after: int) -> str | None:
    """The version number found in `text` after position `after`, per the product's rule."""
    tail = text[after:]
    if rule == "none":
        return None
    if rule == "ubuntu":
        m = re.search(r"(?<!\d)(\d{2})\.(\d{2})(?!\d)", tail)
        return f"{m.group(1)}.{m.group(2)}" if m else None
    if rule == "amazon":
        if re.search(r"\b2023\b|al2023", text):
            return "2023"
        if re.search(r"\bami\b|\b20(?:1[5-8])\.\d\d", tail):
            return "1"
        if re.search(r"(?<![\d.])2(?![\d.])|\bal2\b|amzn2", text):
            return "2"
        return None
    # "CentOS 4/5/6/7" is VMware's catch-all: no single version.
    if re.match(r"^[^\d]*\d+\s*/\s*\d+", tail):
        return None
    m = re.search(r"(?<![\d.])(\d{1,2})(?:\.(\d+))?(?![\d/])", tail)
    if not m:
        return None
    if rule == "decimal" and m.group(2) is not None:
        return f"{m.group(1)}.{m.group(2)}"
    return m.group(1)


def _windows(text: str) -> OsInfo | None:
    if not _WIN_TOKEN.search(text):
        return None
    edition = next((e for key, e in _WIN_EDITIONS if re.search(rf"\b{key}\b", text)), None)
    server = bool(re.search(r"server|\bsrv|\bsvr|\bws\s*\d|\bw2k|\bwin2k|\bw20|\bwin20", text))
    m = _WIN_SERVER_VERSION.search(text)
    client = _WIN_CLIENT.search(text)
    if client and not server:
        v = client.group("v").replace(" ", "").upper()
        v = {"NT4": "NT 4.0", "NT4.0": "NT 4.0", "VISTA": "Vista"}.get(v, v)
        return OsInfo("windows", "Windows", v, edition)
    if m:
        year = _WIN_SHORT.get(m.group("year"), m.group("year"))
        version = f"{year} R2" if m.group("r2") else year
        return OsInfo("windows", "Windows Server", version, edition)
    if server:
        for build, version in _WIN_SERVER_BUILDS:
            if re.search(rf"(?<![\d.]){re.escape(build)}(?![\d])", text):
                return OsInfo("windows", "Windows Server", version, edition)
        if re.search(r"\bnt\s*4", text):
            return OsInfo("windows", "Windows Server", "NT 4.0", edition)
        return OsInfo("windows", "Windows Server", None, edition)
    return OsInfo("windows", None, None, edition)


def _classify_one(raw: object) -> OsInfo:
    """Classify one OS string (case-insensitive); unknown when blank or unrecognised."""
    if raw is None or raw is pd.NA or (isinstance(raw, float) and raw != raw):
        return _UNKNOWN
    text = _NOISE.sub(" ", str(raw).lower())
    text = re.sub(r"\s+", " ", text).strip()
    if not text or text in {"-", "n/a", "na", "none", "unknown", "null"}:
        return _UNKNOWN
    win = _windows(text)
    if win is not None:
        return win
    for table, family in ((_LINUX_PRODUCTS, "linux"), (_OTHER_PRODUCTS, "other")):
        for pattern, name, rule in table:
            m = pattern.search(text)
            if m:
                if name == "Other":
                    return OsInfo("other")
                return OsInfo(family, name, _version(rule, text, m.end()))
    return _UNKNOWN


def _combine(config: OsInfo, tools: OsInfo) -> OsInfo:
    """The more specific of the two; on a tie VMware Tools wins (it reports the running guest)."""
    best, other = (tools, config) if tools.specificity() >= config.specificity() else (
        config, tools)
    if best.edition is None and other.edition and (other.name, other.version) == (
            best.name, best.version):
        best = best._replace(edition=other.edition)
    return best


def end_of_support(name: pd.Series, version: pd.Series,
                   as_of: dt.date | None = None) -> pd.Series:
    """True when (name, version) is past its END_OF_SUPPORT date on `as_of` (default today).

    NA when the version is unknown or the product/version is not in the table.
    """
    as_of = as_of or dt.date.today()
    keys = name.astype("string") + "|" + version.astype("string")
    ended = {f"{n}|{v}": d < as_of for (n, v), d in END_OF_SUPPORT.items()}
    return keys.map(ended).astype("boolean")


def classify_os(os_config: pd.Series, os_tools: pd.Series | None = None, *,
                as_of: dt.date | None = None) -> pd.DataFrame:
    """Classify OS strings into `OS_COLUMNS`, on the index of `os_config`.

    `os_config` is the primary OS string (RVTools "OS according to the configuration file",
    Azure/AWS OS name + version, a hand-typed "os" column); `os_tools` the optional second
    one (RVTools "OS according to the VMware Tools"). The more specific reading wins.
    `as_of` is the date end-of-support is judged on (default: today).
    """
    tools = os_tools if os_tools is not None else pd.Series(pd.NA, index=os_config.index)
    if not tools.index.equals(os_config.index):
        tools = tools.reindex(os_config.index)
    # Distinct (config, tools) pairs by integer codes: classify each once, map back.
    c_codes, c_uniq = pd.factorize(os_config.astype("string").to_numpy(dtype=object))
    t_codes, t_uniq = pd.factorize(tools.astype("string").to_numpy(dtype=object))
    width = len(t_uniq) + 1
    codes, pairs = pd.factorize((c_codes + 1).astype(np.int64) * width + (t_codes + 1))
    cache: dict[object, OsInfo] = {}

    def one(uniq: np.ndarray, i: int) -> OsInfo:
        raw = uniq[i] if i >= 0 else None
        if raw not in cache:
            cache[raw] = _classify_one(raw)
        return cache[raw]

    results = [_combine(one(c_uniq, int(p // width) - 1), one(t_uniq, int(p % width) - 1))
               for p in pairs]
    table = pd.DataFrame(results, columns=["os_family", "os_name", "os_version", "os_edition"],
                         dtype="string") if results else pd.DataFrame(
        {c: pd.Series([], dtype="string") for c in OS_COLUMNS[:4]})
    table["os_end_of_support"] = end_of_support(table["os_name"], table["os_version"], as_of)
    out = table.iloc[codes].reset_index(drop=True)
    out.index = os_config.index
    return out
