"""Synthetic RVTools-layout estates: a seed and a size in, one DataFrame per RVTools tab out.

`sample_tables(vms, seed)` builds the tabs of an RVTools 4.x export (new layout: vInfo, vCPU,
vMemory, vPartition, vHost) with RVTools' exact header spellings. The estate is believable rather
than uniform: powers of two dominate vCPU counts, memory follows vCPU, the OS mix spans Windows
Server 2008 R2 to 2022 and RHEL 6 to 9, ~90% of VMs are powered on, and templates, SRM
placeholders (named after a VM in the other vCenter) and one vCLS VM per cluster are present.
VMs sit on hosts of 2 sockets x 16-32 cores at about 3-5 vCPU per core. Usage is skewed: most VMs
are lightly used, some are idle (< 5%) and a few are zombies (0). Every value comes from one
`numpy.random.Generator(seed)`, so the same `(vms, seed)` gives the same tables. Pure: no file
I/O, no clock (the export time is fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# A missing cell in an object array (np.where with a bare None does not type-check).
_NA: np.ndarray = np.array(None, dtype=object)

__all__ = ["EXPORT_TIME", "SHEETS", "sample_tables"]

# The tabs written, in RVTools' order.
SHEETS: tuple[str, ...] = ("vInfo", "vCPU", "vMemory", "vPartition", "vHost")
# A fixed "export time" keeps dates deterministic (never read the clock).
EXPORT_TIME = np.datetime64("2025-06-02T08:30:00", "s")

_VCENTER_TYPE = "VMware vCenter Server 8.0.3 build-24262322"
_VCENTER_API = "8.0.3.0"
_DOMAIN = "corp.example.com"

_SITES: tuple[tuple[str, str], ...] = (
    ("London", "lon"), ("Frankfurt", "fra"), ("Amsterdam", "ams"), ("New York", "nyc"),
    ("Dallas", "dal"), ("Singapore", "sgp"), ("Tokyo", "tyo"), ("Sydney", "syd"),
    ("Paris", "par"), ("Madrid", "mad"), ("Chicago", "chi"), ("Toronto", "tor"),
    ("Mumbai", "bom"), ("Sao Paulo", "gru"), ("Stockholm", "sto"), ("Zurich", "zrh"),
    ("Dublin", "dub"), ("Milan", "mil"), ("Seattle", "sea"), ("Atlanta", "atl"),
)

# vCPU counts and their shares: powers of two dominate, a few odd sizes.
_VCPU = np.array([1, 2, 3, 4, 6, 8, 12, 16, 24, 32])
_VCPU_P = np.array([0.12, 0.35, 0.01, 0.28, 0.015, 0.14, 0.015, 0.05, 0.01, 0.01])
# GiB of memory per vCPU.
_GIB_PER_VCPU = np.array([1.0, 2.0, 4.0, 8.0])
_GIB_PER_VCPU_P = np.array([0.12, 0.45, 0.33, 0.10])

# OS catalogue: (configuration-file string, VMware Tools strings (one is drawn), group).
# Strings as vCenter writes them; 2012 R2 shows as "2012" in the configuration file and 2019 often
# as "2016 or later", which is why the Tools string is the better source when the VM runs.
_OS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Microsoft Windows Server 2008 R2 (64-bit)",
     ("Microsoft Windows Server 2008 R2 (64-bit)", "Microsoft Windows Server 2008 R2 Standard"),
     "win"),
    ("Microsoft Windows Server 2012 (64-bit)",
     ("Microsoft Windows Server 2012 R2 Standard", "Microsoft Windows Server 2012 R2 Datacenter"),
     "win"),
    ("Microsoft Windows Server 2016 or later (64-bit)",
     ("Microsoft Windows Server 2016 Standard", "Microsoft Windows Server 2016 Datacenter"), "win"),
    ("Microsoft Windows Server 2016 or later (64-bit)",
     ("Microsoft Windows Server 2019 Standard", "Microsoft Windows Server 2019 Datacenter"), "win"),
    ("Microsoft Windows Server 2019 (64-bit)",
     ("Microsoft Windows Server 2019 Standard", "Microsoft Windows Server 2019 Datacenter"), "win"),
    ("Microsoft Windows Server 2022 (64-bit)",
     ("Microsoft Windows Server 2022 Standard", "Microsoft Windows Server 2022 Datacenter"), "win"),
    ("Red Hat Enterprise Linux 6 (64-bit)", ("Red Hat Enterprise Linux 6 (64-bit)",), "lin"),
    ("Red Hat Enterprise Linux 7 (64-bit)", ("Red Hat Enterprise Linux 7 (64-bit)",), "lin"),
    ("Red Hat Enterprise Linux 8 (64-bit)", ("Red Hat Enterprise Linux 8 (64-bit)",), "lin"),
    ("Red Hat Enterprise Linux 9 (64-bit)", ("Red Hat Enterprise Linux 9 (64-bit)",), "lin"),
    ("CentOS 7 (64-bit)", ("CentOS 7 (64-bit)",), "lin"),
    ("Ubuntu Linux (64-bit)",
     ("Ubuntu Linux (64-bit)", "Ubuntu 20.04.6 LTS", "Ubuntu 22.04.4 LTS"), "lin"),
    ("SUSE Linux Enterprise 12 (64-bit)", ("SUSE Linux Enterprise 12 (64-bit)",), "lin"),
    ("SUSE Linux Enterprise 15 (64-bit)", ("SUSE Linux Enterprise 15 (64-bit)",), "lin"),
    ("Debian GNU/Linux 11 (64-bit)", ("Debian GNU/Linux 11 (64-bit)",), "lin"),
    ("Other 3.x or later Linux (64-bit)", ("Other 3.x or later Linux (64-bit)",), "lin"),
    ("Other Linux (64-bit)", ("Other Linux (64-bit)",), "lin"),
    ("VMware Photon OS (64-bit)", ("VMware Photon OS (64-bit)",), "app"),
    ("Other 3.x Linux (64-bit)", ("Other 3.x Linux (64-bit)",), "app"),
)
_OS_CONFIG = np.array([o[0] for o in _OS], dtype=object)
_OS_GROUP = np.array([o[2] for o in _OS])
_OS_TOOLS = np.array([[o[1][i % len(o[1])] for i in range(3)] for o in _OS], dtype=object)
_OS_N_TOOLS = np.array([len(o[1]) for o in _OS])
# Shares within each group (indices into _OS).
_OS_WIN_P = {0: 0.11, 1: 0.21, 2: 0.26, 3: 0.08, 4: 0.20, 5: 0.14}
_OS_LIN_P = {6: 0.05, 7: 0.21, 8: 0.19, 9: 0.10, 10: 0.14, 11: 0.15, 12: 0.03, 13: 0.04,
             14: 0.02, 15: 0.04, 16: 0.03}
_OS_APP_P = {17: 0.6, 18: 0.4}

# Workload roles hinted in names: (token, share, share of Windows; None = appliance OS).
_ROLES: tuple[tuple[str, float, float | None], ...] = (
    ("web", 0.15, 0.45), ("app", 0.24, 0.45), ("sql", 0.06, 1.0), ("db", 0.05, 0.0),
    ("dc", 0.015, 1.0), ("fs", 0.035, 1.0), ("batch", 0.05, 0.5), ("mq", 0.02, 0.2),
    ("cache", 0.02, 0.0), ("mon", 0.03, 0.1), ("build", 0.03, 0.2), ("rds", 0.03, 1.0),
    ("mail", 0.01, 1.0), ("srv", 0.225, 0.5), ("appliance", 0.01, None), ("vcsa", 0.003, None),
    ("nsx-mgr", 0.003, None), ("f5-ltm", 0.004, None), ("fw", 0.005, None),
)
_ROLE_TOKEN = np.array([r[0] for r in _ROLES], dtype=object)
_ROLE_P = np.array([r[1] for r in _ROLES]) / sum(r[1] for r in _ROLES)
_ROLE_WIN = np.array([np.nan if r[2] is None else r[2] for r in _ROLES])
_INFRA_ROLES = {"dc", "mon", "appliance", "vcsa", "nsx-mgr", "f5-ltm", "fw"}

_OWNERS = np.array(["Finance IT", "HR Systems", "Web Platform", "Data & Analytics",
                    "Customer Services", "Logistics", "Security", "Infrastructure"], dtype=object)
_ZONES = np.array(["Internal", "DMZ", "PCI", "Management"], dtype=object)

# Host shapes: (CPU model, MHz, cores per CPU, vendor, model, EVC mode).
_HOSTS: tuple[tuple[str, int, int, str, str, str], ...] = (
    ("Intel(R) Xeon(R) Gold 5218 CPU @ 2.30GHz", 2295, 16, "HPE", "ProLiant DL380 Gen10",
     "intel-cascadelake"),
    ("Intel(R) Xeon(R) Gold 6226R CPU @ 2.90GHz", 2893, 16, "Dell Inc.", "PowerEdge R640",
     "intel-cascadelake"),
    ("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 2993, 24, "Dell Inc.", "PowerEdge R740",
     "intel-cascadelake"),
    ("Intel(R) Xeon(R) Gold 5318Y CPU @ 2.10GHz", 2095, 24, "HPE", "ProLiant DL360 Gen10 Plus",
     "intel-icelake"),
    ("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 1995, 32, "Dell Inc.", "PowerEdge R750",
     "intel-icelake"),
    ("AMD EPYC 7543 32-Core Processor", 2794, 32, "Cisco Systems Inc", "UCSC-C245-M6SX",
     "amd-zen3"),
)
_HOST_MEMORY_GIB = np.array([512, 768, 1024, 1536])
_ESX_VERSIONS = np.array(["VMware ESXi 7.0.3 build-21930508", "VMware ESXi 8.0.2 build-22380479",
                          "VMware ESXi 8.0.3 build-24022510"], dtype=object)

_MIB_PER_GIB = 1024


def _uuids(rng: np.random.Generator, n: int, prefix: str = "") -> np.ndarray:
    """`n` random UUID strings (8-4-4-4-12 lowercase hex), optionally forcing the first digits."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16)
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = hexdigits[raw >> 4]
    chars[:, 1::2] = hexdigits[raw & 15]
    for i, ch in enumerate(prefix.encode()):
        chars[:, i] = ch
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    out = np.hstack([chars[:, :8], dash, chars[:, 8:12], dash, chars[:, 12:16], dash,
                     chars[:, 16:20], dash, chars[:, 20:]])
    return np.ascontiguousarray(out).view("S36").ravel().astype(str).astype(object)


