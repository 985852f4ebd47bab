"""`ecny-sim compile`: rebuild the committed artifacts from contracts/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ecny_sim.chain import compiler


def register(app: typer.Typer) -> None:
    app.command("compile")(compile_cmd)


def compile_cmd(
    contracts: Optional[Path] = typer.Option(
        None, "--contracts", help="Solidity sources (default: the repository's contracts/)."
    ),
    artifacts: Optional[Path] = typer.Option(
        None, "--artifacts", help="Where to write the JSON artifacts (default: the package's artifacts/)."
    ),
) -> None:
    """Compile contracts/ with solc 0.8.37 and rewrite the artifacts (ABI, bytecode, manifest)."""
    out = Console()
    err = Console(stderr=True)
    try:
        contracts_dir = contracts or compiler.repo_contracts_dir()
        if contracts_dir is None:
            raise compiler.CompilerError(
                "no contracts/ directory beside this installation; run `ecny-sim compile` in a checkout "
                "of the repository, or pass --contracts DIR --artifacts DIR"
            )
        artifacts_dir = artifacts or compiler.ARTIFACTS_DIR
        if not compiler.read_sources(contracts_dir):  # compiling nothing would delete every artifact
            raise compiler.CompilerError(f"no .sol file under {contracts_dir}; --contracts is the folder of the "
                                         "Solidity sources")
        if Path(artifacts_dir).exists() and not Path(artifacts_dir).is_dir():
            raise compiler.CompilerError(f"--artifacts {artifacts_dir} is a file, not a folder")
        manifest = compiler.compile_contracts(contracts_dir, artifacts_dir)
    except compiler.CompilerError as exc:
        first, _, rest = str(exc).partition("\n")
        err.print(f"error: {first}", style="bold red", markup=False, highlight=False, soft_wrap=True)
        if rest:
            err.print(rest, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None

    for warning in manifest.warnings:
        err.print(warning, style="yellow", markup=False, highlight=False, soft_wrap=True)
    table = Table(title=None, show_header=True, header_style="bold")
    table.add_column("contract")
    table.add_column("source")
    table.add_column("deployed size", justify="right")
    for name in manifest.contracts:
        art = json.loads((Path(artifacts_dir) / f"{name}.json").read_text(encoding="utf-8"))
        size = (len(art["deployedBytecode"]) - 2) // 2
        table.add_row(name, art["source"], f"{size:,} B")
    if manifest.contracts:
        out.print(table)
    out.print(
        f"compiled {len(manifest.sources)} source file(s), {len(manifest.contracts)} contract(s) "
        f"with solc {manifest.compiler} [{manifest.compiled_with}]",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    out.print(f"sources sha256 {manifest.sources_hash}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"artifacts in {artifacts_dir}", markup=False, highlight=False, soft_wrap=True)
