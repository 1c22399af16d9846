"""Legacy .xls workbooks are parsed in a forked, memory-capped child process.

Corrupt BIFF records can make the reader allocate terabytes and abort the whole process
(see docs/security.md); a child that dies or runs over its cap becomes one InputError.
"""

from __future__ import annotations

from pathlib import Path

from estimator.errors import InputError
from estimator.inventory import workbook
from estimator.inventory.cells import ColumnFilter, Table
from estimator.inventory.guards import Limits, SheetFilter

# Address space a legacy .xls parse may add on top of the parent's (a .xls holds at most
# 65,536 rows x 256 columns per sheet, far below this).
XLS_CHILD_EXTRA_BYTES = 2 * 1024**3
XLS_CHILD_TIMEOUT_S = 120.0


def load_xls_isolated(path: Path, limits: Limits, display: str,
                      sheet_filter: SheetFilter | None = None,
                      column_filter: ColumnFilter | None = None) -> list[Table]:
    """Parse a legacy .xls in a forked child with a memory cap."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_xls_child,
                       args=(send, path, limits, display, sheet_filter, column_filter),
                       daemon=True)
    proc.start()
    send.close()
    result = None
    try:
        if receive.poll(XLS_CHILD_TIMEOUT_S):
            result = receive.recv()
    except (EOFError, OSError):
        result = None
    finally:
        receive.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if result is None:
        raise InputError("the legacy .xls reader failed on this file (corrupt or too large)",
                         file=display, hint="save it as .xlsx and try again")
    kind, payload = result
    if kind == "error":
        raise InputError(payload[0], hint=payload[1])
    return payload


def _xls_child(send: object, path: Path, limits: Limits, display: str,
               sheet_filter: SheetFilter | None,
               column_filter: ColumnFilter | None) -> None:  # pragma: no cover (child)
    import faulthandler
    import os
    import resource

    # Whatever a crashing reader prints (Rust panic or abort text) must not reach the user.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = current + XLS_CHILD_EXTRA_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (OSError, ValueError):
        pass  # no /proc or no rlimit: still isolated, just uncapped
    try:
        out: tuple[str, object] = ("ok", workbook.load_cells(path, limits, display,
                                                             sheet_filter, column_filter))
    except InputError as exc:
        out = ("error", (exc.message, exc.hint))
    except MemoryError:
        out = ("error", (f"{display}: the legacy .xls needs more memory than allowed; the file "
                         "is corrupt or too large", "save it as .xlsx and try again"))
    send.send(out)  # type: ignore[attr-defined]
    send.close()  # type: ignore[attr-defined]
    os._exit(0)
