"""The `ecny-sim` command line. One module per command, each exposing ``register(app)``.

To add a command, write ``cli/<name>.py`` with ``def register(app: typer.Typer) -> None`` and add the module
to ``COMMANDS`` below.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from rich.console import Console
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # typer 0.29 vendors click (pinned)
from typer.core import TyperGroup

from ecny_sim.cli import check as check_command
from ecny_sim.cli import compile as compile_command
from ecny_sim.cli import diff as diff_command
from ecny_sim.cli import inspect as inspect_command
from ecny_sim.cli import export as export_command
from ecny_sim.cli import list as list_command
from ecny_sim.cli import new as new_command
from ecny_sim.cli import replay as replay_command
from ecny_sim.cli import report as report_command
from ecny_sim.cli import run as run_command
from ecny_sim.cli import serve as serve_command
from ecny_sim.cli import sweep as sweep_command

EXIT_CODES = ("Exit codes, every command: 0 ok · 1 an invariant failed, or replay found a difference · "
              "2 bad input, nothing written · 3 an unexpected revert · 4 replay: the journal matches but the run "
              "never ended · 5 the scenario script failed · 6 the chain backend failed · 130 interrupted.")

class _OneLineErrors(TyperGroup):
    """Usage mistakes (an unknown option, a missing argument, a value of the wrong type) in one line, exit 2,
    like every other bad input, instead of click's boxed usage text."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:  # `ecny-sim` alone: the help, as asked for by no_args_is_help
            print(exc.ctx.get_help())
            code = 0
        except UsageError as exc:
            where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
            message = " ".join(exc.format_message().split())
            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"[bold red]error:[/bold red] {message[:300]}{where}")
            code = 2
        except typer.Abort:  # Ctrl-C while click itself was reading input
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    name="ecny-sim",
    help="Simulator of programmable e-CNY: Solidity contracts on an in-process chain, driven by scenarios.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Simulator of programmable e-CNY (prepaid tuition escrow and more) on an in-process chain."""
    # A callback keeps typer from collapsing a one-command app into that command.


COMMANDS = (run_command, list_command, replay_command, diff_command, inspect_command, report_command, export_command, compile_command,
            sweep_command, serve_command, check_command, new_command)

for _module in COMMANDS:
    _module.register(app)


class _StdoutThatMayClose:
    """stdout that survives its reader going away (``ecny-sim run ... | head``): the first write to a closed
    pipe points file descriptor 1 at /dev/null, so the printing stops and the run goes on to write its outputs."""

    def __init__(self, stream: Any):
        self._stream = stream

    def _closed(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._closed()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._closed()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> None:
    """The `ecny-sim` entry point."""
    sys.stdout = _StdoutThatMayClose(sys.stdout)
    app()


if __name__ == "__main__":  # python -m ecny_sim.cli.main
    main()
