"""Local alert catchers on 127.0.0.1 for the demo, the tests and the benchmark: an SMTP server (aiosmtpd) and
an HTTP receiver that behaves like the real robots — it checks each one's payload format, size limit and
signature the way the platform documents them (see jobs.alert_channels) and answers with the platform's own
success or error reply. Every accepted message is kept in memory and, when an outbox folder is given,
written there (one .eml per mail, one .json per webhook post).

Paths on the HTTP receiver: /wecom/NAME?key=KEY, /dingtalk/NAME?access_token=TOKEN (+ timestamp & sign when
signed), /feishu/NAME, /webhook/NAME. Secrets and keys per NAME are registered with `expect(...)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

KEY_RE = re.compile(r"编号 ([0-9a-f]{16})(?:（第 (\d+)/(\d+) 条）)?")
WECOM_LIMITS = {"markdown": 4096, "text": 2048}
DINGTALK_LIMIT = 20000
FEISHU_BODY_LIMIT = 20 * 1024
SIGN_WINDOW_S = 3600


def message_key_of(text: str) -> tuple[str | None, int, int]:
    """(message key, part, parts) printed in a message's footer."""
    m = KEY_RE.search(text or "")
    if not m:
        return None, 1, 1
    return m.group(1), int(m.group(2) or 1), int(m.group(3) or 1)


@dataclass
class Received:
    channel: str  # smtp / wecom / dingtalk / feishu / webhook
    name: str  # robot name (path) or mail recipient
    key: str | None
    part: int
    parts: int
    text: str
    body: Any
    at: float
    headers: dict[str, str] = field(default_factory=dict)


class _Store:
    def __init__(self, out_dir: Path | None):
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.rejected: list[tuple[str, str, str]] = []  # (channel, name, reason)
        self.out_dir = out_dir
        self.listeners: list[Any] = []
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)

    def add(self, rec: Received, raw: bytes, suffix: str) -> None:
        with self.lock:
            self.received.append(rec)
            n = len(self.received)
        if self.out_dir is not None:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(rec.at))
            safe = re.sub(r"[^0-9A-Za-z_.-]", "_", rec.name)[:40]
            name = f"{stamp}-{rec.channel}-{safe}-{rec.key or n}-{rec.part}{suffix}"
            (self.out_dir / name).write_bytes(raw)
        for fn in list(self.listeners):
            fn(rec)

    def reject(self, channel: str, name: str, reason: str) -> None:
        with self.lock:
            self.rejected.append((channel, name, reason))


# --------------------------------------------------------------------------------------------- SMTP
class _MailHandler:
    def __init__(self, store: _Store):
        self.store = store
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Try again later"
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        text_part = msg.get_body(preferencelist=("plain",))
        html_part = msg.get_body(preferencelist=("html",))
        if text_part is None or html_part is None:
            self.store.reject("smtp", ",".join(envelope.rcpt_tos), "not multipart text + html")
            return "554 5.6.0 multipart/alternative with text and html expected"
        text = text_part.get_content()
        key, part, parts = message_key_of(text)
        body = {"subject": str(msg["Subject"]), "from": str(msg["From"]), "to": list(envelope.rcpt_tos),
                "message_id": str(msg["Message-ID"]), "text": text, "html": html_part.get_content()}  # fmt: skip
        for rcpt in envelope.rcpt_tos:
            self.store.add(Received("smtp", rcpt, key, part, parts, text, body, time.time()), raw, ".eml")
        return "250 2.0.0 Message accepted for delivery"


