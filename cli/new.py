"""`ecny-sim new KIND DIR`: a starting point for your own contract that is green from the start.

DIR gets a contract that extends the built-in implementation of KIND's interface (so it behaves as the
built-in until you change it), ecny-contracts.toml naming it, and a README with the commands. The constructor
is written from the built-in's ABI, with each type imported from the simulator's shipped sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer

from ecny_sim.cli.run import fail

#: KIND -> the interface it implements (chain.user_contracts.SLOTS names the built-in contract).
KINDS = {
    "prepaid-escrow": "IPrepaidEscrow",
    "upfront-prepaid": "IUpfrontPrepaid",
    "conditional-payment": "IConditionalPayment",
    "red-packet-campaign": "IRedPacketCampaign",
    "grant-programme": "IGrantProgramme",
    "wage-pass-through": "IWagePassThrough",
}


def register(app: typer.Typer) -> None:
    app.command(name="new")(new)


def new(
    kind: str = typer.Argument(..., metavar="KIND", help="one of: " + ", ".join(KINDS)),
    directory: Path = typer.Argument(..., metavar="DIR", help="a new (or empty) folder for your contract"),
    name: str = typer.Option("", "--name", help="the contract's name [default: My + the built-in's name]"),
) -> None:
    """Write a contract of KIND that passes from the start, its manifest and a README, into DIR."""
    from ecny_sim.chain.user_contracts import MANIFEST_FILE, SLOTS

    if kind not in KINDS:
        fail(f"unknown KIND {kind[:40]!r}; choose one of: {', '.join(KINDS)}")
    interface = KINDS[kind]
    builtin = SLOTS[interface]
    name = name or f"My{builtin}"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
        fail(f"--name {name[:40]!r} is not a Solidity contract name")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        fail(f"{directory} exists and is not an empty folder")
    files = {f"{name}.sol": _contract(name, builtin, interface), MANIFEST_FILE: _manifest(interface, name),
             "README.md": _readme(kind, name, interface, builtin, directory)}
    directory.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (directory / file).write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(files)} to {directory}")
    print(f"next: {_next(interface, directory)}")


def _next(interface: str, directory: Path) -> str:
    from ecny_sim.conformance.check import FAMILIES

    if interface in FAMILIES:
        return f"ecny-sim check {directory}"
    return f"ecny-sim run <a scenario of the family> --contracts {directory}"


def _definitions() -> dict[str, str]:
    """Solidity type name (interface, struct, enum) -> the shipped file defining it, as imported."""
    from ecny_sim.chain.user_contracts import IMPORT_PREFIX, shipped_dir

    base = shipped_dir()
    found: dict[str, str] = {}
    for path in sorted(base.rglob("*.sol")):
        rel = path.relative_to(base)
        if rel.parts[0] == "test":
            continue
        for match in re.finditer(r"^\s*(?:abstract\s+)?(?:interface|struct|enum|contract)\s+(\w+)",
                                 path.read_text(encoding="utf-8"), re.M):
            found.setdefault(match.group(1), IMPORT_PREFIX + rel.as_posix())
    return found


def _contract(name: str, builtin: str, interface: str) -> str:
    from ecny_sim.chain.compiler import load_builtin_artifact

    abi = load_builtin_artifact(builtin)["abi"]
    inputs = next((e["inputs"] for e in abi if e.get("type") == "constructor"), [])
    where = _definitions()
    imports: dict[str, set[str]] = {where[builtin]: {builtin}}
    params, forwarded = [], []
    for p in inputs:
        internal = p.get("internalType") or p["type"]
        kind, _, type_name = internal.partition(" ")
        if kind in ("contract", "struct", "enum"):
            imports.setdefault(where[type_name], set()).add(type_name)
            solidity = type_name + (" memory" if kind == "struct" else "")
        else:
            solidity = internal
        params.append(f"{solidity} {p['name']}")
        forwarded.append(p["name"])
    lines = ["// SPDX-License-Identifier: MIT", "pragma solidity 0.8.37;", ""]
    lines += [f'import {{{", ".join(sorted(names))}}} from "{path}";' for path, names in sorted(imports.items())]
    lines += ["", f"/// @title {name}",
              f"/// @notice Your {interface}: for now ecny-sim's {builtin}, unchanged, so it passes from the start.",
              "/// Change what you want to try; `ecny-sim check` (or `ecny-sim run --contracts`) tells you what "
              "still holds.",
              f"contract {name} is {builtin} {{",
              f"    constructor({', '.join(params)})", f"        {builtin}({', '.join(forwarded)})", "    {}", "}", ""]
    return "\n".join(lines)


def _manifest(interface: str, name: str) -> str:
    return (f"# Which contract implements which ecny-sim interface (plug-in API 1: docs/interfaces.md).\napi = 1\n\n"
            f"[{interface}]\ncontract = \"{name}\"\n# args = [...]  # constructor arguments; \"$name\" is the value "
            f"the simulator gives the built-in's parameter of that name\n")


def _readme(kind: str, name: str, interface: str, builtin: str, directory: Path) -> str:
    from ecny_sim.conformance.check import FAMILIES

    family = FAMILIES.get(interface)
    run = f"{family.scenarios[0]} --test-scale" if family else "<scenario> --test-scale"
    check = (f"ecny-sim check {directory}                 # every scenario, property and attack of the family\n"
             if family else "")
    return (f"# {name}\n\nYour implementation of `{interface}` ({kind}), written by `ecny-sim new`. It starts as "
            f"ecny-sim's `{builtin}` (it extends it), so everything passes; change it and see what still holds.\n\n"
            f"```\n{check}ecny-sim run {run} --contracts {directory} --out runs/mine\n"
            f"ecny-sim replay runs/mine            # the journal carries your contract\n```\n\n"
            f"Imports of `ecny-sim/...` reach the simulator's interfaces, types and contracts. The plug-in API: "
            f"docs/interfaces.md in the ecny-sim repository.\n")