def _pick(rng: np.random.Generator, shares: dict[int, float], n: int) -> np.ndarray:
    keys = np.array(list(shares))
    p = np.array(list(shares.values()))
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _join(*parts: object) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars, as an object array."""
    out: np.ndarray | None = None
    for part in parts:
        arr = np.asarray(part, dtype=object) if not isinstance(part, np.ndarray) or \
            part.dtype == object else part.astype(str).astype(object)
        out = arr if out is None else np.add(out, arr, dtype=object)
    return np.asarray(out, dtype=object)


def _intern(values: np.ndarray) -> np.ndarray:
    """The same strings, with equal values sharing one object (saves memory at 1M VMs)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.append(np.asarray(uniques, dtype=object), _NA)
    return table[codes]


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    return np.char.zfill(values.astype(str), width).astype(object)


_FALSE_TRUE = np.array(["False", "True"], dtype=object)


def _tf(mask: np.ndarray) -> np.ndarray:
    """RVTools writes booleans as the text True/False (two shared string objects)."""
    return _FALSE_TRUE[np.asarray(mask, dtype=np.intp)]


def _const(n: int, value: object) -> np.ndarray:
    """`n` references to one object (np.full would create `n` string objects)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _blank(n: int) -> np.ndarray:
    return _const(n, None)


def _times_before_export(rng: np.random.Generator, low_days: float, high_days: float,
                         n: int) -> np.ndarray:
    """`n` datetimes drawn uniformly between `high_days` and `low_days` before the export."""
    seconds = rng.uniform(low_days * 86400, high_days * 86400, size=n).astype(np.int64)
    return EXPORT_TIME - seconds.astype("timedelta64[s]")


def sample_tables(vms: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The tabs of a synthetic RVTools export with `vms` rows in vInfo, deterministic for `seed`.

    Returns sheet name -> DataFrame for vInfo, vCPU, vMemory, vPartition and vHost, with RVTools'
    header spellings. vInfo has exactly `vms` rows, including about 1.5% templates, a couple of SRM
    placeholders and one `vCLS-*` VM per cluster.

    >>> tables = sample_tables(800, seed=42)
    >>> len(tables["vInfo"])
    800
    """
    if vms < 1:
        raise ValueError(f"vms must be at least 1, got {vms}")
    rng = np.random.default_rng(seed)
    n = int(vms)

    # --- special VMs: vCLS (one per cluster), SRM placeholders, templates --------------------
    n_clusters = max(1, round(n / 250))
    n_vcls = n_clusters if n >= 10 * n_clusters else 0
    n_srm = (max(2, round(n * 0.0025)) if n >= 100 else 0)
    n_tpl = round(n * 0.015) if n >= 20 else 0
    n_dc = 1 if n_clusters == 1 else min(len(_SITES), max(2, round(np.sqrt(n_clusters))))
    n_srm = n_srm if n_dc >= 2 else 0
    n_reg = n - n_vcls - n_srm - n_tpl
    n_gen = n_reg + n_tpl  # generated workloads; templates are the last n_tpl of them

    # --- clusters and datacenters ---------------------------------------------------------
    cl_dc = np.arange(n_clusters) % n_dc
    cl_prod = rng.random(n_clusters) < 0.6
    if n_clusters >= 2:
        cl_prod[0], cl_prod[1] = True, False
    cl_k = pd.Series(cl_dc).groupby(cl_dc).cumcount().to_numpy() + 1
    site_code = np.array([s[1] for s in _SITES[:n_dc]], dtype=object)
    site_name = np.array([s[0] for s in _SITES[:n_dc]], dtype=object)
    cl_name = _join(np.char.upper(site_code[cl_dc].astype(str)).astype(object), "-",
                    np.where(cl_prod, "PRD", "NPD").astype(object), "-CL", _zfill(cl_k, 2))
    vc_server = _join("vc-", site_code, "01.", _DOMAIN)
    vc_uuid = _uuids(rng, n_dc)
    cl_shape = rng.integers(0, len(_HOSTS), size=n_clusters)
    cl_host_mem_gib = _HOST_MEMORY_GIB[rng.choice(4, size=n_clusters, p=[0.25, 0.35, 0.3, 0.1])]
    cl_ratio = rng.uniform(3.0, 5.0, size=n_clusters)
    cl_esx = _ESX_VERSIONS[rng.integers(0, len(_ESX_VERSIONS), size=n_clusters)]

    # --- generated workloads: role, OS, size ----------------------------------------------
    role = rng.choice(len(_ROLES), size=n_gen, p=_ROLE_P)
    role_tok = _ROLE_TOKEN[role]
    win_share = _ROLE_WIN[role]
    is_app = np.isnan(win_share)
    is_win = ~is_app & (rng.random(n_gen) < np.nan_to_num(win_share))
    os_idx = np.where(is_app, _pick(rng, _OS_APP_P, n_gen),
                      np.where(is_win, _pick(rng, _OS_WIN_P, n_gen),
                               _pick(rng, _OS_LIN_P, n_gen)))
    vcpus = _VCPU[rng.choice(len(_VCPU), size=n_gen, p=_VCPU_P)]
    # Databases and terminal servers run bigger; appliances are fixed small/medium shapes.
    big = np.isin(role_tok, ["sql", "db", "rds", "mail"]) & (rng.random(n_gen) < 0.5)
    vcpus = np.where(big, np.minimum(vcpus * 2, 32), vcpus)
    vcpus = np.where(is_app, rng.choice([2, 4, 8], size=n_gen), vcpus)
    mem_gib = vcpus * _GIB_PER_VCPU[rng.choice(4, size=n_gen, p=_GIB_PER_VCPU_P)]
    odd = rng.random(n_gen) < 0.03
    mem_gib = np.where(odd, mem_gib * 1.5, mem_gib)
    mem_gib = np.clip(mem_gib, 2, 256)

    # Cluster of each workload: uneven cluster sizes (Dirichlet weights).
    cl_w = rng.dirichlet(np.full(n_clusters, 5.0))
    cluster = rng.choice(n_clusters, size=n_gen, p=cl_w)
    dc = cl_dc[cluster]
    site = site_code[dc]

    # Names: <site>-<role><nnn>, counted within site and role; Windows servers in capitals.
    k = pd.DataFrame({"s": dc, "r": role}).groupby(["s", "r"]).cumcount().to_numpy() + 1
    width = max(3, len(str(int(k.max())))) if n_gen else 3
    names = _join(site, "-", role_tok, _zfill(k, width))
    names = np.where(is_win, np.char.upper(names.astype(str)).astype(object), names)

    # Power state: ~90% on, some off, a few suspended; templates are off.
    u = rng.random(n_gen)
    power = np.where(u < 0.90, "poweredOn", np.where(u < 0.985, "poweredOff", "suspended"))
    is_tpl = np.zeros(n_gen, dtype=bool)
    if n_tpl:
        is_tpl[-n_tpl:] = True
        names[-n_tpl:] = _join("tpl-", names[-n_tpl:])
    power = _intern(np.where(is_tpl, "poweredOff", power))

    # Environment follows the cluster (prod clusters mostly prod); owner and zone follow role.
    prod_cl = cl_prod[cluster]
    ue = rng.random(n_gen)
    env = _intern(np.where(prod_cl, np.where(ue < 0.92, "prod", np.where(ue < 0.97, "test", "dev")),
                   np.where(ue < 0.05, "prod", np.where(ue < 0.5, "test", "dev"))))
    infra = np.isin(role_tok, list(_INFRA_ROLES))
    owner = np.where(infra, "Infrastructure", _OWNERS[rng.integers(0, 7, size=n_gen)])
    owner = np.where(rng.random(n_gen) < 0.08, _NA, owner)
    uz = rng.random(n_gen)
    zone = np.where(role_tok == "web",
                    np.where(uz < 0.5, "DMZ", np.where(uz < 0.9, "Internal", "PCI")),
                    np.where(infra, np.where(uz < 0.7, "Management", "Internal"),
                             np.where(uz < 0.85, "Internal", np.where(uz < 0.95, "PCI", "DMZ"))))
    zone = _intern(np.where(rng.random(n_gen) < 0.03, _NA, zone))

    # --- assemble all VM rows: generated, then SRM placeholders, then vCLS ------------------
    # SRM placeholders mirror protected VMs of another datacenter's vCenter (same name).
    src = rng.choice(n_reg, size=n_srm, replace=False) if n_srm else np.zeros(0, dtype=int)
    srm_dc = (dc[src] + 1) % n_dc
    srm_cluster = np.array([int(np.flatnonzero(cl_dc == d)[0]) for d in range(n_dc)],
                           dtype=int)[srm_dc] if n_srm else np.zeros(0, dtype=int)
    vcls_cluster = np.arange(n_vcls)

    def cat(gen: np.ndarray, srm: np.ndarray, vcls: np.ndarray) -> np.ndarray:
        return np.concatenate([gen, srm, vcls])

    name = cat(names, names[src], _join("vCLS-", _uuids(rng, n_vcls)))
    cluster_all = cat(cluster, srm_cluster, vcls_cluster)
    dc_all = cl_dc[cluster_all]
    power_all = cat(power, _const(n_srm, "poweredOff"),
                    _const(n_vcls, "poweredOn"))
    template = cat(is_tpl, np.zeros(n_srm, bool), np.zeros(n_vcls, bool))
    srm_flag = cat(np.zeros(n_gen, bool), np.ones(n_srm, bool), np.zeros(n_vcls, bool))
    vcls_flag = cat(np.zeros(n_gen, bool), np.zeros(n_srm, bool), np.ones(n_vcls, bool))
    vcpu_all = cat(vcpus, vcpus[src], np.ones(n_vcls, dtype=np.int64)).astype(np.int64)
    mem_mib = cat(mem_gib * _MIB_PER_GIB, mem_gib[src] * _MIB_PER_GIB,
                  np.full(n_vcls, 128.0)).astype(np.int64)
    os_all = cat(os_idx, os_idx[src], np.full(n_vcls, 17))
    role_all = cat(role_tok, role_tok[src], _const(n_vcls, "vcls"))
    env_all = cat(env, env[src], _const(n_vcls, None))
    owner_all = cat(owner, owner[src], _const(n_vcls, None))
    zone_all = cat(zone, zone[src], _const(n_vcls, None))
    on = power_all == "poweredOn"
    win_all = _OS_GROUP[os_all] == "win"

    # OS strings: a few VMs have none; the Tools string only exists while Tools run.
    os_config = _OS_CONFIG[os_all].copy()
    no_os = (rng.random(n) < 0.015) & ~vcls_flag
    os_config[no_os] = None
    tools_running = on & (rng.random(n) >= 0.03)
    variant = (rng.random(n) * _OS_N_TOOLS[os_all]).astype(int)
    os_tools = np.where(tools_running & ~no_os, _OS_TOOLS[os_all, variant], _NA)

    # --- hosts: per cluster, sized for the powered-on load at the cluster's vCPU:core ratio --
    host_mhz = np.array([h[1] for h in _HOSTS])[cl_shape]
    cores_per_cpu = np.array([h[2] for h in _HOSTS])[cl_shape]
    cl_cores = 2 * cores_per_cpu
    on_vcpu = np.bincount(cluster_all, weights=vcpu_all * on, minlength=n_clusters)
    on_mem_gib = np.bincount(cluster_all, weights=mem_mib * on, minlength=n_clusters) / 1024
    vm_count = np.bincount(cluster_all, minlength=n_clusters)
    hosts_per_cl = np.maximum.reduce([
        np.ceil(on_vcpu / (cl_cores * cl_ratio)),
        np.ceil(on_mem_gib / (cl_host_mem_gib * 0.85)),
        np.where(vm_count >= 10, 2, 1),
    ]).astype(np.int64)
    host_first = np.concatenate([[0], np.cumsum(hosts_per_cl)[:-1]])
    n_hosts = int(hosts_per_cl.sum())
    host_cl = np.repeat(np.arange(n_clusters), hosts_per_cl)
    host_k = np.arange(n_hosts) - host_first[host_cl] + 1
    host_name = _join("esx", _zfill(host_k, 2), "-", np.char.lower(
        cl_name[host_cl].astype(str)).astype(object), ".", site_code[cl_dc[host_cl]], ".",
        _DOMAIN)
    host_of_vm = host_first[cluster_all] + (rng.random(n) * hosts_per_cl[cluster_all]).astype(
        np.int64)
    host_of_vm[vcls_flag] = host_first[cluster_all[vcls_flag]]

    # --- usage ------------------------------------------------------------------------------
    # Skewed CPU use: most VMs light (beta), 8% idle (< 5%), 3% zombies at exactly 0.
    uc = rng.random(n)
    cpu_frac = np.where(uc < 0.03, 0.0,
                        np.where(uc < 0.11, rng.uniform(0.002, 0.045, n), rng.beta(1.3, 6.0, n)))
    zombie = uc < 0.03
    mhz = host_mhz[cluster_all]
    cpu_max_mhz = vcpu_all * mhz
    cpu_overall = np.where(on, np.round(cpu_frac * cpu_max_mhz), 0).astype(np.int64)
    active_frac = np.where(zombie, 0.0, np.where(
        uc < 0.11, rng.uniform(0.005, 0.045, n), np.clip(rng.beta(1.5, 7.0, n) + cpu_frac * 0.3,
                                                         0, 1)))
    # Consumed is the host memory backing the guest, which holds the active pages: never less.
    consumed_frac = np.maximum(np.clip(rng.beta(5.0, 2.0, n), 0.15, 1.0), active_frac)
    mem_active = np.where(on, np.round(active_frac * mem_mib), 0).astype(np.int64)
    mem_consumed = np.where(on, np.round(consumed_frac * mem_mib), 0).astype(np.int64)
    mem_overhead = np.where(on, 30 + (mem_mib // 1024) * 4 + vcpu_all * 3, 0).astype(np.int64)

    # --- disks and partitions ------------------------------------------------------------------
    n_disks = 1 + rng.choice(4, size=n, p=[0.45, 0.30, 0.15, 0.10])
    n_disks[vcls_flag] = 1
    disk_vm = np.repeat(np.arange(n), n_disks)
    disk_first = np.concatenate([[0], np.cumsum(n_disks)[:-1]])
    disk_j = np.arange(len(disk_vm)) - disk_first[disk_vm]
    os_disk_gib = np.where(win_all[disk_vm], rng.choice([60, 80, 100, 120, 150], len(disk_vm)),
                           rng.choice([16, 20, 40, 50, 60, 80], len(disk_vm)))
    data_gib = np.clip(np.round(rng.lognormal(np.log(150), 1.0, len(disk_vm)) / 10) * 10, 10,
                       4096)
    disk_gib = np.where(disk_j == 0, os_disk_gib, data_gib)
    disk_gib[vcls_flag[disk_vm]] = 2
    disk_mib = (disk_gib * _MIB_PER_GIB).astype(np.int64)
    disk_fill = rng.beta(2.2, 2.5, len(disk_vm))
    disk_used_mib = np.round(disk_mib * disk_fill).astype(np.int64)
    total_disk_mib = np.bincount(disk_vm, weights=disk_mib, minlength=n).astype(np.int64)
    used_disk_mib = np.bincount(disk_vm, weights=disk_used_mib, minlength=n).astype(np.int64)
    swap_mib = np.where(on, mem_mib, 0)
    provisioned_mib = total_disk_mib + swap_mib + 1
    in_use_mib = used_disk_mib + swap_mib + 1

    # --- identifiers, dates, network ----------------------------------------------------------
    vm_uuid = _uuids(rng, n, prefix="50")
    smbios_uuid = _uuids(rng, n, prefix="42")
    vm_id = _join("vm-", (1000 + np.cumsum(rng.integers(1, 40, size=n))).astype(str))
    created = _times_before_export(rng, 30, 11 * 365, n)
    changed = created + ((EXPORT_TIME - created).astype(np.int64) * rng.random(n)).astype(
        "timedelta64[s]")
    power_on = np.where(on, _times_before_export(rng, 1, 200, n), np.datetime64("NaT", "s"))
    ip = _join("10.", (dc_all * 8 + rng.integers(0, 8, n)).astype(str), ".",
               rng.integers(0, 256, n).astype(str), ".", rng.integers(2, 255, n).astype(str))
    ip = np.where(tools_running, ip, _NA)
    dns = np.where(tools_running & ~vcls_flag, _join(np.char.lower(name.astype(str)).astype(
        object), ".", _DOMAIN), _NA)
    nics = np.where(rng.random(n) < 0.1, 2, 1)
    vlan = 1000 + rng.integers(0, 40, n)
    env_label = np.where(pd.isna(env_all), "Mgmt", np.char.capitalize(
        np.where(pd.isna(env_all), "mgmt", env_all).astype(str))).astype(object)
    network1 = _intern(_join("dvPG-", env_label, "-", vlan.astype(str)))
    network2 = _intern(np.where(nics >= 2, _join("dvPG-Backup-", (2000 + dc_all).astype(str)),
                                _NA))
    cluster_name = cl_name[cluster_all]
    dc_name = site_name[dc_all]
    datastore = _intern(_join(cluster_name, "-DS", _zfill(rng.integers(1, 9, n), 2)))
    vmx_dir = _join("[", datastore, "] ", name, "/")
    folder = _intern(np.where(vcls_flag, "vCLS", np.where(template, "Templates", _join(
        np.where(pd.isna(env_all), "Infra", env_label), "/", np.char.capitalize(
            role_all.astype(str)).astype(object)))))
    annotation = np.where(rng.random(n) < 0.2, _join(
        "Change ", np.char.add("CHG", _zfill(rng.integers(1000, 99999, n), 7).astype(str)
                               ).astype(object), "; contact ", np.where(
            pd.isna(owner_all), "Infrastructure", owner_all)), _NA)
    annotation[vcls_flag] = "vSphere Cluster Service VM is deployed from an OVA with a minimal " \
        "installed profile of PhotonOS."
    modern = np.isin(os_all, [4, 5, 8, 9])
    efi = modern | (rng.random(n) < 0.2)
    hw_version = np.where(modern, rng.choice([17, 19, 21], n), rng.choice([11, 13, 14, 15], n))
    vm_state = {"power": power_all, "template": _tf(template), "srm": _tf(srm_flag)}
    evc = np.array([h[5] for h in _HOSTS], dtype=object)[cl_shape][cluster_all]
    host_col = host_name[host_of_vm]
    vc_srv = vc_server[dc_all]
    vc_uid = vc_uuid[dc_all]
    os_cfg_col, os_tools_col = os_config, os_tools
    resource_pool = _intern(_join("/", dc_name, "/", cluster_name, "/Resources"))

    info = {
        "VM": name,
        "Powerstate": vm_state["power"],
        "Template": vm_state["template"],
        "SRM Placeholder": vm_state["srm"],
        "Config status": _intern(np.where(rng.random(n) < 0.02, "yellow", "green")),
        "DNS Name": dns,
        "Connection state": _const(n, "connected"),
        "Guest state": _intern(np.where(tools_running, "running", "notRunning")),
        "Heartbeat": _intern(np.where(tools_running, "green", "gray")),
        "Consolidation Needed": _tf(rng.random(n) < 0.005),
        "PowerOn": power_on,
        "Suspended To Memory": _blank(n),
        "Suspend time": np.where(power_all == "suspended", changed, np.datetime64("NaT", "s")),
        "Suspend Interval": np.zeros(n, dtype=np.int64),
        "Creation date": created,
        "Change Version": changed,
        "CPUs": vcpu_all,
        "Overall Cpu Readiness": np.array([None, "0%", "1%", "2%"], dtype=object)[
            np.where(on, rng.choice([1, 1, 1, 2, 3], n), 0)],
        "Memory": mem_mib,
        "Active Memory": mem_active,
        "NICs": nics,
        "Disks": n_disks,
        "Total disk capacity MiB": np.where(tools_running, used_disk_mib + np.round(
            (total_disk_mib - used_disk_mib) * 0.98), total_disk_mib).astype(np.int64),
        "Fixed Passthru HotPlug": _tf(np.zeros(n, bool)),
        "min Required EVC Mode Key": np.where(on, evc, _NA),
        "Latency Sensitivity": _const(n, "normal"),
        "Op Notification Timeout": _blank(n),
        "EnableUUID": np.where(rng.random(n) < 0.15, "True", _NA),
        "CBT": _intern(np.where(rng.random(n) < 0.7, "True", "False")),
        "Primary IP Address": ip,
        "Network #1": network1,
        "Network #2": network2,
        **{f"Network #{i}": _blank(n) for i in range(3, 9)},
        "Num Monitors": np.ones(n, dtype=np.int64),
        "Video Ram KiB": np.where(win_all, 8192, 4096),
        "Resource pool": resource_pool,
        "Folder ID": _intern(_join("group-v", (100 + dc_all * 50 + rng.integers(0, 40, n)))),
        "Folder": folder,
        "vApp": _blank(n),
        "DAS protection": np.where(on, "True", _NA),
        "FT State": _const(n, "notConfigured"),
        "FT Role": _blank(n),
        "FT Latency": _const(n, "gray"),
        "FT Bandwidth": np.full(n, -1, dtype=np.int64),
        "FT Sec. Latency": np.full(n, -1, dtype=np.int64),
        "Vm Failover In Progress": _blank(n),
        "Provisioned MiB": provisioned_mib,
        "In Use MiB": in_use_mib,
        "Unshared MiB": in_use_mib - swap_mib,
        "HA Restart Priority": _intern(np.where(vcls_flag, "disabled", "medium")),
        "HA Isolation Response": _const(n, "none"),
        "HA VM Monitoring": _const(n, "vmMonitoringDisabled"),
        "Cluster rule(s)": _blank(n),
        "Cluster rule name(s)": _blank(n),
        "Boot Required": _tf(np.zeros(n, bool)),
        "Boot delay": np.zeros(n, dtype=np.int64),
        "Boot retry delay": np.full(n, 10000, dtype=np.int64),
        "Boot retry enabled": _tf(np.zeros(n, bool)),
        "Boot BIOS setup": _tf(np.zeros(n, bool)),
        "Reboot PowerOff": _tf(np.zeros(n, bool)),
        "EFI Secure boot": _tf(efi & modern),
        "Firmware": _intern(np.where(efi, "efi", "bios")),
        "HW version": hw_version,
        "HW upgrade status": _const(n, "none"),
        "HW upgrade policy": _const(n, "never"),
        "HW target": _blank(n),
        "Path": _join(vmx_dir, name, ".vmx"),
        "Log directory": vmx_dir,
        "Snapshot directory": vmx_dir,
        "Suspend directory": vmx_dir,
        "Annotation": annotation,
        "Environment": env_all,
        "Owner": owner_all,
        "SecurityZone": zone_all,
        "Datacenter": dc_name,
        "Cluster": cluster_name,
        "Host": host_col,
        "OS according to the configuration file": os_cfg_col,
        "OS according to the VMware Tools": os_tools_col,
        "Customization Info": _blank(n),
        "Guest Detailed Data": _blank(n),
        "VM ID": vm_id,
        "SMBIOS UUID": smbios_uuid,
        "VM UUID": vm_uuid,
        "VI SDK Server type": _const(n, _VCENTER_TYPE),
        "VI SDK API Version": _const(n, _VCENTER_API),
        "VI SDK Server": vc_srv,
        "VI SDK UUID": vc_uid,
    }
    ident = {"VM ID": vm_id, "VM UUID": vm_uuid, "VI SDK Server": vc_srv, "VI SDK UUID": vc_uid}
    head = {"VM": name, "Powerstate": vm_state["power"], "Template": vm_state["template"],
            "SRM Placeholder": vm_state["srm"]}
    place = {"Datacenter": dc_name, "Cluster": cluster_name, "Host": host_col, "Folder": folder,
             "OS according to the configuration file": os_cfg_col,
             "OS according to the VMware Tools": os_tools_col}

    cps = np.where((vcpu_all % 2 == 0) & (rng.random(n) < 0.35), 2, 1)
    cps = np.where((vcpu_all >= 8) & (rng.random(n) < 0.2), vcpu_all // 2, cps)
    cpu = {
        **head,
        "CPUs": vcpu_all,
        "Sockets": vcpu_all // cps,
        "Cores p/s": cps,
        "Max": np.where(power_all == "poweredOff", 0, cpu_max_mhz).astype(np.int64),
        "Overall": cpu_overall,
        "Level": _const(n, "normal"),
        "Shares": vcpu_all * 1000,
        "Reservation": np.zeros(n, dtype=np.int64),
        "Entitlement": np.where(on, np.minimum(cpu_max_mhz, cpu_overall * 3 + 200), 0),
        "DRS Entitlement": cpu_overall,
        "Limit": np.full(n, -1, dtype=np.int64),
        "Hot Add": _tf(rng.random(n) < 0.1),
        "Hot Remove": _tf(np.zeros(n, bool)),
        "Numa Hotadd Exposed": _tf(np.zeros(n, bool)),
        **place,
        **ident,
    }

    reserved = (role_all == "sql") & (rng.random(n) < 0.2)
    shared = np.round(mem_consumed * rng.uniform(0, 0.05, n)).astype(np.int64)
    ballooned = np.where(on & (rng.random(n) < 0.01), np.round(mem_mib * 0.05), 0).astype(np.int64)
    memory = {
        **head,
        "Size MiB": mem_mib,
        "Memory Reservation Locked To Max": _tf(reserved),
        "Overhead": mem_overhead,
        "Max": np.where(power_all == "poweredOff", 0, mem_mib).astype(np.int64),
        "Consumed": mem_consumed,
        "Consumed Overhead": np.round(mem_overhead * 0.8).astype(np.int64),
        "Private": mem_consumed - shared,
        "Shared": shared,
        "Swapped": np.zeros(n, dtype=np.int64),
        "Ballooned": ballooned,
        "Active": mem_active,
        "Entitlement": np.where(on, mem_consumed + mem_overhead, 0).astype(np.int64),
        "DRS Entitlement": np.where(on, mem_active + mem_overhead, 0).astype(np.int64),
        "Level": _const(n, "normal"),
        "Shares": mem_mib * 10,
        "Reservation": np.where(reserved, mem_mib, 0).astype(np.int64),
        "Limit": np.full(n, -1, dtype=np.int64),
        "Hot Add": cpu["Hot Add"],
        "Annotation": annotation,
        "Environment": env_all,
        "Owner": owner_all,
        "SecurityZone": zone_all,
        **place,
        **ident,
    }

    # vPartition: guest file systems, only known while VMware Tools run. Windows: one drive per
    # disk; Linux: /boot plus / on the first disk, one mount per further disk.
    seen = tools_running[disk_vm]
    pvm, pj, pcap, pused = disk_vm[seen], disk_j[seen], disk_mib[seen], disk_used_mib[seen]
    pwin = win_all[pvm]
    boot = ~pwin & (pj == 0)
    letters = np.array(["C:\\", "D:\\", "E:\\", "F:\\"], dtype=object)
    mounts = np.array(["/", "/data", "/var", "/opt"], dtype=object)
    label = np.where(pwin, letters[pj], mounts[pj])
    part_vm = np.concatenate([pvm, pvm[boot]])
    order = np.concatenate([pj * 2 + 1, np.zeros(int(boot.sum()), dtype=np.int64)])
    p_label = np.concatenate([label, _const(int(boot.sum()), "/boot")])
    boot_cap = np.full(int(boot.sum()), 1014, dtype=np.int64)
    p_cap = np.concatenate([np.where(boot, pcap - 1024, pcap) - np.round(pcap * 0.005),
                            boot_cap]).astype(np.int64)
    p_used = np.concatenate([np.minimum(pused, np.where(boot, pcap - 1024, pcap) * 0.97),
                             np.round(boot_cap * rng.uniform(0.15, 0.4, len(boot_cap)))])
    p_used = np.minimum(p_used, p_cap).astype(np.int64)
    sort = np.lexsort((order, part_vm))
    part_vm, p_label, p_cap, p_used = part_vm[sort], p_label[sort], p_cap[sort], p_used[sort]
    p_disk_key = np.concatenate([np.where(pwin, 2000 + pj, np.nan),
                                 np.full(int(boot.sum()), np.nan)])[sort]
    p_free = p_cap - p_used
    partition = {
        **{k: v[part_vm] for k, v in head.items()},
        "Disk Key": p_disk_key,
        "Disk": p_label,
        "Capacity MiB": p_cap,
        "Consumed MiB": p_used,
        "Free MiB": p_free,
        "Free %": np.floor(100 * p_free / np.maximum(p_cap, 1)).astype(np.int64),
        **{k: v[part_vm] for k, v in place.items() if k != "Folder"},
        **{k: v[part_vm] for k, v in ident.items()},
    }

    # vHost: aggregates of the VMs placed on each host.
    h_vms_on = np.bincount(host_of_vm, weights=on, minlength=n_hosts).astype(np.int64)
    h_vms_all = np.bincount(host_of_vm, minlength=n_hosts).astype(np.int64)
    h_vcpu = np.bincount(host_of_vm, weights=vcpu_all * on, minlength=n_hosts).astype(np.int64)
    h_vram = np.bincount(host_of_vm, weights=mem_mib * on, minlength=n_hosts).astype(np.int64)
    h_used = np.bincount(host_of_vm, weights=mem_consumed, minlength=n_hosts).astype(np.int64)
    h_mhz_used = np.bincount(host_of_vm, weights=cpu_overall, minlength=n_hosts)
    h_shape = cl_shape[host_cl]
    h_cpc = cores_per_cpu[host_cl]
    h_cores = 2 * h_cpc
    h_mem_mib = cl_host_mem_gib[host_cl] * 1024 - rng.integers(200, 400, n_hosts)
    h_dc = cl_dc[host_cl]
    boot_time = _times_before_export(rng, 20, 400, n_hosts)
    host = {
        "Host": host_name,
        "Datacenter": site_name[h_dc],
        "Cluster": cl_name[host_cl],
        "Config status": _const(n_hosts, "green"),
        "Compliance Check State": _blank(n_hosts),
        "in Maintenance Mode": _tf(np.zeros(n_hosts, bool)),
        "in Quarantine Mode": _tf(np.zeros(n_hosts, bool)),
        "vSAN Fault Domain Name": _blank(n_hosts),
        "CPU Model": np.array([h[0] for h in _HOSTS], dtype=object)[h_shape],
        "Speed": host_mhz[host_cl],
        "HT Available": _tf(np.ones(n_hosts, bool)),
        "HT Active": _tf(np.ones(n_hosts, bool)),
        "# CPU": np.full(n_hosts, 2, dtype=np.int64),
        "Cores per CPU": h_cpc,
        "# Cores": h_cores,
        "CPU usage %": np.minimum(100, np.round(100 * (h_mhz_used + 800) / (
            h_cores * host_mhz[host_cl]))).astype(np.int64),
        "# Memory": h_mem_mib,
        "Memory Tiering Type": _const(n_hosts, "noTiering"),
        "Memory usage %": np.minimum(100, np.round(100 * (h_used + 8192) / h_mem_mib)).astype(
            np.int64),
        "Console": np.zeros(n_hosts, dtype=np.int64),
        "# NICs": np.full(n_hosts, 4, dtype=np.int64),
        "# HBAs": np.full(n_hosts, 2, dtype=np.int64),
        "# VMs total": h_vms_all,
        "# VMs": h_vms_on,
        "VMs per Core": h_vms_on / h_cores,
        "# vCPUs": h_vcpu,
        "vCPUs per Core": h_vcpu / h_cores,
        "vRAM": h_vram,
        "VM Used memory": h_used,
        "VM Memory Swapped": np.zeros(n_hosts, dtype=np.int64),
        "VM Memory Ballooned": np.bincount(host_of_vm, weights=ballooned,
                                           minlength=n_hosts).astype(np.int64),
        "VMotion support": _tf(np.ones(n_hosts, bool)),
        "Storage VMotion support": _tf(np.ones(n_hosts, bool)),
        "Current EVC": _blank(n_hosts),
        "Max EVC": np.array([h[5] for h in _HOSTS], dtype=object)[h_shape],
        "ATS Heartbeat": _const(n_hosts, "1"),
        "ATS Locking": _const(n_hosts, "1"),
        "Current CPU power man. policy": _const(n_hosts, "Balanced"),
        "Supported CPU power man.": _const(n_hosts, "ACPI C-states"),
        "Host Power Policy": _const(n_hosts, "dynamic"),
        "ESX Version": cl_esx[host_cl],
        "Boot time": boot_time,
        "DNS Servers": _const(n_hosts, "10.0.0.53, 10.0.1.53"),
        "DHCP": _tf(np.zeros(n_hosts, bool)),
        "NTPD running": _tf(np.ones(n_hosts, bool)),
        "Time Zone": _const(n_hosts, "UTC"),
        "Time Zone Name": _const(n_hosts, "UTC"),
        "GMT Offset": _const(n_hosts, "0"),
        "Vendor": np.array([h[3] for h in _HOSTS], dtype=object)[h_shape],
        "Model": np.array([h[4] for h in _HOSTS], dtype=object)[h_shape],
        "Object ID": _join("host-", (5000 + np.arange(n_hosts) * 7).astype(str)),
        "UUID": _uuids(rng, n_hosts, prefix="4c4c4544"),
        "VI SDK Server": vc_server[h_dc],
        "VI SDK UUID": vc_uuid[h_dc],
    }
    return {sheet: _frame(cols) for sheet, cols in
            zip(SHEETS, (info, cpu, memory, partition, host), strict=True)}


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """DataFrame with int64/float64 numbers, datetime64[s] dates and str text (NA = blank)."""
    data: dict[str, pd.Series] = {}
    for key, values in columns.items():
        arr = np.asarray(values)
        if arr.dtype == object or arr.dtype.kind == "U":
            data[key] = pd.Series(arr, dtype="str")
        else:
            data[key] = pd.Series(arr)
    return pd.DataFrame(data)
