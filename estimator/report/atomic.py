"""Write output files atomically: a temporary file in the same folder, then a rename.

A crash or Ctrl-C mid-write leaves any previous file intact, and readers never see half a report.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from estimator.errors import OutputError


def check_output_path(path: Path, inputs: tuple[Path, ...] = ()) -> Path:
    """Refuse outputs that would overwrite an input or land in a folder we cannot write."""
    path = Path(path)
    target = path.resolve()
    for src in inputs:
        if Path(src).resolve() == target:
            raise OutputError(f"{path}: output path is the same as an input file; choose another")
    if target.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name")
    parent = target.parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create folder {parent}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{path}: folder {parent} is not writable")
    return path


def default_mode(mode: int = 0o666) -> int:
    """`mode` less the process umask: mkstemp/mkdtemp create private 0600/0700 entries."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success rename it over `path`."""
    path = check_output_path(Path(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # Reports are shared files: give them the permissions a plain open() would.
        os.chmod(tmp_path, default_mode())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_atomic(path: Path, writer: Callable[[Path], object]) -> Path:
    """Call `writer(tmp_path)` and move the finished file into place."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return path
