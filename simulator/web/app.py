"""The Starlette app of `ecny-sim serve`: three pages (classroom, regulator, explorer), their JSON and the run's
stream as server-sent events. One run at a time, watched by any number of viewers; the regulator's actions need
the token printed when the server started."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..run import scenario as scenarios
from ..run.scenario import BadInput, Scenario
from .explorer import Explorer
from .live import ACTIONS, Action, ActionRefused, LiveRun
from .words import page_words

STATIC = Path(__file__).resolve().parent / "static"
#: Each page, with nothing from elsewhere: scripts and styles are the app's own.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    "X-Content-Type-Options": "nosniff",
}
#: A run's report: its own inline style and data: images, nothing else (no script at all).
REPORT_HEADERS = {"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
                  "X-Content-Type-Options": "nosniff"}
TOKEN_HEADER = "x-ecny-token"


@dataclass
class Config:
    scenario: str | None = None  # preselected on the classroom page
    lang: str = "en"
    runs: Path | None = None  # the explorer's folder
    out_root: Path = Path("runs") / "serve"
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))


class Server:
    """The app's state: the one live run, the explorer, the token (starting a run, playing it and acting as the
    regulator need it; watching does not)."""

    def __init__(self, config: Config):
        self.config = config
        self.live: LiveRun | None = None
        # the folder given with --runs, else the page's own runs as they end
        self.explorer = Explorer(config.runs) if config.runs is not None else Explorer(config.out_root, given=False)
        self.closing = False
        self._runs_started = 0

    # ------------------------------------------------------------------ pages
    async def page(self, request: Request) -> Response:
        name = {"/": "classroom.html", "/regulator": "regulator.html", "/explorer": "explorer.html"}[request.url.path]
        return FileResponse(STATIC / name, headers=SECURITY_HEADERS)

    async def config_json(self, request: Request) -> Response:
        names = scenarios.builtin_names()
        listed = [{"name": n, "title": scenarios.load(n).title} for n in names]
        if self.config.scenario and self.config.scenario not in names:
            listed.insert(0, {"name": self.config.scenario, "title": self._scenario(self.config.scenario).title})
        return JSONResponse({"lang": self.config.lang, "langs": list(page_langs()), "scenario": self.config.scenario,
                             "scenarios": listed, "explorer": True, "runs_given": self.config.runs is not None,
                             "run": None if self.live is None else {"state": self.live.state,
                                                                    "scenario": self.live.scenario.name}})

    async def words(self, request: Request) -> Response:
        return JSONResponse(page_words(request.query_params.get("lang", self.config.lang)))

    # ------------------------------------------------------------------ the form
    def _scenario(self, name: str) -> Scenario:
        """A built-in scenario, or the one given on serve's command line: never another path a request names
        (loading a scenario file runs its code, and viewers only watch)."""
        if name not in scenarios.builtin_names() and name != self.config.scenario:
            raise BadInput(f"unknown scenario {name[:60]!r}: the page offers the built-in ones and the one serve "
                           "was started with")
        return scenarios.load(name)

    async def form(self, request: Request) -> Response:
        try:
            scenario = self._scenario(request.path_params["name"])
        except BadInput as exc:
            return JSONResponse({"message": str(exc)}, status_code=404)
        fields = [{"name": p.name, "kind": p.type, "default": p.default, "bounds": p.range, "test": p.test_value,
                   "description": p.description} for p in scenario.parameters()]
        return JSONResponse({"name": scenario.name, "title": scenario.title, "fields": fields})

    async def start(self, request: Request) -> Response:
        if (refused := self.forbidden(request)) is not None:
            return refused
        body = await _json_body(request)
        if body is None:
            return JSONResponse({"message": "the request is not a JSON object"}, status_code=400)
        if self.live is not None and not self.live.finished:
            return JSONResponse({"message": "a run is going on: wait for its end"}, status_code=409)
        try:
            scenario = self._scenario(str(body.get("scenario", "")))
            raw = body.get("values") or {}
            if not isinstance(raw, dict):
                raise BadInput("values must be an object of parameters")
            values = scenarios.parse_assignments([f"{k}={v}" for k, v in raw.items() if str(v).strip() != ""])
            seed = int(body.get("seed", 1))
            speed_ms = body.get("speed_ms", 300)
            if type(speed_ms) is not int or not 0 <= speed_ms <= 60_000:
                raise ValueError(f"speed_ms must be a whole number of milliseconds, 0 to 60000, not {speed_ms!r:.20}")
        except (BadInput, ValueError, TypeError) as exc:
            return JSONResponse({"message": str(exc), "errors": {}}, status_code=422)
        base = dict(scenario.test_params) if body.get("test_scale") else {}
        base.update(values)
        try:
            params = scenario.params_model(**base)
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for error in exc.errors():
                where = str(error["loc"][0]) if error.get("loc") else ""
                errors.setdefault(where, error["msg"].removeprefix("Value error, "))
            try:
                scenario.params(base)
            except BadInput as line:
                message = str(line)
            return JSONResponse({"message": message, "errors": errors}, status_code=422)
        self._runs_started += 1
        out_dir = self.config.out_root / f"{scenario.name}-seed{seed}-{self._runs_started}"
        while out_dir.exists():
            self._runs_started += 1
            out_dir = self.config.out_root / f"{scenario.name}-seed{seed}-{self._runs_started}"
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.live is not None:
            self.live.stop()
        self.live = LiveRun(scenario, params, seed, out_dir, speed_ms=speed_ms,
                            paused=bool(body.get("paused", False)))
        self.live.start()
        return JSONResponse({"ok": True, "out_dir": str(out_dir)})

    # ------------------------------------------------------------------ the run
    async def control(self, request: Request) -> Response:
        if (refused := self.forbidden(request)) is not None:
            return refused
        body = await _json_body(request)
        if body is None or body.get("command") not in ("play", "pause", "step", "speed"):
            return JSONResponse({"message": "command must be play, pause, step or speed"}, status_code=400)
        if self.live is None:  # nothing to play yet (the speed is sent again with the run)
            return JSONResponse({"state": "waiting"})
        speed = body.get("speed_ms")
        if speed is not None and not (isinstance(speed, int) and not isinstance(speed, bool) and 0 <= speed <= 60_000):
            return JSONResponse({"message": "speed_ms must be a whole number of milliseconds, 0 to 60000"},
                                status_code=422)
        state = self.live.control(body["command"], speed)
        return JSONResponse({"state": state})

    async def stream(self, request: Request) -> Response:
        """Every entry of the run's stream from its start (or after Last-Event-ID), then each as it comes."""
        live = self.live
        try:
            seq = int(request.headers.get("last-event-id", "-1")) + 1
        except ValueError:
            seq = 0

        once = request.query_params.get("once") == "1"  # what the stream holds now, then the end (tests, scripts)

        async def events():
            nonlocal seq
            yield "retry: 1000\n\n"
            while not self.closing:
                current = self.live
                if current is None or current is not live:  # a new run: the page starts over
                    if current is not None:
                        yield "event: reset\ndata: {}\n\n"
                        return
                    await asyncio.sleep(0.2)
                    continue
                entries = live.since(seq)
                for entry in entries:
                    yield f"id: {entry['seq']}\ndata: {json.dumps(entry, ensure_ascii=False)}\n\n"
                seq += len(entries)
                if once:
                    return
                if not entries:
                    await asyncio.sleep(0.05)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    def forbidden(self, request: Request) -> Response | None:
        """403 unless the request carries the token printed when serve started: viewers only watch."""
        given = request.headers.get(TOKEN_HEADER, "")
        if hmac.compare_digest(given.encode(), self.config.token.encode()):
            return None
        return JSONResponse({"message": "only the person who started serve can do this: it needs the token printed "
                                        "at start (open the link serve printed)"}, status_code=403)

    async def act(self, request: Request) -> Response:
        if (refused := self.forbidden(request)) is not None:
            return refused
        body = await _json_body(request)
        if body is None or body.get("kind") not in ACTIONS:
            return JSONResponse({"message": f"kind must be one of {', '.join(ACTIONS)}"}, status_code=400)
        if self.live is None:
            return JSONResponse({"message": "no run yet"}, status_code=409)
        try:
            action = Action(body["kind"], str(body.get("contract", "")), str(body.get("institution", "")),
                            int(body.get("order_id") or 0), bool(body.get("release", False)))
        except (TypeError, ValueError):
            return JSONResponse({"message": "order_id must be a number"}, status_code=400)
        try:
            result = await asyncio.to_thread(self.live.act, action)
        except ActionRefused as exc:
            return JSONResponse({"ok": False, "message": str(exc)}, status_code=409)
        return JSONResponse(result, status_code=200 if result.get("ok", True) else 409)

    # ------------------------------------------------------------------ the explorer
    async def runs(self, request: Request) -> Response:
        return JSONResponse({"runs": self.explorer.runs()})

    async def run(self, request: Request) -> Response:
        try:
            data = await asyncio.to_thread(self.explorer.run, request.path_params["name"])
        except BadInput as exc:
            return JSONResponse({"message": str(exc)}, status_code=404)
        return JSONResponse(data)

    async def report(self, request: Request) -> Response:
        """A finished run's report, its explorer page linked. The report's style is inline and its charts are
        data: images; it runs no script."""
        try:
            page = self.explorer.report(request.path_params["name"])
        except BadInput as exc:
            return JSONResponse({"message": str(exc)}, status_code=404)
        return HTMLResponse(page, headers=REPORT_HEADERS)

    def shutdown(self) -> None:
        self.closing = True
        if self.live is not None:
            self.live.stop()


async def _json_body(request: Request) -> dict[str, Any] | None:
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        body = json.loads(await request.body())
        if isinstance(body, dict):
            return body
    return None


def page_langs() -> tuple[str, ...]:
    from ..show.narration import languages

    return languages()


def build_app(config: Config) -> tuple[Starlette, Server]:
    server = Server(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        try:
            yield
        finally:
            server.shutdown()

    routes = [
        Route("/", server.page), Route("/regulator", server.page), Route("/explorer", server.page),
        Route("/api/config", server.config_json), Route("/api/words", server.words),
        Route("/api/scenarios/{name:path}", server.form), Route("/api/run", server.start, methods=["POST"]),
        Route("/api/control", server.control, methods=["POST"]), Route("/api/stream", server.stream),
        Route("/api/act", server.act, methods=["POST"]), Route("/api/runs", server.runs),
        Route("/api/runs/{name}", server.run), Route("/runs/{name}/report.html", server.report),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan), server
