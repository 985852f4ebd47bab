"""Offline, reproducible compilation of contracts/ into committed JSON artifacts.

Contracts are compiled with solc exactly 0.8.37 through py-solc-x's ``compile_standard``. The compiler is
looked for in this order:

1. the path (or command name) in the environment variable ``SOLC``;
2. a solc 0.8.37 that py-solc-x has already installed (``~/.solcx``; nothing is ever downloaded);
3. the npm registry's ``solc`` package pinned in the repository (``node_modules/solc``, installed by
   ``make solc``), run with Node behind ``solc_npm.js`` so that it answers like native solc.

A compiler of any other version is refused. Artifacts (one ``<Contract>.json`` per deployable contract and a
``manifest.json``) are written with sorted keys and a trailing newline, so a rebuild is byte-identical.

Running code only calls :func:`load_artifact`; in a checkout it first calls :func:`ensure_fresh`, which
recompiles when a ``.sol`` file changed since the artifacts were built.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

REQUIRED_SOLC_VERSION = "0.8.37"

#: Standard-JSON settings. viaIR stays off on purpose (see toolchain notes); change only deliberately.
SETTINGS: dict[str, Any] = {
    "evmVersion": "prague",
    "optimizer": {"enabled": True, "runs": 200},
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.methodIdentifiers",
            ]
        }
    },
}

#: Source unit names are "contracts/<path relative to the contracts dir>", whatever the directory is
#: called, so the bytecode's metadata hash does not depend on where the checkout lives.
SOURCE_PREFIX = "contracts/"

#: The ``ecny_sim`` package directory (simulator/ in a checkout): the compiled contracts are its data.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
ARTIFACTS_DIR = PACKAGE_DIR / "artifacts"
MANIFEST_NAME = "manifest.json"
NPM_WRAPPER = Path(__file__).resolve().parent / "solc_npm.js"

NO_COMPILER_HINT = (
    "no Solidity compiler was found; run `make solc` (needs Node 20) or set SOLC=/path/to/solc-0.8.37"
)


class CompilerError(Exception):
    """Compiler missing or of the wrong version, compile errors, or missing/stale artifacts."""


class NoCompilerError(CompilerError):
    """No usable solc anywhere in the search order."""


# --------------------------------------------------------------------------------------------- sources


def repo_root() -> Path | None:
    """The repository root when this package runs from a checkout (or an editable install), else None."""
    root = PACKAGE_DIR.parent
    if (root / "contracts").is_dir() and (root / "pyproject.toml").is_file():
        return root
    return None


def repo_contracts_dir() -> Path | None:
    root = repo_root()
    return root / "contracts" if root is not None else None


def read_sources(contracts_dir: Path | str) -> dict[str, bytes]:
    """Every ``.sol`` file under ``contracts_dir`` (recursively), keyed by source unit name, sorted."""
    contracts_dir = Path(contracts_dir)
    if not contracts_dir.is_dir():
        raise CompilerError(f"contracts directory {contracts_dir} does not exist")
    found: dict[str, bytes] = {}
    for path in contracts_dir.rglob("*.sol"):
        rel = path.relative_to(contracts_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        found[SOURCE_PREFIX + rel.as_posix()] = path.read_bytes()
    return dict(sorted(found.items()))


def _hash_sources(sources: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, content in sorted(sources.items()):
        h.update(name.encode("utf-8") + b"\0" + str(len(content)).encode("ascii") + b"\0")
        h.update(content)
    return h.hexdigest()


def sources_hash(contracts_dir: Path | str) -> str:
    """sha256 over all sources, sorted by relative path, each with its path and contents."""
    return _hash_sources(read_sources(contracts_dir))


# --------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Manifest:
    compiler: str  # e.g. "0.8.37+commit.f401782d" (no platform suffix: native and npm builds agree)
    settings: dict[str, Any]
    sources_hash: str
    sources: dict[str, str]  # source unit name -> sha256 of the file
    contracts: list[str]  # deployable contracts, sorted; one artifact file each
    artifacts: dict[str, str]  # contract name -> sha256 of its artifact file
    # not persisted, only set on a fresh build:
    warnings: tuple[str, ...] = field(default=(), compare=False)  # compiler warnings of this build
    compiled_with: str = field(default="", compare=False)  # e.g. "npm solc (/repo/node_modules/solc)"

    def artifact_hashes(self) -> dict[str, str]:
        """Contract name -> sha256 of its artifact file (sorted by name), e.g. for a journal header; while a
        user's build is active, its artifacts' hashes for the contracts it replaces."""
        from .overlay import artifact_hashes

        return artifact_hashes(self.artifacts)

    def to_json(self) -> str:
        data = {
            "compiler": self.compiler,
            "settings": self.settings,
            "sources_hash": self.sources_hash,
            "sources": self.sources,
            "contracts": self.contracts,
            "artifacts": self.artifacts,
        }
        return _dumps(data)

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                compiler=data["compiler"],
                settings=data["settings"],
                sources_hash=data["sources_hash"],
                sources=data["sources"],
                contracts=data["contracts"],
                artifacts=data["artifacts"],
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CompilerError(f"cannot read artifact manifest {path}: {exc}") from None


def _dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def read_manifest(artifacts_dir: Path | str = ARTIFACTS_DIR) -> Manifest | None:
    path = Path(artifacts_dir) / MANIFEST_NAME
    return Manifest.from_file(path) if path.is_file() else None


def staleness(contracts_dir: Path | str, artifacts_dir: Path | str = ARTIFACTS_DIR) -> str | None:
    """Why the artifacts don't match the sources (one phrase), or None when they do."""
    manifest = read_manifest(artifacts_dir)
    if manifest is None:
        return "no compiled artifacts yet"
    if manifest.sources_hash != sources_hash(contracts_dir):
        return "contracts changed since the artifacts were compiled"
    if manifest.settings != SETTINGS:
        return "compiler settings changed since the artifacts were compiled"
    if _short_version(manifest.compiler) != REQUIRED_SOLC_VERSION:
        return f"artifacts were compiled with solc {manifest.compiler}"
    missing = [n for n in manifest.contracts if not (Path(artifacts_dir) / f"{n}.json").is_file()]
    if missing:
        return f"artifact files missing: {', '.join(missing)}"
    return None


