"""A developer's own contracts in place of the built-in ones (``--contracts DIR``): the manifest, the compile,
and the overlay through which the rest of the simulator deploys them.

``DIR/ecny-contracts.toml`` says which contract implements which plug-in interface and, optionally, its
constructor arguments::

    api = 1
    [IPrepaidEscrow]
    contract = "ParentConfirmedEscrow"
    args = ["$token", "$regulator", "$rules", 86400]    # optional: by default the built-in's arguments

``$name`` stands for the argument the simulator passes the built-in contract's constructor parameter
``name`` (or ``name_``); anything else is a literal, checked against the user's constructor ABI.

DIR's ``.sol`` files are compiled with the pinned solc and the built-in settings; ``import "ecny-sim/..."``
reaches the simulator's own sources (``interfaces/``, ``types/``, the token and the built-in contracts), shipped
inside the package. While a :class:`UserBuild` is active (``overlay.active``), ``load_artifact(<built-in>)`` returns the
user's artifact and ``constructor_args`` turns the built-in's arguments into the user's; the journal header
carries :meth:`UserBuild.header` (sources' hashes, ABI and bytecode), so a replay needs nothing else
(:func:`from_header`). The chain layer knows no domain: interfaces are only names and built-in artifact names.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Mapping, Sequence

from . import compiler, overlay
from .compiler import CompilerError
from .errors import abi_type

#: The plug-in API's version (docs/interfaces.md). A manifest names the one it was written for.
API_VERSION = 1
MANIFEST_FILE = "ecny-contracts.toml"
#: Import prefix of the simulator's own sources.
IMPORT_PREFIX = "ecny-sim/"
#: The plug-in interfaces -> the built-in contract a user's implementation stands in for.
SLOTS: dict[str, str] = {
    "IPrepaidEscrow": "PrepaidEscrow",
    "IUpfrontPrepaid": "UpfrontPrepaid",
    "IConditionalPayment": "ConditionalPayment",
    "IRedPacketCampaign": "RedPacketCampaign",
    "IGrantProgramme": "GrantProgramme",
    "IWagePassThrough": "WagePassThrough",
}
#: EIP-170: the largest runtime code a deployment may leave.
MAX_CODE_BYTES = 24_576
_IMPORT_RE = re.compile(r"""\bimport\s+(?:[^"';]*?\bfrom\s+)?["']([^"']+)["']""")


class UserContractError(CompilerError):
    """A user's contracts directory that cannot be used: one clear message (exit 2)."""


# ------------------------------------------------------------------------------------------- shipped sources


def shipped_dir() -> Path:
    """The simulator's own Solidity: contracts/ in a checkout, the package's ``solidity/`` when installed."""
    repo = compiler.repo_contracts_dir()
    if repo is not None:
        return repo
    return compiler.PACKAGE_DIR / "solidity"


