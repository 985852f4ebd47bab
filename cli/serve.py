"""`ecny-sim serve`: the live page for a classroom and a regulator (and, with --runs, an explorer of finished runs),
a Starlette app on uvicorn. Everything the page loads is served by the app itself."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from ecny_sim.cli.run import fail


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)


def open_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a port in use is one line (uvicorn would log a traceback)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} is in use on {host}: choose another with --port")
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def shared_address() -> str:
    """This machine's address on the room's network (the one a route to the outside would leave from)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # no packet is sent: it only picks the interface
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def serve(
    scenario: Optional[str] = typer.Argument(None, help="a built-in scenario or a path to a scenario .py, "
                                             "preselected on the page"),
    port: int = typer.Option(8000, "--port", help="the port to listen on (0: any free one)"),
    host: str = typer.Option("127.0.0.1", "--host", help="the address to listen on; 0.0.0.0 lets a class watch "
                             "from their phones on the room's network"),
    lang: str = typer.Option("en", "--lang", help="the page's language at first: en, zh or any with a catalog"),
    runs: Optional[Path] = typer.Option(None, "--runs", help="a folder of finished runs (or one run) for the "
                                        "explorer"),
    out: Path = typer.Option(Path("runs") / "serve", "--out", help="where the page's runs are written"),
) -> None:
    """Serve the live page: play a scenario for a class, act as the regulator, explore finished runs."""
    from ecny_sim.run.scenario import BadInput, echo
    from ecny_sim.show import i18n

    if lang not in i18n.languages("narration"):
        fail(f"--lang must be one of {', '.join(i18n.languages('narration'))}, not {echo(lang)}")
    if not 0 <= port <= 65535:
        fail(f"--port must be from 0 to 65535, not {port}")
    sock = open_socket(host, port)  # before the chain's libraries load: a port in use is told at once

    import uvicorn

    from ecny_sim.chain.compiler import CompilerError, ensure_fresh
    from ecny_sim.run import scenario as scenarios
    from ecny_sim.web.app import Config, build_app

    try:
        ensure_fresh()
        if scenario is not None:
            scenarios.load(scenario)  # an unknown scenario: one line now, not a page that cannot start it
        config = Config(scenario=scenario, lang=lang, runs=runs, out_root=out)
        app, server = build_app(config)
    except (BadInput, CompilerError) as exc:
        sock.close()
        fail(str(exc))
    bound = sock.getsockname()[1]
    console = Console(highlight=False, soft_wrap=True)
    local = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{bound}/"
    console.print(f"ecny-sim serve: {local}?token={config.token}")
    console.print(f"  this link starts and plays runs and acts as the regulator (token {config.token}); "
                  "without the token a page only watches")
    if host in ("0.0.0.0", "::"):
        console.print(f"  share with the class: http://{shared_address()}:{bound}/")
    if runs is not None:
        console.print(f"  explorer: {local}explorer")
    console.print("  Ctrl+C to stop")
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="on"))
    try:
        uv.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        sock.close()