# --------------------------------------------------------------------------------------------- compiler

_VERSION_RE = re.compile(r"(\d+\.\d+\.\d+)(?:-nightly[.\w]*)?\+commit\.([0-9a-fA-F]+)")


def _short_version(full: str) -> str:
    return full.split("+", 1)[0]


@dataclass(frozen=True)
class Solc:
    path: Path  # what py-solc-x executes
    version: str  # "0.8.37+commit.f401782d"
    origin: str  # human description, e.g. "SOLC=/usr/bin/solc", "npm solc (/repo/node_modules/solc)"


def _query_version(executable: Path, shown: str) -> str:
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CompilerError(f"solc at {shown} cannot be run: {exc}") from None
    match = _VERSION_RE.search(out.stdout or "")
    if out.returncode != 0 or match is None:
        detail = (out.stderr or out.stdout or "").strip().splitlines()
        raise CompilerError(
            f"solc at {shown} did not report a version" + (f": {detail[0]}" if detail else "")
        )
    return f"{match.group(1)}+commit.{match.group(2)}"


def _checked(executable: Path, shown: str, origin: str) -> Solc:
    version = _query_version(executable, shown)
    if _short_version(version) != REQUIRED_SOLC_VERSION:
        raise CompilerError(
            f"solc at {shown} is {_short_version(version)}; ecny-sim needs exactly {REQUIRED_SOLC_VERSION}"
        )
    return Solc(path=executable, version=version, origin=origin)


def _solcx_installed() -> Path | None:
    folder = os.environ.get("SOLCX_BINARY_PATH") or str(Path.home() / ".solcx")
    if not any(Path(folder).glob(f"solc-v{REQUIRED_SOLC_VERSION}*")):
        return None  # avoid importing solcx (and its side effects) when it has nothing
    try:
        import solcx

        if any(str(v) == REQUIRED_SOLC_VERSION for v in solcx.get_installed_solc_versions()):
            return Path(solcx.get_executable(REQUIRED_SOLC_VERSION))
    except Exception:  # a broken ~/.solcx is the same as none
        return None
    return None


def npm_solc_dir() -> Path | None:
    """node_modules/solc of the repository (or $ECNY_SOLC_MODULE), if installed."""
    explicit = os.environ.get("ECNY_SOLC_MODULE")
    candidates = [Path(explicit)] if explicit else []
    root = repo_root()
    if root is not None:
        candidates.append(root / "node_modules" / "solc")
    for cand in candidates:
        if (cand / "package.json").is_file():
            return cand.resolve()
    return None


@contextlib.contextmanager
def find_compiler() -> Iterator[Solc]:
    """Yield a checked solc 0.8.37 usable as py-solc-x's ``solc_binary`` (valid inside the ``with``)."""
    env_solc = os.environ.get("SOLC")
    if env_solc:
        resolved = shutil.which(env_solc)
        if resolved is None:
            raise CompilerError(f"SOLC={env_solc}: no such executable")
        yield _checked(Path(resolved), resolved, f"SOLC={env_solc}")
        return

    installed = _solcx_installed()
    if installed is not None:
        yield _checked(installed, str(installed), f"py-solc-x ({installed})")
        return

    module = npm_solc_dir()
    node = shutil.which("node")
    if module is not None and node is not None:
        with tempfile.TemporaryDirectory(prefix="ecny-solc-") as tmp:
            launcher = Path(tmp) / "solc"
            launcher.write_text(
                "#!/bin/sh\n"
                f"ECNY_SOLC_MODULE={shlex.quote(str(module))} "
                f"exec {shlex.quote(node)} {shlex.quote(str(NPM_WRAPPER))} \"$@\"\n",
                encoding="utf-8",
            )
            launcher.chmod(0o755)
            yield _checked(launcher, str(module), f"npm solc ({module})")
        return

    raise NoCompilerError(NO_COMPILER_HINT)


