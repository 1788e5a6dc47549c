"""One local web server for every test that needs HTTP: a ThreadingHTTPServer on 127.0.0.1 and a free port,
serving a directory and/or registered routes (status, headers, redirects, gzip, slow responses, per-host
routes for requests sent through it as an HTTP proxy), in the way Scrapy's own tests/mockserver.py does.

    with MockServer(FIXTURES / "site") as server:          # or the `mockserver` fixture in conftest.py
        server.route("/feed.xml", body=xml, content_type="application/rss+xml")
        server.redirect("/old", "/new", status=301)
        server.route("/", handler, host="*.fake-audit.cn")  # handler(request) -> Response | None
        server.delay("/a", 0.15)                            # paths starting with /a answer after 0.15 s
        get(server.url("/news/index.html"))

Routes are looked up by (host, path), then by path alone; `path="*"` matches any path. A route without a
match falls through to the directory, then to a 404. Every request is recorded in `server.requests`.
"""

from __future__ import annotations

import functools
import gzip as gzip_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

__all__ = ["MockRequest", "MockServer", "Response"]


@dataclass(frozen=True)
class MockRequest:
    """What the server saw: host name (from the proxy-style request line or the Host header), path, query."""

    method: str
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def header(self, name: str, default: str = "") -> str:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return default


@dataclass
class Response:
    """A canned answer; `body` as text is sent as UTF-8."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds to wait before answering
    gzip: bool = False  # send the body gzip-encoded (Content-Encoding: gzip)


Handler = Callable[[MockRequest], "Response | None"]


class _RequestHandler(SimpleHTTPRequestHandler):
    server: _Server  # type: ignore[assignment]

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._dispatch(head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server API
        self._dispatch(head=True)

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._dispatch(head=False)

    def _dispatch(self, head: bool) -> None:
        mock = self.server.mock
        parts = urlsplit(self.path)
        host = (parts.hostname or self.headers.get("Host", "")).split(":")[0].lower()
        request = MockRequest(
            method=self.command, host=host, path=parts.path or "/", query=parse_qs(parts.query),
            headers=dict(self.headers.items()),
        )  # fmt: skip
        mock.requests.append(request)
        wait = mock.delay_for(request.path)
        response = mock.respond(request)
        if response is not None:
            if response.delay or wait:
                time.sleep(response.delay or wait)
            self._send(response, head)
            return
        if wait:
            time.sleep(wait)
        if mock.root is None:
            self._send(Response(404, b"not found"), head)
            return
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")  # proxy-style request lines
        if head:
            super().do_HEAD()
        else:
            super().do_GET()

    def _send(self, response: Response, head: bool) -> None:
        body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
        if response.gzip:
            body = gzip_module.compress(body)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        if response.gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        for k, v in response.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    mock: MockServer


class MockServer:
    """A local site for one test (or one module): start it with `with`, or use the `mockserver` fixture."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else None
        self.requests: list[MockRequest] = []
        self._routes: dict[tuple[str | None, str], Handler] = {}
        self._delays: list[tuple[str, float]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------------------------------- lifecycle
    def start(self) -> MockServer:
        handler = functools.partial(_RequestHandler, directory=str(self.root or "."))
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.mock = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -------------------------------------------------------------------------------------- addresses
    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return self._server.server_address[1]

    @property
    def address(self) -> str:
        """'127.0.0.1:<port>', the form host maps (MONITOR_HOST_MAP) and proxies take."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of `path` on this server; `url("")` is the bare origin."""
        return f"http://{self.address}{path}"

    # -------------------------------------------------------------------------------------- content
    def serve_directory(self, root: str | Path) -> MockServer:
        """Serve files from `root` for every path no route answers."""
        self.root = Path(root)
        if self._server is not None:
            self._server.RequestHandlerClass = functools.partial(_RequestHandler, directory=str(self.root))
        return self

    def route(self, path: str, handler: Handler | None = None, *, host: str | None = None,
              status: int = 200, body: bytes | str = b"", headers: dict[str, str] | None = None,
              content_type: str | None = "text/html; charset=utf-8", delay: float = 0.0,
              gzip: bool = False) -> MockServer:  # fmt: skip
        """Answer `path` (and, if given, only on `host`; "*.example.cn" matches subdomains) with `handler`,
        a function of the request returning a Response (None: fall through), or with a fixed Response."""
        if handler is None:
            fixed = Response(status, body, dict(headers or {}), content_type, delay, gzip)
            handler = lambda _request: fixed  # noqa: E731
        self._routes[(host.lower() if host else None, path)] = handler
        return self

    def redirect(self, path: str, location: str, *, status: int = 302, host: str | None = None) -> MockServer:
        return self.route(path, host=host, status=status, headers={"Location": location})

    def delay(self, prefix: str, seconds: float) -> MockServer:
        """Answer every path that starts with `prefix` (files too) after `seconds`."""
        self._delays.append((prefix, seconds))
        return self

    # -------------------------------------------------------------------------------------- dispatch
    def delay_for(self, path: str) -> float:
        return max((s for p, s in self._delays if path.startswith(p)), default=0.0)

    def _host_keys(self, host: str) -> list[str | None]:
        parts = host.split(".")
        return [host, *("*." + ".".join(parts[i:]) for i in range(1, len(parts))), None]

    def respond(self, request: MockRequest) -> Response | None:
        for host in self._host_keys(request.host):
            for path in (request.path, "*"):
                handler = self._routes.get((host, path))
                if handler is not None:
                    response = handler(request)
                    if response is not None:
                        return response
        return None