class _PortController(Controller):
    """aiosmtpd's Controller on a port chosen by the OS (port 0)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailCatcher:
    """SMTP on 127.0.0.1. `tls`: None (plain), "starttls" or "ssl" with the given server context; with
    `login` set, AUTH is required (over TLS) and must match."""

    def __init__(self, out_dir: Path | None = None, *, tls: str | None = None,
                 ssl_context: ssl.SSLContext | None = None, login: tuple[str, str] | None = None):  # fmt: skip
        self.store = _Store(out_dir)
        self.handler = _MailHandler(self.store)
        kw: dict[str, Any] = {}
        if tls == "starttls":
            kw.update(tls_context=ssl_context, require_starttls=True)
        elif tls == "ssl":
            kw.update(ssl_context=ssl_context)
        if login is not None:
            kw.update(authenticator=self._auth, auth_required=True, auth_require_tls=tls is not None)
        self.login = login
        self.controller = _PortController(self.handler, hostname="127.0.0.1", port=0, **kw)

    def _auth(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.login is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def received(self) -> list[Received]:
        return self.store.received

    def __enter__(self) -> MailCatcher:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


# --------------------------------------------------------------------------------------------- HTTP
@dataclass
class RobotSpec:
    channel: str
    secret: str | None = None  # signing secret (dingtalk / feishu / webhook HMAC)
    token: str | None = None  # wecom key / dingtalk access_token expected in the URL
    fail_next: int = 0
    fail_status: int = 500


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    catcher: WebhookCatcher


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, obj: dict[str, Any]) -> None:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server hook name
        c = self.server.catcher
        parts = urlsplit(self.path)
        segs = [s for s in parts.path.split("/") if s]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(segs) != 2 or segs[0] not in ("wecom", "dingtalk", "feishu", "webhook"):
            self._reply(404, {"error": "unknown path"})
            return
        channel, name = segs
        spec = c.robots.get(name)
        if spec is None or spec.channel != channel:
            self._reply(404, {"error": f"no robot {name}"})
            return
        if c.delay:
            time.sleep(c.delay)
        if spec.fail_next > 0:
            spec.fail_next -= 1
            self._reply(spec.fail_status, {"errcode": -1, "errmsg": "system busy", "code": -1, "msg": "busy"})
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            c.store.reject(channel, name, "body is not JSON")
            self._reply(400, {"errcode": 40001, "errmsg": "invalid json", "code": 9499, "msg": "Bad Request"})
            return
        check = getattr(self, f"_check_{channel}")
        error, text = check(spec, query, body, raw)
        if error is not None:
            status, reply, reason = error
            c.store.reject(channel, name, reason)
            self._reply(status, reply)
            return
        key, part, total = message_key_of(text)
        if channel == "webhook":
            key, part, total = body.get("id") or key, int(body.get("part") or 1), int(body.get("parts") or 1)
        rec = Received(channel, name, key, part, total, text, body, time.time(),
                       {k: v for k, v in self.headers.items()})  # fmt: skip
        c.store.add(rec, json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"), ".json")
        ok = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
              "feishu": {"code": 0, "msg": "success", "data": {}}, "webhook": {"ok": True}}[channel]  # fmt: skip
        self._reply(200, ok)

    # Each check returns (error or None, the message text). Errors: (HTTP status, reply, reason).
    def _check_wecom(self, spec: RobotSpec, query, body, raw):
        if spec.token is not None and query.get("key") != spec.token:
            return (200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "wrong key"), ""
        msgtype = body.get("msgtype")
        if msgtype not in WECOM_LIMITS or not isinstance(body.get(msgtype), dict):
            return (200, {"errcode": 40008, "errmsg": "invalid message type"}, f"msgtype {msgtype!r}"), ""
        content = body[msgtype].get("content")
        if not isinstance(content, str) or not content:
            return (200, {"errcode": 44004, "errmsg": "empty content"}, "empty content"), ""
        if len(content.encode("utf-8")) > WECOM_LIMITS[msgtype]:
            return (200, {"errcode": 40058, "errmsg": f"{msgtype}.content exceed max length {WECOM_LIMITS[msgtype]}"},
                    f"{msgtype} content too long"), ""  # fmt: skip
        return None, content

    def _check_dingtalk(self, spec: RobotSpec, query, body, raw):
        if spec.token is not None and query.get("access_token") != spec.token:
            return (200, {"errcode": 300001, "errmsg": "token is not exist"}, "wrong access_token"), ""
        if spec.secret is not None:
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > SIGN_WINDOW_S * 1000:
                return (200, {"errcode": 310000, "errmsg": "invalid timestamp"}, "timestamp"), ""
            want = base64.b64encode(
                hmac.new(spec.secret.encode(), f"{ts}\n{spec.secret}".encode(), hashlib.sha256).digest()
            ).decode()
            if not hmac.compare_digest(want, sign):
                return (200, {"errcode": 310000, "errmsg": "sign not match"}, "bad signature"), ""
        msgtype = body.get("msgtype")
        if msgtype == "markdown":
            md = body.get("markdown") or {}
            if not md.get("title") or not md.get("text"):
                return (
                    200,
                    {"errcode": 40035, "errmsg": "缺少参数 title/text"},
                    "markdown without title/text",
                ), ""
            text = md["text"]
        elif msgtype == "text":
            text = (body.get("text") or {}).get("content") or ""
            if not text:
                return (200, {"errcode": 40035, "errmsg": "缺少参数 content"}, "text without content"), ""
        else:
            return (200, {"errcode": 40035, "errmsg": "不支持的消息类型"}, f"msgtype {msgtype!r}"), ""
        if len(text.encode("utf-8")) > DINGTALK_LIMIT:
            return (200, {"errcode": 460101, "errmsg": "message too long"}, "too long"), ""
        return None, text

    def _check_feishu(self, spec: RobotSpec, query, body, raw):
        if len(raw) > FEISHU_BODY_LIMIT:
            return (400, {"code": 9499, "msg": "Bad Request"}, "body over 20 KB"), ""
        if spec.secret is not None:
            ts, sign = str(body.get("timestamp") or ""), str(body.get("sign") or "")
            key = f"{ts}\n{spec.secret}".encode()
            want = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= SIGN_WINDOW_S
            if not fresh or not hmac.compare_digest(want, sign):
                return (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from "
                              "current time"}, "bad signature"), ""  # fmt: skip
        mt = body.get("msg_type")
        content = body.get("content") or {}
        if mt == "text" and isinstance(content.get("text"), str) and content["text"]:
            return None, content["text"]
        if mt == "post":
            zh = ((content.get("post") or {}).get("zh_cn")) or {}
            paras = zh.get("content")
            if isinstance(paras, list) and all(isinstance(p, list) for p in paras):
                texts = []
                for p in paras:
                    for el in p:
                        if el.get("tag") not in ("text", "a", "at", "img"):
                            return (
                                200,
                                {"code": 9499, "msg": "Bad Request"},
                                f"post tag {el.get('tag')!r}",
                            ), ""
                        texts.append(el.get("text") or "")
                return None, str(zh.get("title") or "") + "\n" + "\n".join(texts)
        return (200, {"code": 9499, "msg": "Bad Request"}, f"msg_type {mt!r}"), ""

    def _check_webhook(self, spec: RobotSpec, query, body, raw):
        if spec.secret is not None:
            want = "sha256=" + hmac.new(spec.secret.encode(), raw, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, self.headers.get("X-Yuqing-Signature", "")):
                return (401, {"error": "bad signature"}, "bad signature"), ""
        if not self.headers.get("Idempotency-Key"):
            return (400, {"error": "Idempotency-Key missing"}, "no idempotency key"), ""
        return None, str(body.get("text") or "")


class WebhookCatcher:
    """The HTTP receiver for the four robot kinds on 127.0.0.1 (port chosen by the OS unless given)."""

    def __init__(self, out_dir: Path | None = None, *, port: int = 0, delay: float = 0.0):
        self.store = _Store(out_dir)
        self.robots: dict[str, RobotSpec] = {}
        self.delay = delay
        self.server = _Server(("127.0.0.1", port), _Handler)
        self.server.catcher = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="webhook-catcher")

    def expect(self, name: str, channel: str, *, secret: str | None = None, token: str | None = None) -> str:
        """Register a robot; returns its URL (without signature parameters)."""
        self.robots[name] = RobotSpec(channel, secret=secret, token=token)
        url = f"{self.base}/{channel}/{name}"
        if channel == "wecom" and token:
            url += f"?key={token}"
        elif channel == "dingtalk" and token:
            url += f"?access_token={token}"
        return url

    def fail_next(self, name: str, n: int = 1, status: int = 500) -> None:
        self.robots[name].fail_next = n
        self.robots[name].fail_status = status

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def received(self) -> list[Received]:
        return self.store.received

    @property
    def rejected(self) -> list[tuple[str, str, str]]:
        return self.store.rejected

    def __enter__(self) -> WebhookCatcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