# --------------------------------------------------------------------------------------------- compile


def _write_if_changed(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _compile_errors(errors: list[dict[str, Any]]) -> str:
    lines = [e.get("formattedMessage") or e.get("message", "") for e in errors]
    text = "\n".join(line.rstrip() for line in lines)
    if "Stack too deep" in text:
        text += (
            "\n(viaIR is off in ecny_sim.chain.compiler.SETTINGS on purpose; reduce the function's locals "
            "or decide deliberately to enable it)"
        )
    return text


def compile_contracts(
    contracts_dir: Path | str, artifacts_dir: Path | str = ARTIFACTS_DIR, *, solc: Solc | None = None
) -> Manifest:
    """Compile every .sol under ``contracts_dir`` and (re)write ``artifacts_dir``; return the manifest.

    ``solc``: a compiler from :func:`find_compiler` (used inside its ``with``); found here when omitted.
    """
    contracts_dir, artifacts_dir = Path(contracts_dir), Path(artifacts_dir)
    sources = read_sources(contracts_dir)
    with contextlib.nullcontext(solc) if solc is not None else find_compiler() as solc:
        output: dict[str, Any] = {}
        if sources:
            output = _run_solc(solc, sources)

    problems = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if problems:
        raise CompilerError(f"compilation failed:\n{_compile_errors(problems)}")
    warnings = tuple(
        (e.get("formattedMessage") or e.get("message", "")).rstrip()
        for e in output.get("errors", [])
        if e.get("severity") != "error"
    )

    artifacts: dict[str, dict[str, Any]] = {}
    for source_name, by_contract in sorted(output.get("contracts", {}).items()):
        for name, out in sorted(by_contract.items()):
            bytecode = out.get("evm", {}).get("bytecode", {}).get("object", "")
            if not bytecode:
                continue  # interface or abstract contract
            if "__$" in bytecode:
                raise CompilerError(
                    f"{name} ({source_name}) needs library linking; make the library functions internal"
                )
            if name in artifacts:
                raise CompilerError(
                    f"two contracts named {name}: {artifacts[name]['source']} and {source_name}"
                )
            artifacts[name] = {
                "contractName": name,
                "source": source_name,
                "abi": out.get("abi", []),
                "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"],
                "methodIdentifiers": out["evm"].get("methodIdentifiers", {}),
            }

    artifacts_dir.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, str] = {}
    for name, artifact in artifacts.items():
        text = _dumps(artifact)
        hashes[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        _write_if_changed(artifacts_dir / f"{name}.json", text)
    for old in artifacts_dir.glob("*.json"):
        if old.name != MANIFEST_NAME and old.stem not in artifacts:
            old.unlink()

    manifest = Manifest(
        compiler=solc.version,
        settings=copy.deepcopy(SETTINGS),
        sources_hash=_hash_sources(sources),
        sources={n: hashlib.sha256(c).hexdigest() for n, c in sources.items()},
        contracts=sorted(artifacts),
        artifacts=dict(sorted(hashes.items())),
        warnings=warnings,
        compiled_with=solc.origin,
    )
    _write_if_changed(artifacts_dir / MANIFEST_NAME, manifest.to_json())  # last: marks the set complete
    if artifacts_dir.resolve() == ARTIFACTS_DIR:
        _load_cached.cache_clear()
    return manifest


def _run_solc(solc: Solc, sources: dict[str, bytes], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Standard-JSON output; compile errors come back in output["errors"] (reported by the caller)."""
    import solcx
    from solcx.exceptions import SolcError

    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": content.decode("utf-8")} for name, content in sources.items()},
        "settings": SETTINGS if settings is None else settings,
    }
    try:
        return solcx.compile_standard(standard_input, solc_binary=solc.path, allow_empty=True)
    except SolcError as exc:
        if exc.error_dict:
            return {"errors": exc.error_dict}
        detail = (exc.stderr_data or exc.message or "").strip().splitlines()
        raise CompilerError(
            f"{solc.origin} failed" + (f": {detail[0]}" if detail else "")
        ) from None
    except ValueError as exc:  # output was not JSON
        raise CompilerError(f"{solc.origin} did not answer with standard JSON: {exc}") from None


# --------------------------------------------------------------------------------------------- runtime

_fresh: Manifest | None = None  # manifest checked by ensure_fresh in this process


def _lock(artifacts_dir: Path) -> contextlib.AbstractContextManager[None]:
    """Serialise check-and-recompile across processes (e.g. parallel tests); the lock file lives in the
    temp dir so nothing appears in the repository."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return contextlib.nullcontext()
    key = hashlib.sha256(str(artifacts_dir.resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"ecny-sim-compile-{key}.lock"

    try:
        fh = open(lock_path, "a+")
    except OSError:  # e.g. another user's lock file: go without
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def held() -> Iterator[None]:
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    return held()


def ensure_fresh(*, quiet: bool = False) -> Manifest:
    """Make sure the packaged artifacts match the repository's contracts/ (when there is one).

    In a checkout or editable install, recompile when the sources changed (one line on stderr), or raise
    CompilerError if no compiler is available; set ECNY_SIM_AUTOCOMPILE=0 to raise instead of recompiling.
    In an installed package (no contracts/ beside it) the packaged artifacts are trusted.
    """
    global _fresh
    contracts_dir = repo_contracts_dir()
    if contracts_dir is None:
        manifest = read_manifest(ARTIFACTS_DIR)
        if manifest is None:
            raise CompilerError(f"no compiled artifacts in {ARTIFACTS_DIR}; the package is incomplete")
        _fresh = manifest
        return manifest

    with _lock(ARTIFACTS_DIR):
        reason = staleness(contracts_dir, ARTIFACTS_DIR)
        if reason is not None:
            if os.environ.get("ECNY_SIM_AUTOCOMPILE", "1") == "0":
                raise CompilerError(f"{reason}; run `ecny-sim compile` (or `make compile`)")
            with contextlib.ExitStack() as stack:
                try:
                    solc = stack.enter_context(find_compiler())
                except NoCompilerError:
                    raise NoCompilerError(f"contracts changed and {NO_COMPILER_HINT}") from None
                if not quiet:
                    print(
                        f"ecny-sim: {reason}; recompiling contracts/ with solc {solc.version} ...",
                        file=sys.stderr,
                        flush=True,
                    )
                manifest = compile_contracts(contracts_dir, ARTIFACTS_DIR, solc=solc)
        else:
            manifest = read_manifest(ARTIFACTS_DIR)
            assert manifest is not None
    _fresh = manifest
    return manifest


def current_manifest() -> Manifest:
    """The manifest of the artifacts in use (checked once per process), e.g. for artifact hashes."""
    return _fresh if _fresh is not None else ensure_fresh()


@functools.lru_cache(maxsize=None)
def _load_cached(name: str) -> dict[str, Any]:
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in ARTIFACTS_DIR.glob("*.json") if p.name != MANIFEST_NAME)
        raise CompilerError(f"no compiled contract named {name!r} (known: {', '.join(known) or 'none'})")
    return json.loads(path.read_text(encoding="utf-8"))


def load_artifact(name: str) -> dict[str, Any]:
    """The artifact of contract ``name``: keys abi, bytecode, deployedBytecode, methodIdentifiers,
    contractName, source. Checks freshness once per process. Returns a copy; safe to mutate. While a user's
    build is active (``overlay.active``), the contracts it replaces load as the user's."""
    from .overlay import override

    return override(name) or load_builtin_artifact(name)


def load_builtin_artifact(name: str) -> dict[str, Any]:
    """As :func:`load_artifact`, always the built-in contract."""
    if _fresh is None:
        ensure_fresh()
    return copy.deepcopy(_load_cached(name))


def main(argv: list[str] | None = None) -> int:
    """For the Makefile.

    ``python -m ecny_sim.chain.compiler --check``: exit 0 when the artifacts are fresh (or there is no
    contracts/), 1 when stale and a compiler is available, 3 when stale and none is found.
    ``python -m ecny_sim.chain.compiler --ensure``: recompile if stale; exit 2 with one line on failure.
    """
    args = sys.argv[1:] if argv is None else argv
    if args == ["--ensure"]:
        try:
            ensure_fresh()
        except CompilerError as exc:
            print(f"ecny-sim: {exc}", file=sys.stderr)
            return 2
        return 0
    if args != ["--check"]:
        print("usage: python -m ecny_sim.chain.compiler --check | --ensure", file=sys.stderr)
        return 2
    contracts_dir = repo_contracts_dir()
    if contracts_dir is None:
        return 0
    if staleness(contracts_dir, ARTIFACTS_DIR) is None:
        return 0
    try:
        with find_compiler():
            return 1
    except NoCompilerError:
        return 3
    except CompilerError:  # e.g. a wrong version: --ensure will say so
        return 1


if __name__ == "__main__":
    sys.exit(main())
