"""The `ecny-sim` command line. One module per command, each exposing ``register(app)``.

To add a command, write ``cli/<name>.py`` with ``def register(app: typer.Typer) -> None`` and add the module
to ``COMMANDS`` below.
"""

from __future__ import annotations

import typer

from ecny_sim.cli import compile as compile_command
from ecny_sim.cli import diff as diff_command
from ecny_sim.cli import inspect as inspect_command
from ecny_sim.cli import export as export_command
from ecny_sim.cli import list as list_command
from ecny_sim.cli import replay as replay_command
from ecny_sim.cli import report as report_command
from ecny_sim.cli import run as run_command

app = typer.Typer(
    name="ecny-sim",
    help="Simulator of programmable e-CNY: Solidity contracts on an in-process chain, driven by scenarios.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Simulator of programmable e-CNY (prepaid tuition escrow and more) on an in-process chain."""
    # A callback keeps typer from collapsing a one-command app into that command.


COMMANDS = (run_command, list_command, replay_command, diff_command, inspect_command, report_command, export_command, compile_command)

for _module in COMMANDS:
    _module.register(app)


if __name__ == "__main__":  # python -m ecny_sim.cli.main
    app()
