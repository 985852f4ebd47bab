"""A run owns its folder: it is written beside ``--out`` and moved into place whole, only when it ends.

    folder = RunFolder(Path("runs/edu_term-seed1"), identity, force=False)   # BadInput if it may not
    with folder.writing() as work:              # runs/edu_term-seed1.incomplete/, fresh
        run_scenario(..., out_dir=work)
    # ended: the target now holds this run and nothing else; interrupted or killed (even by SIGKILL): the
    # partial run stays in runs/edu_term-seed1.incomplete/ and the target was not touched

Rules: an empty or missing target is fine. A target that holds a run of the same scenario, parameters and seed
is replaced whole (so the default ``runs/NAME-seedN`` keeps working); one that holds a different run is
refused unless ``force``; a folder holding anything that is not a run's files is never deleted, ``force`` or
not. The swap keeps the finished run until the new one is in place (two renames on one file system).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

from .scenario import BadInput, cut

#: What a run folder may hold: the run's files and what `report` and `export` add to it.
RUN_FILES = frozenset({"journal.jsonl", "summary.json", "report.html", "charts", "csv"})
INCOMPLETE_SUFFIX = ".incomplete"


def run_identity(header: dict[str, Any]) -> dict[str, Any]:
    """What makes two runs the same run: scenario, parameters, seed (and a user's contracts, by artifact hash)."""
    identity = {"scenario": header.get("scenario"), "params": header.get("params"), "seed": header.get("seed")}
    user = header.get("user_contracts")
    if isinstance(user, dict) and isinstance(user.get("contracts"), dict):
        identity["contracts"] = {slot: c.get("artifact_sha256") for slot, c in sorted(user["contracts"].items())
                                 if isinstance(c, dict)}
    return identity


def _header_of(folder: Path) -> dict[str, Any] | None:
    try:
        with (folder / "journal.jsonl").open(encoding="utf-8") as f:
            header = json.loads(f.readline())
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) and header.get("type") == "header" else None


def _check_writable(directory: Path) -> None:
    probe = directory / f".ecny-sim-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise BadInput(f"cannot write in {directory}: {exc.strerror or exc}") from None


class RunFolder:
    def __init__(self, target: Path, identity: dict[str, Any], *, force: bool = False):
        self.target = Path(target)
        self.identity = identity
        self.replaces = False
        try:
            self._check(force)
        except OSError as exc:  # a name too long, a folder we may not list: still one line of bad input
            raise BadInput(f"--out {cut(str(self.target), 80)}: {exc.strerror or exc}") from None
        # The run is written where an interrupted one is left, so even a killed process leaves it clearly named.
        self.incomplete = self.work = self.target.parent / f"{self.target.name}{INCOMPLETE_SUFFIX}"

    def _check(self, force: bool) -> None:
        if len(os.fsencode(self.target.name + INCOMPLETE_SUFFIX)) > 255:  # NAME_MAX: the work folder's name too
            raise OSError(36, "File name too long")
        if self.target.exists() and not self.target.is_dir():
            raise BadInput(f"--out {self.target} exists and is not a folder")
        if self.target.is_dir() and any(self.target.iterdir()):
            strangers = sorted(p.name for p in self.target.iterdir() if p.name not in RUN_FILES)
            if strangers:
                raise BadInput(f"--out {self.target} holds files that are not a run's ({', '.join(strangers[:3])}"
                               f"{', …' if len(strangers) > 3 else ''}); choose an empty or new folder")
            header = _header_of(self.target)
            if header is not None and run_identity(header) != self.identity and not force:
                raise BadInput(f"--out {self.target} holds another run ({header.get('scenario')}, seed "
                               f"{header.get('seed')}, other parameters); choose another folder or add --force "
                               "to replace it")
            self.replaces = True
        parent = self.target.parent
        if parent.exists() and not parent.is_dir():
            raise BadInput(f"cannot write in {parent}: it is a file, not a folder")
        if not parent.exists():
            try:
                parent.mkdir(parents=True)
            except OSError as exc:
                raise BadInput(f"cannot create {parent}: {exc.strerror or exc}") from None
        _check_writable(parent)

    @contextlib.contextmanager
    def writing(self) -> Iterator[Path]:
        """Yields the folder to write into; moves it into place when the block ends, or to ``*.incomplete``
        when it is interrupted or fails. A folder left empty (a run that could not start) is removed, and the
        target is not touched."""
        shutil.rmtree(self.work, ignore_errors=True)  # an earlier interrupted try: this run replaces it
        self.work.mkdir()
        try:
            yield self.work
        except BaseException:
            self._drop_if_empty()
            raise
        if not self._drop_if_empty():  # nothing written (the chain never started): no folder at all
            _swap_in(self.work, self.target)

    def _drop_if_empty(self) -> bool:
        if any(self.work.iterdir()):
            return False
        self.work.rmdir()
        return True


def _swap_in(fresh: Path, target: Path) -> None:
    """Puts folder ``fresh`` at ``target``, replacing what was there whole: the old one keeps its place until
    the new one is in it (two renames on one file system)."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def replace_folder(target: Path, files: dict[str, bytes]) -> Path:
    """Makes ``target`` hold exactly ``files`` (name -> content): written beside it, then swapped in whole, so
    no file of an earlier export or report survives beside the new ones."""
    def write(fresh: Path) -> None:
        for name, data in files.items():
            (fresh / name).write_bytes(data)

    return replace_folder_with(target, write)


def replace_folder_with(target: Path, write: Callable[[Path], None]) -> Path:
    """Like ``replace_folder``, with the files written by ``write(folder)`` (streamed, not built in memory
    first); when ``write`` fails or is interrupted, its half-written folder is removed and ``target`` kept."""
    target = Path(target)
    fresh = target.parent / f".{target.name}.new-{os.getpid()}"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    try:
        write(fresh)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    _swap_in(fresh, target)
    return target


def replace_file(target: Path, data: bytes) -> Path:
    """Writes ``target`` whole: a reader sees the old file or the new one, never half of it."""
    fresh = target.parent / f".{target.name}.new-{os.getpid()}"
    fresh.write_bytes(data)
    os.replace(fresh, target)
    return target
