"""The assumption sections: every default with its unit, description and source.

Sources are the rows of `../shared/reference/methodology-sources.md`; reliability there is
H (official), M (third party) or L (blog/estimate). Money units use the `{currency}` placeholder,
rendered with `finance.currency` (which labels values; it does not convert them).
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictStr, field_validator, model_validator

from estimator.assumptions._fields import (
    CURRENCY,
    NO_SOURCE,
    Num,
    Range,
    Section,
    num,
    setting,
)

C = CURRENCY
# The values of estimator.model.FIT_LEVELS (a test keeps them equal).
FitLevel = Literal[
    "excellent", "good", "needs_work", "retire_idle", "retire_with_platform", "stays_vm",
    "no_fit", "insufficient_data",
]
# What a fit rule family does to the VMs it catches; 'ignore' switches the family off.
InfraAction = Literal["retire_with_platform", "stays_vm", "no_fit", "ignore"]
OsAction = Literal["stays_vm", "no_fit", "ignore"]
OsName = Literal["any", "linux", "windows"]

AZ_BC = "Microsoft Learn, Azure Migrate 'Business case calculation'"
AZ_ASSESS = "Microsoft Learn, Azure Migrate assessment properties"
WIN_PRICE = "Microsoft Windows Server pricing page (2025 list price)"
WIN_TERMS = "Microsoft product terms"
VMW = "licensing analysts (2026) quoting Broadcom material"
LABOUR = (
    "US BLS sysadmin median USD 43.52/h (May 2022) x 1.42 benefits loading (BLS ECEC 2021) "
    "= USD 62/h; range for regional and contractor rates is an estimate"
)
ADMIN_RATIO = (
    "estimate, no public source; derived from Gartner's 75-250 virtual servers per admin "
    "(Computerworld 2010): about 1 admin hour per VM-month in total"
)


# ------------------------------------------------------------------------------------------- scope
class Scope(Section):
    """Which VMs of the inventory are candidates at all."""

    include_powered_off: StrictBool = setting(
        False, description="Count powered-off VMs as candidates (they still cost licences)."
    )
    include_suspended: StrictBool = setting(False, description="Count suspended VMs.")
    include_templates: StrictBool = setting(False, description="Count VM templates.")
    include_srm_placeholders: StrictBool = setting(
        False, description="Count Site Recovery Manager placeholder VMs (replicas, not workloads)."
    )
    exclude_name_patterns: tuple[StrictStr, ...] = setting(
        ("vCLS-*", "vCLS (*"),
        description="VM name patterns (fnmatch, case-insensitive) excluded as infrastructure VMs.",
        source="vSphere Cluster Services agent VMs are named vCLS-* (VMware docs)",
    )
    include_clusters: tuple[StrictStr, ...] = setting(
        (), description="Cluster name patterns in scope (empty = all clusters)."
    )
    exclude_clusters: tuple[StrictStr, ...] = setting(
        (), description="Cluster name patterns out of scope."
    )
    include_datacenters: tuple[StrictStr, ...] = setting(
        (), description="Datacenter name patterns in scope (empty = all datacenters)."
    )
    exclude_datacenters: tuple[StrictStr, ...] = setting(
        (), description="Datacenter name patterns out of scope."
    )
    overrides_file: StrictStr | None = setting(
        None,
        description=(
            "CSV of per-VM overrides: column name (required), optional vcenter, exclude, "
            "fit_level, environment, security_zone, replicas."
        ),
    )
    as_of: dt.date | None = setting(
        None,
        description=(
            "Date end of support is judged on (YYYY-MM-DD); empty: the day of the run, which "
            "the result records."
        ),
    )


# ------------------------------------------------------------------------------------------ sizing
class OsOverheadMemory(Section):
    """Guest-OS memory a container no longer needs, per OS family."""

    windows: Num = num(
        (1.0, 2.0, 4.0),
        unit="GiB",
        description="Memory used by a Windows Server guest OS itself, freed in a container.",
        source=(
            "Microsoft Docs hardware requirements: 2 GB with Desktop Experience (4 GB recommended "
            "for 2025), 512 MB Server Core"
        ),
    )
    linux: Num = num(
        (0.25, 0.5, 1.5),
        unit="GiB",
        description="Memory used by a Linux guest OS itself, freed in a container.",
        source=(
            "Red Hat install guide (1.5 GiB minimum); BTH thesis 'Containers & Virtual machines' "
            "(VM 3-4 GiB vs container 70 MiB-2.5 GiB); running footprint is an estimate"
        ),
    )
    other: Num = num(
        (0.5, 1.0, 2.0),
        unit="GiB",
        description="Memory used by another guest OS (BSD, Solaris...) itself.",
        source=NO_SOURCE,
    )
    unknown: Num = num(
        (0.5, 1.0, 2.0),
        unit="GiB",
        description="Memory used by a guest OS whose family is unknown.",
        source=NO_SOURCE,
    )


class OsOverheadCpu(Section):
    """Guest-OS CPU a container no longer needs, per OS family."""

    windows: Num = num(
        (0.1, 0.25, 0.5),
        unit="cores",
        description="CPU used by Windows Server background services, freed in a container.",
        source=f"{NO_SOURCE}; Felter et al., IBM RC25482 (2014): containers are near native",
    )
    linux: Num = num(
        (0.05, 0.1, 0.25),
        unit="cores",
        description="CPU used by Linux guest background services, freed in a container.",
        source=f"{NO_SOURCE}; Felter et al., IBM RC25482 (2014): containers are near native",
    )
    other: Num = num(
        (0.05, 0.1, 0.25), unit="cores", description="CPU used by another guest OS.",
        source=NO_SOURCE,
    )
    unknown: Num = num(
        (0.05, 0.1, 0.25), unit="cores", description="CPU used by an unknown guest OS.",
        source=NO_SOURCE,
    )


class Sizing(Section):
    """How a VM becomes a container request."""

    basis: Literal["utilisation", "allocated"] = setting(
        "utilisation",
        description=(
            "utilisation: size from the best measured use in the inventory (per-VM usage, else "
            "the host's measured use shared by its VMs, else today's vCPU-to-core ratio); "
            "allocated: the VM's memory and its vCPUs at today's vCPU-to-core ratio "
            "(as on premises)."
        ),
        source=AZ_ASSESS,
    )
    cpu_percentile: Num = num(
        (90, 95, 99),
        unit="percent",
        le=100,
        description="Percentile of CPU samples used as the VM's CPU demand (with time series).",
        source=f"{AZ_ASSESS} (default 95th); Rzadca et al., EuroSys 2020 (Autopilot p95/p90)",
    )
    memory_percentile: Num = num(
        (95, 98, 100),
        unit="percent",
        le=100,
        description="Percentile of memory samples used as the VM's memory demand.",
        source="Rzadca et al., EuroSys 2020: Autopilot sizes memory at p98 or the maximum",
    )
    comfort_factor: Num = num(
        (1.1, 1.3, 2.0),
        unit="x",
        ge=1.0,
        description="Headroom multiplied onto measured demand before it becomes a request.",
        source=f"{AZ_ASSESS} (examples 1.3-2.0); VPA adds a 15% safety margin",
    )
    memory_position: Num = num(
        (0.0, 0.5, 1.0),
        unit="fraction",
        le=1,
        description=(
            "Where a VM's memory need lies between vSphere Active memory (0) and Consumed "
            "memory, or allocated minus the guest OS when Consumed is unknown (1)."
        ),
        source=(
            "VMware vRealize Operations 8.10 'Rightsizing' reclaims from Consumed; Active is a "
            "sampled estimate of recently touched pages that undercounts a working set. Method "
            "choice: halfway, with the two figures as the range"
        ),
    )
    os_overhead_memory_gib: OsOverheadMemory = Field(
        default_factory=OsOverheadMemory,
        description="Guest-OS memory freed by containerising, per OS family [GiB].",
    )
    os_overhead_cpu_cores: OsOverheadCpu = Field(
        default_factory=OsOverheadCpu,
        description="Guest-OS CPU freed by containerising, per OS family [cores].",
    )
    min_cpu_request_cores: Num = num(
        0.1,
        unit="cores",
        description="Smallest CPU request a container gets.",
        source="Kubernetes VPA minimum 25 m CPU; 100 m is a common platform floor (estimate)",
    )
    min_memory_request_gib: Num = num(
        0.25,
        unit="GiB",
        description="Smallest memory request a container gets.",
        source="Kubernetes VPA recommender minimum of 250 MB",
    )
    replicas: int = num(
        1,
        unit="replicas per workload",
        ge=1,
        integer=True,
        rangeable=False,
        description="Replicas per containerised workload (1 = like the single VM today).",
        source="method choice: a VM is one instance today",
    )


# --------------------------------------------------------------------------------------------- fit
class Fit(Section):
    """Rules deciding whether and how easily a VM can be containerised."""

    windows_min_version: int = num(
        2016,
        unit="year",
        ge=2000,
        le=2100,
        integer=True,
        rangeable=False,
        description="Oldest Windows Server release that runs as a Windows container base image.",
        source="Microsoft container base images exist for Windows Server 2016 and later",
    )
    eos_action: Literal["upgrade", "stay_vm"] = setting(
        "upgrade",
        description=(
            "End-of-support OS: 'upgrade' = needs_work with OS upgrade effort; "
            "'stay_vm' = no_fit."
        ),
    )
    win_32bit_action: OsAction = setting(
        "no_fit",
        description=(
            "32-bit Windows Server (rule OS-WIN-32BIT): no 32-bit container base image exists, "
            "so moving means rebuilding the application. 'ignore' = treat it like any older "
            "Windows Server (needs_work, upgrade the OS first)."
        ),
        source="method choice; Microsoft publishes 64-bit Windows container base images only",
    )
    win_2003_2008_action: OsAction = setting(
        "no_fit",
        description=(
            "Windows Server 2008 (not R2) or older (rule OS-WIN-2003-2008): applications of "
            "that era rarely run on a 2016+ base image unchanged, so moving means a rewrite. "
            "'ignore' = needs_work with the OS upgrade effort."
        ),
    )
    desktop_action: OsAction = setting(
        "stays_vm",
        description=(
            "Desktop Windows (XP, 7, 8, 10, 11; rule OS-DESKTOP): a desktop, jump host or VDI "
            "machine, not an application server. 'ignore' = needs_work with the OS upgrade "
            "effort (rule OS-WIN-CLIENT)."
        ),
    )
    database_patterns: tuple[StrictStr, ...] = setting(
        ("*sql*", "db[-_0-9]*", "*[-_.]db*", "*db[-_0-9]*", "*oracle*", "ora[-_0-9]*",
         "*[-_]ora[-_0-9]*", "*mongo*", "*postgres*", "*pgsql*", "*mysql*", "*maria*"),
        description="VM name patterns (fnmatch, case-insensitive) treated as databases. "
        "'db' and 'ora' only count as a separate name part, so SANDBOX or STORAGE do not match. "
        "Syntax of every fit pattern ('|' = name-part boundary; prefixes name:, tags:, "
        "annotation:, os:): docs/methodology.md, Fit rules.",
    )
    appliance_patterns: tuple[StrictStr, ...] = setting(
        ("*appliance*", "*f5*", "*fw*", "*firewall*", "*esx*", "os:*photon*"),
        description="Patterns of vendor appliances (firewall, load balancer, anything running "
        "VMware Photon OS): they ship as VM images. vCenter and NSX are in virt_mgmt_patterns.",
    )
    database_level: FitLevel = setting(
        "needs_work", description="Fit level given to databases."
    )
    appliance_level: FitLevel = setting("no_fit", description="Fit level given to appliances.")
    virt_mgmt_patterns: tuple[StrictStr, ...] = setting(
        ("*vcenter*", "*vcsa*", "*|vc|*", "*vcmgt*", "*vcmgmt*", "*psc*", "*vum[0-9]*",
         "*|vum|*", "srm*", "*[!p]srm*", "*vra[0-9]*", "*|vra|*", "*vro[0-9]*", "*|vro|*",
         "*vrealize*", "*vrops*", "*vrli*", "*vrni*", "*|aria|*", "*horizon*", "*|hzn|*",
         "*nsx*", "*vsan*", "*scvmm*", "*|vmm|*", "*vmm[0-9]*", "*vmmlib*",
         "os:*vcenter*", "annotation:*vcenter server*", "annotation:*platform services*",
         "annotation:*vrealize*", "annotation:*site recovery manager*"),
        description="Patterns of virtualisation management (rule INFRA-VIRT-MGMT): vCenter, "
        "PSC, Update Manager, SRM, vRA/vRO, Aria/vROps, Horizon, NSX, vSAN witness, SCVMM. "
        "'srm' preceded by 'p' (SAP SRM) does not count.",
    )
    virt_mgmt_action: InfraAction = setting(
        "retire_with_platform",
        description="What happens to virtualisation management: retire_with_platform (the "
        "estate leaves the hypervisor; costs before, nothing after), stays_vm, no_fit or "
        "ignore. The vsphere-kubernetes and vms-rightsized platforms keep vSphere, so they "
        "set stays_vm.",
    )
    directory_patterns: tuple[StrictStr, ...] = setting(
        ("*dc0*", "*-dc*", "*addc*", "*domain*", "*|ad|*", "*dirsvc*", "*ldap*", "*adfs*",
         "*aadc*", "*azadconn*", "*adrms*", "annotation:*domain controller*"),
        description="Patterns of directory servers (rule INFRA-DIRECTORY, formerly WL-DC): "
        "domain controllers, LDAP, ADFS, Azure AD Connect, AD RMS.",
    )
    directory_action: InfraAction = setting(
        "stays_vm",
        description="What happens to directory servers: stays_vm, no_fit, retire_with_platform "
        "or ignore.",
    )
    network_service_patterns: tuple[StrictStr, ...] = setting(
        ("*dns*", "*dhcp*", "*|ns|*", "*ipam*", "*infoblox*", "*kms*", "*pki*", "*subca*",
         "*rootca*", "*issuingca*", "*adcs*", "*certsrv*", "*|nps|*", "*radius*", "*|ntp|*",
         "*wins[0-9]*", "*|wins|*", "*print[0-9]*", "*|print|*", "*printsrv*",
         "annotation:*certificate authority*"),
        description="Patterns of network and Windows services (rule INFRA-NETWORK-SVC): DNS, "
        "DHCP, IPAM, KMS, PKI/CA, NPS/RADIUS, NTP, WINS, print servers.",
    )
    network_service_action: InfraAction = setting(
        "stays_vm",
        description="What happens to network services: stays_vm, no_fit, retire_with_platform "
        "or ignore.",
    )
    endpoint_mgmt_patterns: tuple[StrictStr, ...] = setting(
        ("*sccm*", "*mecm*", "*configmgr*", "*wsus*", "*scorch*", "*mcafee*", "*trellix*",
         "*|epo|*", "eposrv*", "*[!r]eposrv*", "*sepm*", "*symantec*", "*sophos*",
         "*kaspersky*", "*trendmicro*", "*apexone*", "*crowdstrike*", "*sentinelone*",
         "*antivirus*", "*vscan*", "*bigfix*", "*tanium*", "*altiris*", "*landesk*", "*ivanti*"),
        description="Patterns of endpoint and systems management (rule INFRA-ENDPOINT-MGMT): "
        "SCCM/MECM, WSUS, System Center Orchestrator, antivirus and EDR consoles, virus "
        "scanners, patch and inventory tools. 'eposrv' preceded by 'r' (a repo server) does "
        "not count.",
    )
    endpoint_mgmt_action: InfraAction = setting(
        "stays_vm",
        description="What happens to endpoint management: stays_vm, no_fit, "
        "retire_with_platform or ignore.",
    )
    backup_patterns: tuple[StrictStr, ...] = setting(
        ("*veeam*", "*|vbr|*", "*commvault*", "*netbackup*", "*nbu*", "*avamar*",
         "*networker*", "*|dpm|*", "*rubrik*", "*cohesity*", "*acronis*", "*arcserve*",
         "tsm*", "*[!i]tsm*", "*vmprxy*", "*vmproxy*", "*backupproxy*"),
        description="Patterns of backup servers and proxies (rule INFRA-BACKUP): Veeam, "
        "Commvault, NetBackup, Avamar, NetWorker, DPM, Rubrik, Cohesity, Acronis, TSM. Names "
        "only: backup tools write into VM notes, so notes would match every protected VM. "
        "'tsm' preceded by 'i' (ITSM) does not count.",
    )
    backup_action: InfraAction = setting(
        "stays_vm",
        description="What happens to backup servers: stays_vm, no_fit, retire_with_platform "
        "or ignore.",
    )
    monitoring_patterns: tuple[StrictStr, ...] = setting(
        ("*scom*", "*nagios*", "*zabbix*", "*icinga*", "*checkmk*", "*prtg*", "*solarwinds*",
         "*|mon|*", "*monitor*", "*logcoll*", "*collector*", "*syslog*", "*noc[0-9]*",
         "*addm*"),
        description="Patterns of monitoring and discovery collectors (rule INFRA-MONITORING): "
        "SCOM, Nagios, Zabbix, Icinga, Checkmk, PRTG, SolarWinds, log collectors, BMC "
        "Discovery (ADDM) scanners.",
    )
    monitoring_action: InfraAction = setting(
        "stays_vm",
        description="What happens to monitoring collectors: stays_vm, no_fit, "
        "retire_with_platform or ignore.",
    )
    stateful_storage_gib: Num = num(
        (1024, 2048, 4096),
        unit="GiB",
        description=(
            "Used storage above which a VM is stateful and large (rule SIZE-STATEFUL-LARGE): "
            "needs_work, its data needs persistent volumes and a migration plan (provisioned "
            "storage when used is unknown)."
        ),
        source="method choice, no public figure: copying 2 TiB takes about 6 h even at "
        "100 MB/s, so the move needs its own data plan; range 1-4 TiB",
    )
    large_vcpus: Num = num(
        (8, 16, 32),
        unit="vCPU",
        description=(
            "vCPU count above which a VM is large (rule SIZE-LARGE-VCPU): needs_work, right-size "
            "it first, unless measured use (vCPU x CPU utilisation) is at or below this count."
        ),
        source="method choice: 16 vCPU is half of a 32-core node; range 8-32",
    )
    idle_cpu_util: Num = num(
        0.05,
        unit="fraction",
        le=1,
        description="CPU utilisation below which (with memory) a VM counts as idle.",
        source=f"{AZ_BC}: idle = CPU and memory below 5%",
    )
    idle_memory_util: Num = num(
        0.05,
        unit="fraction",
        le=1,
        description="Memory utilisation below which (with CPU) a VM counts as idle.",
        source=f"{AZ_BC}: idle = CPU and memory below 5%",
    )
    retire_idle: StrictBool = setting(
        True,
        description=(
            "Idle or zombie VMs get level retire_idle: they do not move and cost nothing after "
            "(unless an infrastructure role or desktop rule says they stay)."
        ),
        source=AZ_BC,
    )
    rules_disabled: tuple[StrictStr, ...] = setting(
        (), description="Fit rule IDs to switch off (WL-DC is accepted for INFRA-DIRECTORY)."
    )


# ---------------------------------------------------------------------------------------- platform
# Documented rule for the default node prices (no public price exists for a generic node):
#   hardware_per_node_year = (3,000 + 250 per core + 8 per GiB) / 4 years, with a -20% / +30% range.
# The purchase formula matches the USD 15,000-25,000 placeholder for a 2-socket, 32-core host.
# Power and cooling are not in it: costs price them from power_kw and
# current.power_cooling_per_host_year (quoted for a 0.5 kW server), like the hosts today.
NODE_BASE_PRICE = 3000.0
NODE_PRICE_PER_CORE = 250.0
NODE_PRICE_PER_GIB = 8.0
NODE_AMORTISATION_YEARS = 4.0
NODE_COST_RULE = (
    "estimate, no public source. Rule: (3,000 + 250 per core + 8 per GiB) / 4 years "
    "(servers written off over 4 years as in the Azure Migrate business case); range -20%/+30%"
)


# Cloud instance price rule: AWS m6i/c6i/r6i on demand (us-east-1, 2025) fit to
# USD 0.037 per vCPU-hour + 0.00275 per GiB-hour; 1-year reserved about 35% less. A node's
# cores are physical cores, so one core is 2 vCPUs.
CLOUD_PER_CORE_HOUR = 0.037 * 2 * 0.65
CLOUD_PER_GIB_HOUR = 0.00275 * 0.65
CLOUD_NODE_RULE = (
    "AWS EC2 pricing (m6i, c6i, r6i on demand, us-east-1, 2025) fit to USD 0.037 per vCPU-hour "
    "+ 0.00275 per GiB-hour, 2 vCPUs per core, less 35% for 1-year reserved instances; range "
    "3-year reserved (-20%) to on demand (+55%)"
)


def node_cloud_cost(cores: float, memory_gib: float) -> Range:
    """Default yearly cloud-instance price of a node shape (rounded to 10)."""
    likely = (CLOUD_PER_CORE_HOUR * cores + CLOUD_PER_GIB_HOUR * memory_gib) * 8760
    return Range(
        low=round(likely * 0.8, -1), likely=round(likely, -1), high=round(likely * 1.55, -1)
    )


def node_annual_cost(cores: float, memory_gib: float) -> Range:
    """Default yearly hardware cost of a node from the documented rule (rounded to 10)."""
    purchase = NODE_BASE_PRICE + NODE_PRICE_PER_CORE * cores + NODE_PRICE_PER_GIB * memory_gib
    likely = purchase / NODE_AMORTISATION_YEARS
    return Range(
        low=round(likely * 0.8, -1), likely=round(likely, -1), high=round(likely * 1.3, -1)
    )


class NodeType(Section):
    """One node shape the packer may use."""

    cores: int = num(
        None,
        unit="cores",
        ge=1,
        integer=True,
        rangeable=False,
        description="Physical cores (or vCPUs for cloud nodes) of the node.",
        source="node catalogue (configurable)",
    )
    memory_gib: float = num(
        None,
        unit="GiB",
        ge=1,
        rangeable=False,
        description="Memory of the node.",
        source="node catalogue (configurable)",
    )
    hardware_per_node_year: Num = num(
        None,  # filled from the price rule when a node type gives only its shape
        unit=f"{C} per node per year",
        description=(
            "Yearly hardware cost of one node: the purchase amortised, or the cloud price per "
            "node-year (power and cooling are priced separately from power_kw; subscriptions, "
            "licences and care are priced elsewhere)."
        ),
        source=NODE_COST_RULE,
    )
    cloud_per_node_year: Num = num(
        None,
        unit=f"{C} per node per year",
        description=(
            "Yearly price of the node as a cloud instance (managed Kubernetes), used when "
            "platform.hardware_model = cloud."
        ),
        source=CLOUD_NODE_RULE,
    )
    sockets: int = num(
        2,
        unit="sockets",
        ge=1,
        integer=True,
        rangeable=False,
        description="CPU sockets of the server (bare-metal socket-pair subscriptions count them).",
        source="node catalogue (configurable): common 2-socket servers",
    )
    power_kw: Num = num(
        0.0,
        unit="kW",
        description=(
            "Average electrical draw of the node; power and cooling cost scale with it "
            "(0 for cloud nodes, whose price includes power)."
        ),
        source=(
            f"{NO_SOURCE}; typical 1-2 socket servers draw 0.25-0.55 kW; "
            "0.5 kW is the reference of current.power_cooling_per_host_year"
        ),
    )
    os: OsName = setting("any", description="OS family the node runs: any, linux or windows.")

    @model_validator(mode="before")
    @classmethod
    def _prices_from_the_rules(cls, data: Any) -> Any:
        """A node type given by its shape alone gets its prices from the documented rules."""
        if not isinstance(data, dict):
            return data
        try:
            cores, memory = float(data["cores"]), float(data["memory_gib"])
        except (KeyError, TypeError, ValueError):
            return data  # field validation names what is wrong
        rules = {"hardware_per_node_year": node_annual_cost, "cloud_per_node_year":
                 node_cloud_cost}
        out = dict(data)
        for key, rule in rules.items():
            if out.get(key) is None:
                out[key] = rule(cores, memory).model_dump()
        return out


def _node(cores: int, memory_gib: float, power_kw: float, sockets: int = 2) -> NodeType:
    return NodeType(
        cores=cores,
        memory_gib=memory_gib,
        hardware_per_node_year=node_annual_cost(cores, memory_gib),
        cloud_per_node_year=node_cloud_cost(cores, memory_gib),
        sockets=sockets,
        power_kw=power_kw,
    )


def default_node_types() -> dict[str, NodeType]:
    return {
        "general-16": _node(16, 64, 0.25),
        "general-32": _node(32, 128, 0.35),
        "memory-32": _node(32, 256, 0.40),
        "general-64": _node(64, 256, 0.55),
        # memory-heavy estates (legacy VMs allocate 4-8 GiB per vCPU) need these shapes
        "highmem-32": _node(32, 512, 0.45),
        "highmem-32-1t": _node(32, 1024, 0.55),
        "highmem-64": _node(64, 1024, 0.70),
    }


def host_shaped_node(cores: int, memory_gib: float) -> NodeType:
    """A node shaped like a host of today (the documented price rule, 0.5 kW)."""
    return _node(cores, memory_gib, 0.5)


ISOLATION_KEYS = ("os_family", "security_zone", "environment")


PLATFORM_NAMES = ("openshift-bare-metal", "kubernetes-bare-metal", "vsphere-kubernetes",
                  "managed-cloud", "vms-rightsized", "custom")


class Platform(Section):
    """The target platform the workloads move to (an archetype sets these coherently)."""

    name: Literal["openshift-bare-metal", "kubernetes-bare-metal", "vsphere-kubernetes",
                  "managed-cloud", "vms-rightsized", "custom"] = setting(
        "openshift-bare-metal",
        description=(
            "Target platform archetype (estimator platforms lists them); 'custom' when the "
            "settings below were changed by hand."
        ),
        source="method choice: OpenShift on owned servers is the platform VMware estates most "
        "often weigh (Red Hat's migration planner reads RVTools exports for it)",
    )
    containers: StrictBool = setting(
        True,
        description=(
            "Workloads become containers (false: the VMs stay VMs, right-sized and consolidated "
            "onto fewer hosts; the baseline a CFO asks about)."
        ),
    )
    hardware_model: Literal["owned", "vsphere", "cloud"] = setting(
        "owned",
        description=(
            "How nodes are paid: owned servers (hardware_per_node_year + power), VMs on the "
            "vSphere hosts you keep (hosts and their hypervisor licences), or cloud instances "
            "(cloud_per_node_year, no owned hardware or facilities)."
        ),
    )
    node_types: dict[str, NodeType] = Field(
        default_factory=default_node_types,
        description=(
            "Node catalogue: name -> cores, memory_gib, hardware_per_node_year, power_kw, os."
        ),
    )
    reservation_model: Literal["gke", "eks", "aks", "openshift", "none"] = setting(
        "openshift",
        description="How much of each node the platform reserves (kubelet, system, eviction).",
        source="GKE 'Plan node sizes'; awslabs/amazon-eks-ami; Microsoft Learn AKS reservations",
    )
    max_pods_per_node: int = num(
        110,
        unit="pods",
        ge=1,
        integer=True,
        rangeable=False,
        description="Most pods one node may run.",
        source="kubelet default 110 (kubernetes.io); OpenShift tested up to 250",
    )
    target_utilisation: Num = num(
        (0.7, 0.8, 0.9),
        unit="fraction of allocatable",
        le=1,
        description="Share of each node's allocatable resources the packer may fill.",
        source=f"{NO_SOURCE}; common capacity-planning ceiling",
    )
    daemonset_cpu_cores: Num = num(
        (0.1, 0.2, 0.5),
        unit="cores per node",
        description="CPU requested on every node by agents (logging, monitoring, CNI, security).",
        source=NO_SOURCE,
    )
    daemonset_memory_gib: Num = num(
        (0.25, 0.5, 1.0),
        unit="GiB per node",
        description="Memory requested on every node by agents.",
        source=NO_SOURCE,
    )
    ha_spare_nodes_per_pool: int = num(
        1,
        unit="nodes",
        integer=True,
        rangeable=False,
        description="Spare nodes per pool so one node can fail or drain (N+1).",
        source="method choice: N+1 redundancy",
    )
    host_shaped_node_type: StrictBool = setting(
        True,
        description=(
            "Offer a node type shaped like today's most common host (its cores and memory) "
            "beside the catalogue, named like-hosts-<cores>c-<memory>g; the per-pool choice "
            "stays cost-based."
        ),
        source="method choice: the hardware the estate already runs on is a known-good shape",
    )
    isolation_keys: tuple[Literal["os_family", "security_zone", "environment"], ...] = setting(
        ("os_family",),
        description=(
            "VM attributes that get separate node pools; os_family is always included, "
            "security_zone and environment are optional."
        ),
        source="Verma et al., EuroSys 2015 (Borg): separating prod and non-prod costs 20-30% more",
    )
    subscription_basis: Literal["per_core", "per_socket_pair", "per_node", "none"] = setting(
        "per_socket_pair",
        description=(
            "How the platform subscription is charged on worker nodes: per core (core-pair "
            "subscriptions: VMs and clouds), per bare-metal socket pair (at least 1 per server, "
            "each covering up to 2 sockets and 128 cores), per node, or none."
        ),
        source="Red Hat, 'Self-managed Red Hat OpenShift subscription guide': only worker "
        "nodes count",
    )
    subscription_per_socket_pair_year: Num = num(
        (12000, 20000, 35000),
        unit=f"{C} per socket pair per year",
        description=(
            "Platform subscription per bare-metal socket pair (subscription_basis = "
            "per_socket_pair)."
        ),
        source="estimate, no public source: no verified list price for OpenShift bare-metal "
        "socket-pair subscriptions (methodology-sources.md); visible placeholder, replace with "
        "your quote",
    )
    subscription_per_core_year: Num = num(
        (250, 333, 500),
        unit=f"{C} per core per year",
        description="Platform subscription per worker core (subscription_basis = per_core; a "
        "core-pair subscription covers 2 cores or 4 vCPUs).",
        source=(
            "Red Hat pricing page: ROSA 4 vCPU (2 cores) 3-year reserved USD 0.076/h = about "
            "USD 666/year, so about USD 333 per core; self-managed list price not published"
        ),
    )
    subscription_per_node_year: Num = num(
        (1000, 1500, 3000),
        unit=f"{C} per node per year",
        description="Platform subscription per worker node (when subscription_basis = per_node).",
        source=NO_SOURCE,
    )
    control_plane_per_cluster_year: Num = num(
        0,
        unit=f"{C} per cluster per year",
        description="Managed control-plane fee per cluster (0 when you run the control plane).",
        source="AWS EKS pricing: USD 0.10 per cluster-hour x 8,760 h = 876 (managed clouds)",
    )
    control_plane_nodes: int = num(
        3,
        unit="nodes per cluster",
        integer=True,
        rangeable=False,
        description="Control-plane nodes you run per cluster (0 for a managed control plane); "
        "they carry no platform subscription but cost hardware and care.",
        source="OpenShift and kubeadm production topologies: 3 control-plane nodes (etcd quorum)",
    )
    infra_nodes: int = num(
        3,
        unit="nodes per cluster",
        integer=True,
        rangeable=False,
        description="Infrastructure nodes per cluster (router, registry, monitoring, logging); no "
        "subscription when they run only platform services.",
        source="Red Hat docs: infrastructure nodes carry no subscription; 3 for production",
    )
    control_plane_node_type: StrictStr = setting(
        "general-16",
        description="Node type of the control-plane and infrastructure nodes.",
    )
    windows_node_licence: Literal["per_core", "included"] = setting(
        "per_core",
        description="Windows Server on Windows worker nodes: licensed per node core (owned "
        "hardware), or included in the instance price (cloud).",
        source="Microsoft product terms: every physical core licensed, 16 per server minimum",
    )
    windows_support_per_node_year: Num = num(
        (0, 1000, 3000),
        unit=f"{C} per Windows node per year",
        description="Extra support or tooling a platform needs for Windows worker nodes.",
        source=f"{NO_SOURCE}; e.g. support contracts for Windows container runtimes",
    )
    platform_team_fte_per_cluster: Num = num(
        (0.5, 1.0, 2.0),
        unit="FTE per cluster",
        description="Fixed platform-team floor per cluster (upgrades, certificates, ingress, "
        "storage, on-call), on top of the per-node and per-workload effort.",
        source=f"{NO_SOURCE}; a supported distribution needs less than a community one",
    )
    registry_ci_per_cluster_year: Num = num(
        (3000, 10000, 30000),
        unit=f"{C} per cluster per year",
        description="Image registry, build pipelines and their storage per cluster.",
        source=NO_SOURCE,
    )
    registry_ci_per_workload_year: Num = num(
        (10, 50, 150),
        unit=f"{C} per workload per year",
        description="Build minutes and image storage per containerised workload.",
        source=NO_SOURCE,
    )
    clusters: int = num(
        1,
        unit="clusters",
        ge=1,
        integer=True,
        rangeable=False,
        description="Number of clusters the workloads run in.",
        source="method choice",
    )
    security_tooling_per_node_year: Num = num(
        (250, 500, 1000),
        unit=f"{C} per node per year",
        description="Image scanning, registry, runtime security and policy tooling per node.",
        source=NO_SOURCE,
    )

    @field_validator("node_types")
    @classmethod
    def _node_names(cls, value: dict[str, NodeType]) -> dict[str, NodeType]:
        if not value:
            raise ValueError("at least one node type is needed")
        for name in value:
            if not name or "." in name or any(ch.isspace() for ch in name):
                raise ValueError(f"node type name {name!r} must not be empty or hold dots/spaces")
        return value

    @model_validator(mode="after")
    def _control_plane_type(self) -> Platform:
        if self.control_plane_node_type not in self.node_types:
            raise ValueError(f"control_plane_node_type {self.control_plane_node_type!r} is not "
                             f"a node type ({', '.join(self.node_types)})")
        return self

    @field_validator("isolation_keys")
    @classmethod
    def _os_family_first(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Linux and Windows containers never share a node, so os_family is always a key.
        rest = tuple(dict.fromkeys(k for k in value if k != "os_family"))
        return ("os_family", *rest)


# ----------------------------------------------------------------------------------------- current
class Current(Section):
    """The estate today, where the inventory does not say."""

    host_cores: int = num(
        32,
        unit="cores per host",
        ge=1,
        integer=True,
        rangeable=False,
        description="Physical cores per host when the vHost sheet is missing.",
        source=f"{NO_SOURCE}; common 2 x 16-core server",
    )
    host_sockets: int = num(
        2,
        unit="sockets per host",
        ge=1,
        integer=True,
        rangeable=False,
        description="CPU sockets per host when the vHost sheet is missing.",
        source=f"{NO_SOURCE}; common 2-socket server",
    )
    host_memory_gib: float = num(
        512,
        unit="GiB per host",
        ge=1,
        rangeable=False,
        description="Memory per host when the vHost sheet is missing.",
        source=NO_SOURCE,
    )
    host_price: Num = num(
        (15000, 20000, 25000),
        unit=f"{C} per host",
        description="Purchase price of one 2-socket host.",
        source="estimate, no reliable public figure: visible placeholder USD 15,000-25,000",
    )
    vcpu_per_core: Num = num(
        (2, 4, 6),
        unit="vCPU per core",
        ge=0.1,
        description="Consolidation ratio used to infer hosts when vHost is missing.",
        source=f"{NO_SOURCE}; 4:1 is a common planning ratio",
    )
    hypervisor_per_core_year: Num = num(
        (135, 243, 350),
        unit=f"{C} per core per year",
        description="Hypervisor subscription per licensed physical core.",
        source=f"{VMW}: VCF USD 350, vSphere Foundation about USD 135 per core per year; likely "
        "value the middle of the two (replace with your contract price)",
    )
    hypervisor_min_order_cores: int = num(
        72,
        unit="cores",
        integer=True,
        rangeable=False,
        description="Smallest hypervisor subscription that can be bought (applies today and to "
        "the hosts kept after).",
        source=f"{VMW}: 72-core minimum order since April 2025",
    )
    hypervisor_term_months_left: Num = num(
        (0, 12, 36),
        unit="months",
        le=120,
        description="Months left on today's hypervisor subscription: it is paid in full until "
        "then, however many VMs have moved.",
        source=f"{NO_SOURCE}; Broadcom sells 1-, 3- and 5-year terms; set your contract's end",
    )
    hypervisor_min_cores_per_cpu: int = num(
        16,
        unit="cores per CPU",
        integer=True,
        rangeable=False,
        description="Minimum cores licensed per CPU for the hypervisor.",
        source=VMW,
    )
    power_cooling_per_host_year: Num = num(
        (600, 900, 1500),
        unit=f"{C} per host per year",
        description="Electricity and cooling for one host.",
        source=(
            "derived: 0.5 kW x 8,760 h x PUE 1.58 (Uptime 2023) x 0.13 per kWh (EIA 2023); "
            "range covers 0.09-0.24 per kWh"
        ),
    )
    amortisation_years: Num = num(
        4,
        unit="years",
        ge=1,
        description="Years over which host hardware is written off.",
        source=f"{AZ_BC}: depreciation 4 years for servers",
    )


# ---------------------------------------------------------------------------------------- licences
class Licences(Section):
    """Operating-system licences before and after."""

    windows_edition: Literal["cheapest", "standard", "datacenter"] = setting(
        "cheapest",
        description="Windows Server edition per host today: cheapest picks per host by VM count.",
        source="Microsoft licensing guide (Standard covers 2 VMs per full licensing)",
    )
    windows_standard_per_16_cores: Num = num(
        (1069, 1176, 1300),
        unit=f"{C} per 16-core pack",
        description="Windows Server Standard licence, 16-core pack.",
        source=f"{WIN_PRICE}; 2022 Open NL USD 1,069; high = reseller margin estimate",
    )
    windows_datacenter_per_16_cores: Num = num(
        (6155, 6771, 7500),
        unit=f"{C} per 16-core pack",
        description="Windows Server Datacenter licence, 16-core pack.",
        source=f"{WIN_PRICE}; 2022 Open NL USD 6,155; high = reseller margin estimate",
    )
    windows_min_cores_per_processor: int = num(
        8,
        unit="cores per processor",
        integer=True,
        rangeable=False,
        description="Minimum Windows Server cores licensed per processor.",
        source=WIN_TERMS,
    )
    windows_min_cores_per_host: int = num(
        16,
        unit="cores per host",
        integer=True,
        rangeable=False,
        description="Minimum Windows Server cores licensed per server.",
        source=WIN_TERMS,
    )
    software_assurance_fraction: Num = num(
        (0.2, 0.25, 0.3),
        unit="fraction of licence price per year",
        le=1,
        description="Software Assurance cost a year as a share of the licence price.",
        source="Directions on Microsoft: about 25% of the licence price a year",
    )
    licence_amortisation_years: Num = num(
        5,
        unit="years",
        ge=1,
        description="Years over which bought licences are written off.",
        source=f"{AZ_BC}: depreciation 5 years for licences",
    )
    linux_model: Literal["per_vm_pair", "per_socket_pair", "virtual_datacenter"] = setting(
        "per_vm_pair",
        description="How paid Linux subscriptions are counted today.",
        source="Red Hat terms as summarised in ServiceNow SAM docs (2024)",
    )
    linux_paid_os_names: tuple[StrictStr, ...] = setting(
        ("RHEL", "SLES", "Oracle Linux"),
        description="Linux distributions that carry a paid subscription.",
    )
    rhel_per_subscription_year: Num = num(
        (350, 800, 1300),
        unit=f"{C} per subscription per year",
        description="RHEL Server subscription (1 socket pair or 2 VMs).",
        source=(
            "estimate: no verified list price; about USD 800 (Standard) is often quoted; "
            "range self-support to Premium"
        ),
    )
    vdc_price_multiplier: Num = num(
        3.2,
        unit="x RHEL Server price",
        description="RHEL for Virtual Datacenters per socket pair, as a multiple of RHEL Server.",
        source="Red Hat terms as summarised in ServiceNow SAM docs (2024)",
    )
    node_linux_per_node_year: Num = num(
        0,
        unit=f"{C} per node per year",
        description=(
            "Node OS subscription after the move (0 when the platform subscription includes it, "
            "as OpenShift does for RHEL CoreOS)."
        ),
        source="Red Hat docs: OpenShift subscriptions include RHEL CoreOS on nodes",
    )
    node_windows_edition: Literal["datacenter", "standard"] = setting(
        "standard",
        description="Windows Server edition licensed on Windows nodes after the move. Kubernetes "
        "runs Windows containers with process isolation, which Standard covers without limit.",
        source="Microsoft licensing page: Standard covers unlimited Windows containers without "
        "Hyper-V isolation; Datacenter also unlimited Hyper-V-isolated ones",
    )


# -------------------------------------------------------------------------------------- operations
class Operations(Section):
    """Recurring people effort and per-instance tooling."""

    labour_per_hour: Num = num(
        (50, 62, 90),
        unit=f"{C}/h",
        description="Fully loaded cost of one operations hour.",
        source=LABOUR,
    )
    patch_hours_per_os_month: Num = num(
        (0.25, 0.5, 2.0),
        unit="h per OS instance per month",
        description="Patching effort per OS instance (VM) per month.",
        source=(
            "estimate, no authoritative figure: 0.5 h manual (0.25-2), derived from admin ratios; "
            f"{AZ_BC} prices patch management at USD 430 per server-year (about 0.58 h/month)"
        ),
    )
    os_care_hours_per_os_month: Num = num(
        (0.25, 0.5, 1.5),
        unit="h per OS instance per month",
        description="Other OS care per VM: incidents and bug fixes, access management, hardening.",
        source=ADMIN_RATIO,
    )
    monitoring_hours_per_os_month: Num = num(
        (0.1, 0.25, 0.6),
        unit="h per OS instance per month",
        description="Monitoring and security-agent care per OS instance.",
        source=f"{ADMIN_RATIO}; {AZ_BC} prices monitoring at USD 430 per server-year",
    )
    agent_per_os_year: Num = num(
        (150, 300, 600),
        unit=f"{C} per OS instance per year",
        description="Monitoring and security agent licences per OS instance.",
        source=f"{AZ_BC}: server security USD 250 per server-year; monitoring agent part estimated",
    )
    node_patch_hours_per_node_month: Num = num(
        (0.25, 0.5, 1.5),
        unit="h per node per month",
        description="Patching a node (rolling, image-based upgrades) per month.",
        source=NO_SOURCE,
    )
    node_care_hours_per_node_month: Num = num(
        (0.5, 1.0, 3.0),
        unit="h per node per month",
        description="Other node care: incidents, hardware, capacity.",
        source=NO_SOURCE,
    )
    image_rebuild_hours_per_workload_month: Num = num(
        (0.1, 0.25, 1.0),
        unit="h per workload per month",
        description="Rebuilding and redeploying a container image for base-image patches.",
        source=f"{NO_SOURCE}; mostly automated in CI",
    )
    hours_per_fte_year: Num = num(
        1760,
        unit="h per FTE per year",
        description="Working hours of one full-time engineer a year (prices FTE-based effort "
        "at labour_per_hour).",
        source="US BLS: 2,080 paid hours a year less about 320 h of leave and holidays",
    )
    platform_care_hours_per_workload_month: Num = num(
        (0.15, 0.3, 0.8),
        unit="h per workload per month",
        description="Platform team effort (upgrades, ingress, storage, support) per workload.",
        source=f"{NO_SOURCE}; e.g. 2 FTE for 500-1,000 workloads",
    )


# ------------------------------------------------------------------------------------------ backup
class BackupOsDisk(Section):
    """Backed-up data per VM that is the OS itself, and is not backed up after the move."""

    windows: Num = num(
        (20, 30, 40),
        unit="GiB per VM",
        description="OS share of a Windows VM's backed-up data.",
        source=f"{NO_SOURCE}; Windows Server needs 32 GB disk minimum (Microsoft Docs)",
    )
    linux: Num = num(
        (4, 8, 15),
        unit="GiB per VM",
        description="OS share of a Linux VM's backed-up data.",
        source=NO_SOURCE,
    )
    other: Num = num(
        (5, 10, 20), unit="GiB per VM", description="OS share of another VM's data.",
        source=NO_SOURCE,
    )
    unknown: Num = num(
        (8, 15, 30), unit="GiB per VM", description="OS share of an unknown-OS VM's data.",
        source=NO_SOURCE,
    )


class Backup(Section):
    """Backup licences and storage before and after."""

    licence_per_workload_year: Num = num(
        (150, 250, 400),
        unit=f"{C} per workload per year",
        description="Backup licence per protected VM today (one licence per workload).",
        source="Veeam help centre (licence unit); about USD 250 from aggregated price lists",
    )
    storage_per_gb_month: Num = num(
        (0.01, 0.023, 0.05),
        unit=f"{C} per GB-month",
        description="Backup storage price.",
        source="AWS S3 pricing: USD 0.023 Standard, 0.004 archive tier",
    )
    retention_multiplier: Num = num(
        (2, 3, 5),
        unit="x used storage",
        ge=0.1,
        description="Stored backup data per GB of source (full + incrementals, 2-5% daily change).",
        source=f"{NO_SOURCE}; daily change rate 2-5% (Veeam best practices)",
    )
    compression_ratio: Num = num(
        (1.5, 2, 3),
        unit="x",
        ge=1,
        description="Compression and deduplication ratio of backup data.",
        source="Veeam best practices: 2:1 typical",
    )
    os_disk_gib: BackupOsDisk = Field(
        default_factory=BackupOsDisk,
        description="OS data per VM not backed up after containerising [GiB].",
    )
    after_licence_basis: Literal["per_node", "per_namespace"] = setting(
        "per_node", description="How container backup is licensed after the move."
    )
    after_licence_per_unit_year: Num = num(
        (500, 1000, 2000),
        unit=f"{C} per unit per year",
        description="Container backup licence per node or per namespace (see after_licence_basis).",
        source=NO_SOURCE,
    )
    workloads_per_namespace: Num = num(
        (5, 10, 20),
        unit="workloads per namespace",
        ge=1,
        description="Workloads grouped in one namespace (for per-namespace licences).",
        source=NO_SOURCE,
    )


# --------------------------------------------------------------------------------------- migration
class MigrationHours(Section):
    """One-off effort to containerise one workload, by fit level."""

    excellent: Num = num(
        (4, 8, 16),
        unit="h per workload",
        description="Effort for an excellent fit (stateless, modern OS).",
        source=NO_SOURCE,
    )
    good: Num = num(
        (8, 16, 32),
        unit="h per workload",
        description="Effort for a good fit.",
        source=NO_SOURCE,
    )
    needs_work: Num = num(
        (40, 60, 120),
        unit="h per workload",
        description="Effort for a workload that needs work (state, database, old OS).",
        source=NO_SOURCE,
    )
    insufficient_data: Num = num(
        (16, 40, 80),
        unit="h per workload",
        description="Effort assumed when the data are not enough to judge.",
        source=NO_SOURCE,
    )


class Migration(Section):
    """One-off cost of moving."""

    hours_per_workload: MigrationHours = Field(
        default_factory=MigrationHours,
        description="One-off effort per workload by fit level [h].",
    )
    rightsize_hours_per_vm: Num = num(
        (0.5, 1, 3),
        unit="h per VM",
        description="Effort to right-size one VM that stays a VM (change, test, reboot window).",
        source=NO_SOURCE,
    )
    os_upgrade_hours_per_vm: Num = num(
        (8, 24, 40),
        unit="h per VM",
        description="Extra effort when the VM's OS must be upgraded first.",
        source=NO_SOURCE,
    )
    labour_per_hour: Num = num(
        (50, 62, 150),
        unit=f"{C}/h",
        description="Cost of one migration hour (internal staff; high end = consultants).",
        source=f"{LABOUR}; high end covers consultancy rates",
    )
    ramp: tuple[float, ...] = setting(
        (0.2, 0.5, 1.0),
        description="Share of workloads moved by the end of year 1, 2, 3...",
        source=f"{AZ_BC}: migration ramp 20/50/100%",
    )

    @field_validator("ramp")
    @classmethod
    def _ramp(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("ramp needs at least one year")
        if any(not 0 <= share <= 1 for share in value):
            raise ValueError("every ramp share must be between 0 and 1")
        if any(b < a for a, b in pairwise(value)):
            raise ValueError("ramp shares must not decrease")
        return value


# ---------------------------------------------------------------------------------- end of support
class EndOfSupport(Section):
    """What an operating system past its vendor support costs, moved or not."""

    staying_action: Literal["upgrade", "esu"] = setting(
        "upgrade",
        description=(
            "What a VM on an end-of-support OS needs if it stays: an in-place upgrade (its "
            "effort, spread over the horizon) or Extended Security Updates every year. A moved "
            "workload is rebuilt on a supported base image instead (migration.os_upgrade_hours_"
            "per_vm)."
        ),
        source="Microsoft lifecycle: ESU for Windows Server 2008/2008 R2 ended January 2023 "
        "(2024 on Azure) and for 2012/2012 R2 in October 2026, so most need the upgrade",
    )
    upgrade_hours_per_vm: Num = num(
        (8, 24, 40),
        unit="h per VM",
        description="Effort to upgrade the OS of a VM that stays a VM (at migration labour).",
        source=f"{NO_SOURCE}; the same as rebuilding a moved workload on a new base image",
    )
    windows_esu_fraction: Num = num(
        (0.75, 1.0, 1.25),
        unit="x Windows Standard licence per year",
        description="Windows Server ESU per year as a share of the Standard licence price, per "
        "core of the VM (at least 8).",
        source="Microsoft ESU terms: 75% (year 1), 100% (year 2), 125% (year 3) of the licence "
        "price a year; Azure Arc licenses ESU per virtual core, 8 minimum per VM",
    )
    linux_els_per_vm_year: Num = num(
        (200, 400, 800),
        unit=f"{C} per VM per year",
        description="Extended life-cycle support for an end-of-support Linux VM (e.g. RHEL ELS).",
        source=f"{NO_SOURCE}; an add-on of about half a RHEL subscription",
    )


# ----------------------------------------------------------------------------------------- storage
class Storage(Section):
    """Primary storage for the data the workloads keep."""

    before_per_gb_month: Num = num(
        (0.03, 0.05, 0.10),
        unit=f"{C} per GB-month",
        description="Primary storage today (vSAN or SAN), fully loaded, per GB used.",
        source=(
            f"{AZ_BC}: on-premises storage USD 2 per GB plus 10% maintenance a year, read as a "
            "purchase written off over 4 years (about USD 0.05 per GB-month); range estimate"
        ),
    )
    after_per_gb_month: Num = num(
        (0.03, 0.05, 0.10),
        unit=f"{C} per GB-month",
        description="Primary storage after the move (persistent volumes; VMs that stay keep "
        "today's price).",
        source=f"{AZ_BC} as for before (same arrays behind a CSI driver); cloud archetypes use "
        "block-storage list prices",
    )
    node_disk_gib: Num = num(
        (60, 120, 240),
        unit="GiB per node",
        description="Local disk of each node (OS, images, ephemeral storage).",
        source=f"{NO_SOURCE}; OpenShift requires 120 GB per node",
    )


# ----------------------------------------------------------------------------------------- network
class Network(Section):
    """Load balancing and network virtualisation before and after."""

    before_per_host_year: Num = num(
        0,
        unit=f"{C} per host per year",
        description="Network virtualisation and load-balancer licences today, per host (e.g. "
        "NSX or virtual appliances); 0 when you pay none.",
        source="method choice: most estates license NSX separately, if at all; set yours",
    )
    after_per_cluster_year: Num = num(
        (2000, 10000, 30000),
        unit=f"{C} per cluster per year",
        description="Ingress controllers and load balancers in front of each cluster.",
        source=f"{NO_SOURCE}; commercial ingress/LB subscriptions or a pair of appliances",
    )


# ----------------------------------------------------------------------------------------- finance
class Finance(Section):
    """Money settings."""

    currency: StrictStr = setting(
        "USD",
        description="Currency code of every money value (labels them; does not convert).",
    )
    horizon_years: int = num(
        5,
        unit="years",
        ge=1,
        le=30,
        integer=True,
        rangeable=False,
        description="Years the cash flow and NPV cover.",
        source="method choice; Azure Migrate business case uses 5 years",
    )
    discount_rate: Num = num(
        (0.05, 0.07, 0.10),
        unit="fraction per year",
        le=1,
        description="Discount rate (WACC) for the NPV.",
        source=f"{AZ_BC}: WACC 7%",
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha() or not value.isupper():
            raise ValueError(f"currency must be a 3-letter ISO code like USD or EUR, got {value!r}")
        return value


# ------------------------------------------------------------------------------------- uncertainty
class Uncertainty(Section):
    """Monte Carlo settings."""

    draws: int = num(
        1000,
        unit="draws",
        ge=1,
        le=1_000_000,
        integer=True,
        rangeable=False,
        description="Monte Carlo draws over the ranged assumptions.",
        source="method choice",
    )
    seed: int = num(
        42,
        unit="seed",
        integer=True,
        rangeable=False,
        description="Random seed, so runs repeat exactly.",
        source="method choice",
    )
    distribution: Literal["split_triangular", "triangular", "pert"] = setting(
        "split_triangular",
        description=(
            "Distribution drawn between low, likely and high: split_triangular puts half the "
            "draws on each side of the likely value (it is their median, so the point estimate "
            "sits inside its range); triangular and pert make it the most frequent value."
        ),
    )
    grid_points: int = num(
        24,
        unit="plans",
        ge=0,
        le=200,
        integer=True,
        rangeable=False,
        description="Joint samples of the plan assumptions re-planned for the Monte Carlo; each "
        "draw is priced on the nearest one.",
        source="method choice; docs/uncertainty.md gives the measured error",
    )


SECTIONS: dict[str, type[Section]] = {
    "scope": Scope,
    "sizing": Sizing,
    "fit": Fit,
    "platform": Platform,
    "current": Current,
    "licences": Licences,
    "operations": Operations,
    "backup": Backup,
    "migration": Migration,
    "eos": EndOfSupport,
    "storage": Storage,
    "network": Network,
    "finance": Finance,
    "uncertainty": Uncertainty,
}