def _shipped_sources() -> dict[str, bytes]:
    base = shipped_dir()
    return {IMPORT_PREFIX + p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*.sol")) if "test" not in p.relative_to(base).parts[:-1]}


def _imports(unit: str, content: bytes) -> list[str]:
    found = []
    for target in _IMPORT_RE.findall(content.decode("utf-8", "replace")):
        if target.startswith("."):
            parts: list[str] = []
            for part in (PurePosixPath(unit).parent / target).parts:
                if part == "..":
                    if parts:
                        parts.pop()
                elif part != ".":
                    parts.append(part)
            target = "/".join(parts)
        found.append(target)
    return found


def _with_imports(sources: dict[str, bytes], where: Path) -> dict[str, bytes]:
    """The user's sources and every shipped source they reach; an import that reaches nothing is named."""
    shipped = _shipped_sources()
    todo, done = list(sources), dict(sources)
    while todo:
        unit = todo.pop()
        for target in _imports(unit, done[unit]):
            if target in done:
                continue
            if target not in shipped:
                shown = unit.replace(compiler.SOURCE_PREFIX, f"{where}/", 1)
                hint = f" (the simulator's sources are imported as \"{IMPORT_PREFIX}interfaces/...\")" \
                    if target.startswith(IMPORT_PREFIX) or "interfaces/" in target else ""
                raise UserContractError(f"{shown}: import \"{target}\" not found{hint}")
            done[target] = shipped[target]
            todo.append(target)
    return dict(sorted(done.items()))


# ------------------------------------------------------------------------------------------- the build


@dataclass(frozen=True)
class UserContract:
    interface: str  # e.g. "IPrepaidEscrow"
    replaces: str  # the built-in artifact it stands in for, e.g. "PrepaidEscrow"
    name: str  # the user's contract
    artifact: dict[str, Any]  # abi, bytecode, deployedBytecode, methodIdentifiers, contractName, source
    args: tuple[Any, ...] | None  # the constructor template ($names and literals); None: the built-in's

    @property
    def artifact_hash(self) -> str:
        return hashlib.sha256(compiler._dumps(self.artifact).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class UserBuild:
    directory: str
    compiler: str
    sources: dict[str, str]  # the user's source unit -> sha256
    contracts: dict[str, UserContract] = field(default_factory=dict)  # by the built-in they replace

    @property
    def digest(self) -> str:
        """One hash of the whole build (sources, contracts, arguments): a run folder's identity."""
        return hashlib.sha256(compiler._dumps(self.header()).encode("utf-8")).hexdigest()

    def artifacts(self) -> dict[str, tuple[dict[str, Any], str]]:
        """The built-in name -> (the user's artifact, its hash): what ``overlay`` installs."""
        return {slot: (c.artifact, c.artifact_hash) for slot, c in self.contracts.items()}

    def header(self) -> dict[str, Any]:
        """What the journal header records: enough to deploy the same contracts again."""
        return {
            "api": API_VERSION,
            "compiler": self.compiler,
            "sources": self.sources,
            "contracts": {slot: {"interface": c.interface, "contract": c.name, "args": None if c.args is None
                                 else list(c.args), "artifact": c.artifact, "artifact_sha256": c.artifact_hash}
                          for slot, c in sorted(self.contracts.items())},
        }


def from_header(data: Mapping[str, Any]) -> UserBuild:
    """The build a journal header recorded (``user_contracts``); each artifact checked against its hash."""
    try:
        contracts = {}
        for slot, c in data["contracts"].items():
            uc = UserContract(c["interface"], slot, c["contract"], dict(c["artifact"]),
                              None if c["args"] is None else tuple(c["args"]))
            if uc.artifact_hash != c["artifact_sha256"]:
                raise UserContractError(f"the journal's user contract {c['contract']} does not match its hash")
            contracts[slot] = uc
        return UserBuild("(journal)", data["compiler"], dict(data["sources"]), contracts)
    except (KeyError, TypeError, AttributeError) as exc:
        raise UserContractError(f"the journal's user contracts are incomplete ({exc})") from None


def read_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    """interface -> {"contract": name, "args": list | None}, from DIR's manifest; every mistake named."""
    path = directory / MANIFEST_FILE
    if not directory.is_dir():
        raise UserContractError(f"{directory}: no such directory")
    if not path.is_file():
        raise UserContractError(f"{directory}: no {MANIFEST_FILE} (it names the contract that implements each "
                                f"interface; `ecny-sim new prepaid-escrow DIR` writes one)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserContractError(f"{path}: not valid TOML ({exc})") from None
    api = data.pop("api", API_VERSION)
    if api != API_VERSION:
        raise UserContractError(f"{path}: api = {api!r}, but this ecny-sim speaks plug-in API {API_VERSION}")
    if not data:
        raise UserContractError(f"{path}: names no interface (known: {', '.join(SLOTS)})")
    out = {}
    for interface, entry in data.items():
        if interface not in SLOTS:
            hint = " (name IPrepaidEscrow or IUpfrontPrepaid)" if interface == "IPrepaidSupervision" else ""
            raise UserContractError(f"{path}: unknown interface [{interface}]{hint}; known: {', '.join(SLOTS)}")
        if not isinstance(entry, dict) or not isinstance(entry.get("contract"), str):
            raise UserContractError(f"{path}: [{interface}] needs contract = \"<the contract's name>\"")
        unknown = sorted(set(entry) - {"contract", "args"})
        if unknown:
            raise UserContractError(f"{path}: [{interface}] has unknown keys: {', '.join(unknown)}")
        args = entry.get("args")
        if args is not None and not isinstance(args, list):
            raise UserContractError(f"{path}: [{interface}] args must be a list")
        out[interface] = {"contract": entry["contract"], "args": args}
    return out


def build(directory: Path | str) -> UserBuild:
    """Reads the manifest, compiles DIR and checks each named contract against its interface."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    own = compiler.read_sources(directory)
    if not own:
        raise UserContractError(f"{directory}: no .sol files")
    sources = _with_imports(own, directory)
    settings = copy.deepcopy(compiler.SETTINGS)
    full = settings["outputSelection"]["*"]["*"]
    settings["outputSelection"] = {"*": {"*": ["abi", "evm.methodIdentifiers"]}, **{u: {"*": full} for u in own}}
    with compiler.find_compiler() as solc:
        output = compiler._run_solc(solc, sources, settings)
    problems = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if problems:
        text = compiler._compile_errors(problems).replace(f"--> {compiler.SOURCE_PREFIX}", f"--> {directory}/")
        raise UserContractError(f"{directory} does not compile:\n{text}")
    compiled = output.get("contracts", {})
    by_name: dict[str, tuple[str, dict[str, Any]]] = {}
    for unit in own:
        for name, out in compiled.get(unit, {}).items():
            by_name[name] = (unit, out)
    interfaces = {name: out for unit, by in compiled.items() if unit.startswith(IMPORT_PREFIX + "interfaces/")
                  for name, out in by.items()}
    contracts = {}
    for interface, entry in sorted(manifest.items()):
        contracts[SLOTS[interface]] = _checked(directory, interface, entry, by_name, interfaces)
    return UserBuild(str(directory), solc.version, {n: hashlib.sha256(c).hexdigest() for n, c in own.items()},
                     contracts)


def _checked(directory: Path, interface: str, entry: dict[str, Any], by_name: dict[str, Any],
             interfaces: dict[str, Any]) -> UserContract:
    name = entry["contract"]
    if name not in by_name:
        found = sorted(by_name)
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise UserContractError(f"{MANIFEST_FILE}: [{interface}] names {name}, which is not a contract in {directory} "
                                f"(found: {shown or 'none'})")
    unit, out = by_name[name]
    bytecode = out.get("evm", {}).get("bytecode", {}).get("object", "")
    if not bytecode:
        raise UserContractError(f"{name} is abstract or an interface: it cannot be deployed")
    if "__$" in bytecode:
        raise UserContractError(f"{name} needs library linking; make the library functions internal")
    size = len(out["evm"]["deployedBytecode"]["object"]) // 2
    if size > MAX_CODE_BYTES:
        raise UserContractError(f"{name}'s runtime code is {size:,} bytes, above the {MAX_CODE_BYTES:,}-byte limit "
                                f"(EIP-170): split it or turn the optimizer's work to size")
    args = None if entry["args"] is None else tuple(entry["args"])
    replaces = SLOTS[interface]
    _check_args(name, out.get("abi", []), args, compiler.load_builtin_artifact(replaces)["abi"])
    want = interfaces.get(interface, {}).get("evm", {}).get("methodIdentifiers")
    if want is None:  # the user never imported the interface: compile it once to know its functions
        want = _interface_functions(interface)
    have = out.get("evm", {}).get("methodIdentifiers", {})
    missing = sorted(sig.split("(", 1)[0] for sig, sel in want.items() if have.get(sig) != sel)
    if missing:
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        raise UserContractError(f"{name} does not implement {interface}: missing {', '.join(missing[:6])}{more}")
    artifact = {"contractName": name, "source": unit, "abi": out.get("abi", []), "bytecode": "0x" + bytecode,
                "deployedBytecode": "0x" + out["evm"]["deployedBytecode"]["object"], "methodIdentifiers": have}
    return UserContract(interface, replaces, name, artifact, args)


def _interface_functions(interface: str) -> dict[str, str]:
    unit = f"{IMPORT_PREFIX}interfaces/{interface}.sol"
    sources = _with_imports({unit: _shipped_sources()[unit]}, shipped_dir())
    settings = dict(compiler.SETTINGS, outputSelection={"*": {"*": ["evm.methodIdentifiers"]}})
    with compiler.find_compiler() as solc:
        output = compiler._run_solc(solc, sources, settings)
    return output["contracts"][unit][interface]["evm"]["methodIdentifiers"]


def _constructor(abi: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return next((list(e.get("inputs", [])) for e in abi if e.get("type") == "constructor"), [])


def _placeholders(builtin_abi: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """``$name`` -> the built-in constructor's parameter (``token_`` answers to ``$token`` too)."""
    names = {}
    for p in _constructor(builtin_abi):
        names["$" + p["name"]] = p
        names["$" + p["name"].rstrip("_")] = p
    return names


def _check_args(name: str, abi: Sequence[Mapping[str, Any]], args: tuple[Any, ...] | None,
                builtin_abi: Sequence[Mapping[str, Any]]) -> None:
    from eth_abi import is_encodable

    inputs = _constructor(abi)
    if args is None:
        want = [abi_type(p) for p in _constructor(builtin_abi)]
        got = [abi_type(p) for p in inputs]
        if got != want:
            raise UserContractError(f"{name}'s constructor takes ({', '.join(got)}), not the built-in's "
                                    f"({', '.join(want)}): give args in {MANIFEST_FILE}")
        return
    if len(args) != len(inputs):
        raise UserContractError(f"{name}'s constructor takes {len(inputs)} arguments; {MANIFEST_FILE} gives "
                                f"{len(args)}")
    known = _placeholders(builtin_abi)
    for i, (p, value) in enumerate(zip(inputs, args), 1):
        shown = p.get("name") or f"argument {i}"
        if isinstance(value, str) and value.startswith("$"):
            if value not in known:
                raise UserContractError(f"{name}'s {shown}: unknown {value} (known: {', '.join(sorted(known))})")
            if abi_type(known[value]) != abi_type(p):
                raise UserContractError(f"{name}'s {shown} is {abi_type(p)}, but {value} is "
                                        f"{abi_type(known[value])}")
        elif not is_encodable(abi_type(p), value):
            raise UserContractError(f"{name}'s {shown} is {abi_type(p)}; {MANIFEST_FILE} gives "
                                    f"{json.dumps(value)}")


# ------------------------------------------------------------------------------------------- in a run


def header_fields() -> dict[str, Any]:
    """``{"user_contracts": ...}`` for a journal header while a build is active, else nothing."""
    build_ = overlay.current()
    return {"user_contracts": build_.header()} if build_ is not None else {}


def constructor_args(name: str, args: Sequence[Any]) -> tuple[Any, ...]:
    """The arguments for deploying ``name``: the built-in's, or the active build's template filled from them."""
    build_ = overlay.current()
    uc = build_.contracts.get(name) if build_ is not None else None
    if uc is None or uc.args is None:
        return tuple(args)
    names = {}
    for p, value in zip(_constructor(compiler.load_builtin_artifact(name)["abi"]), args):
        names["$" + p["name"]] = names["$" + p["name"].rstrip("_")] = value
    return tuple(names[a] if isinstance(a, str) and a.startswith("$") else a for a in uc.args)


def build_differs(mine: UserBuild, header: Mapping[str, Any]) -> str | None:
    """How a build's contracts differ from those a journal header recorded (one sentence), or None."""
    directory = mine.directory
    recorded = header.get("user_contracts", {}).get("contracts", {})
    if not recorded:
        return f"the run used ecny-sim's own contracts, not {directory}'s"
    for slot in sorted(set(recorded) | set(mine.contracts)):
        theirs, ours = recorded.get(slot), mine.contracts.get(slot)
        if theirs is None or ours is None or theirs["artifact_sha256"] != ours.artifact_hash:
            said = f"{theirs['contract']} ({theirs['artifact_sha256'][:12]})" if theirs else f"the built-in {slot}"
            shown = f"{ours.name} ({ours.artifact_hash[:12]})" if ours else f"the built-in {slot}"
            return f"the run's {slot} was {said}; {directory} builds {shown}"
    return None
