"""Alert channels with their real message formats, limits and signatures: 企业微信 group robot, 钉钉 custom
robot (加签), 飞书 custom bot (签名校验), a generic JSON webhook, and SMTP (SSL or STARTTLS) with a text and
an HTML part. `render_parts` turns merged blocks into the channel's payloads, split under its limit (done
once, when a message is composed, so a retry sends the same bytes); `send_part` signs and delivers one part
and raises `ChannelError` unless the channel accepted it.

Formats and limits, as documented by each platform:
- 企业微信 群机器人配置说明 (https://developer.work.weixin.qq.com/document/path/91770, also
  https://work.weixin.qq.com/api/doc/90000/90136/91770): POST JSON `{"msgtype": "markdown", "markdown":
  {"content": ...}}` (content ≤ 4096 bytes UTF-8; longer is refused with errcode 40058 "markdown.content
  exceed max length 4096") or `{"msgtype": "text", "text": {"content": ...}}` (≤ 2048 bytes); the reply is
  `{"errcode": 0, "errmsg": "ok"}`; 20 messages per minute per robot.
- 钉钉 自定义机器人接入 / 安全设置 (https://open.dingtalk.com/document/orgapp/custom-robot-access,
  https://open.dingtalk.com/document/robots/customize-robot-security-settings): POST JSON
  `{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}` or `{"msgtype": "text", "text":
  {"content": ...}}`; with 加签 the URL gets `&timestamp=<ms>&sign=<urlencode(base64(HmacSHA256(key=secret,
  msg=f"{timestamp}\\n{secret}")))>`; reply `{"errcode": 0, "errmsg": "ok"}`; 20 messages per minute. The
  documentation gives no byte limit for markdown; we split at 20000 bytes, the batch size TrendRadar
  (sansan0/TrendRadar, DINGTALK_BATCH_SIZE) uses against the real service.
- 飞书 自定义机器人使用指南 (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): POST JSON
  `{"msg_type": "text", "content": {"text": ...}}` or `{"msg_type": "post", "content": {"post": {"zh_cn":
  {"title": ..., "content": [[{"tag": "text", "text": ...}, {"tag": "a", "text": ..., "href": ...}]]}}}}`;
  with 签名校验 the body carries `timestamp` (seconds, within one hour of the server's clock) and `sign` =
  base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b"")); the request body may not exceed 20 KB;
  reply `{"code": 0, "msg": "success"}` (older deployments: `StatusCode: 0`); 100 per minute, 5 per second.
- Generic webhook: one JSON POST per message with `Idempotency-Key`, `X-Yuqing-Alert-Id` and, when a
  secret is set, `X-Yuqing-Signature: sha256=<hex HMAC-SHA256(secret, body)>`; any 2xx is acceptance.
- SMTP: implicit TLS (`security: ssl`, port 465) or STARTTLS (587), certificates verified (optionally
  against `ca_file`); multipart/alternative text + HTML (plus attachments a part names: the 日报 .docx); `Message-ID` derived from the message key.

Robots are not idempotent: a message key (编号) is printed in every part so a person can tell a repeat, and
sent as `Idempotency-Key` where the receiver can use it (webhook) and in `Message-ID` (mail).

Private and loopback addresses are refused unless `delivery.allow_private_networks` lists them; the address
checked is the one connected to (the name is resolved once and the connection pinned to that address, TLS
still verifying the name), so a DNS answer cannot switch to an internal address in between.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import quote_plus, urlsplit

from analysis.opinion.alerts import (
    Block,
    Split,
    block_markdown,
    block_post,
    block_text,
    email_html,
    email_text,
    footer,
    json_size,
    md_text,
    plain,
    shrink,
    split_blocks,
    utf8_len,
)
from config.alerts import DingTalkChannel, FeishuChannel, SmtpChannel, WebhookChannel, WeComChannel
from crawler.urls import is_private_address, parse_networks

logger = logging.getLogger(__name__)

WECOM_MARKDOWN_BYTES = 4096
WECOM_TEXT_BYTES = 2048
DINGTALK_BYTES = 20000
FEISHU_BODY_BYTES = 20 * 1024
FEISHU_SIGN_RESERVE = 160  # "timestamp" and "sign" fields added when sending
RESPONSE_MAX_BYTES = 65536
USER_AGENT = "ShenjiYuqingSentinel-alerts/0.1"

AnyChannel = SmtpChannel | WeComChannel | DingTalkChannel | FeishuChannel | WebhookChannel


class ChannelError(RuntimeError):
    """The channel did not accept a part; the message (Chinese) says why."""


# ------------------------------------------------------------------------------------------ render
def _content(subject: str, blocks: Sequence[Block], foot: str, markdown: bool) -> str:
    if markdown:
        head = f"**{md_text(subject)}**"
        return "\n\n".join(
            [head, *(block_markdown(b) for b in blocks), f'<font color="comment">{foot}</font>']
        )
    return "\n\n".join([plain(subject), *(block_text(b) for b in blocks), foot])


def _dingtalk_content(subject: str, blocks: Sequence[Block], foot: str, markdown: bool) -> str:
    if markdown:
        return "\n\n".join(
            [f"#### {md_text(subject)}", *(block_markdown(b) for b in blocks), f"###### {foot}"]
        )
    return "\n\n".join([plain(subject), *(block_text(b) for b in blocks), foot])


def _feishu_body(channel: FeishuChannel, subject: str, blocks: Sequence[Block], foot: str) -> dict[str, Any]:
    if channel.msgtype == "text":
        return {"msg_type": "text", "content": {"text": _content(subject, blocks, foot, markdown=False)}}
    paras: list[list[dict[str, str]]] = []
    for b in blocks:
        paras += block_post(b)
        paras.append([{"tag": "text", "text": " "}])
    paras.append([{"tag": "text", "text": foot}])
    return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": plain(subject), "content": paras}}}}


def render_parts(channel: AnyChannel, subject: str, blocks: Sequence[Block], key: str,
                 items: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:  # fmt: skip
    """The channel's payloads (unsigned) for a message, split under the channel's limit; each part carries the
    message key and its number."""
    if isinstance(channel, SmtpChannel):
        foot = footer(key, 1, 1)
        return [
            {
                "subject": subject,
                "text": email_text(subject, blocks, foot),
                "html": email_html(subject, blocks, foot),
            }
        ]
    if isinstance(channel, WebhookChannel):
        foot = footer(key, 1, 1)
        return [{
            "id": key, "part": 1, "parts": 1, "subject": subject,
            "text": "\n\n".join([plain(subject), *(block_text(b) for b in blocks), foot]),
            "urgent": any(b.urgent for b in blocks),
            "items": [{"key": it.get("item_key"), "trigger": it.get("trigger"), "title": plain(it.get("title"), 200),
                       "event_id": it.get("event_id")} for it in items],
        }]  # fmt: skip
    if isinstance(channel, WeComChannel):
        markdown = channel.msgtype == "markdown"
        limit = WECOM_MARKDOWN_BYTES if markdown else WECOM_TEXT_BYTES
        split = Split(limit, lambda bs, f: utf8_len(_content(subject, bs, f, markdown)), shrink)
        groups = split_blocks(blocks, split)
        out = []
        for i, bs in enumerate(groups, 1):
            text = _content(subject, bs, footer(key, i, len(groups)), markdown)
            out.append({"msgtype": channel.msgtype, channel.msgtype: {"content": text}})
        return out
    if isinstance(channel, DingTalkChannel):
        markdown = channel.msgtype == "markdown"
        split = Split(
            DINGTALK_BYTES, lambda bs, f: utf8_len(_dingtalk_content(subject, bs, f, markdown)), shrink
        )
        groups = split_blocks(blocks, split)
        out = []
        for i, bs in enumerate(groups, 1):
            text = _dingtalk_content(subject, bs, footer(key, i, len(groups)), markdown)
            if markdown:
                out.append({"msgtype": "markdown", "markdown": {"title": plain(subject, 60), "text": text}})
            else:
                out.append({"msgtype": "text", "text": {"content": text}})
        return out
    if isinstance(channel, FeishuChannel):
        limit = FEISHU_BODY_BYTES - FEISHU_SIGN_RESERVE
        split = Split(limit, lambda bs, f: json_size(_feishu_body(channel, subject, bs, f)), shrink)
        groups = split_blocks(blocks, split)
        return [
            _feishu_body(channel, subject, bs, footer(key, i, len(groups))) for i, bs in enumerate(groups, 1)
        ]
    raise ChannelError(f"未知渠道类型：{getattr(channel, 'type', channel)!r}")


REPEAT_NOTE = "（补发：上次发送时进程中断，如已收到请忽略）"


def flag_possible_repeat(part: dict[str, Any]) -> dict[str, Any]:
    """The same part marked as a possible repeat: sent again after the process sending it died before it could
    record the channel's answer (it may have arrived). The message key stays the same."""
    p = json.loads(json.dumps(part, ensure_ascii=False))
    if "msgtype" in p:  # 企业微信 / 钉钉
        body = p[p["msgtype"]]
        field = "content" if "content" in body else "text"
        body[field] = f"{REPEAT_NOTE}\n{body[field]}"
    elif p.get("msg_type") == "text":
        p["content"]["text"] = f"{REPEAT_NOTE}\n{p['content']['text']}"
    elif p.get("msg_type") == "post":
        zh = p["content"]["post"]["zh_cn"]
        zh["content"] = [[{"tag": "text", "text": REPEAT_NOTE}], *zh["content"]]
    elif "html" in p:  # mail
        p["subject"] = f"［补发］{p['subject']}"
        p["text"] = f"{REPEAT_NOTE}\n\n{p['text']}"
        p["html"] = p["html"].replace("<body>", f"<body><p>{REPEAT_NOTE}</p>", 1)
    else:  # generic webhook
        p["possible_duplicate"] = True
        p["text"] = f"{REPEAT_NOTE}\n{p.get('text', '')}"
    return p


# ------------------------------------------------------------------------------------ signatures
def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """钉钉 加签: urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """飞书 签名校验: base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------------------------- transport
def _env(env: Mapping[str, str], name: str | None, what: str) -> str:
    value = (env.get(name) or "").strip() if name else ""
    if not value:
        raise ChannelError(f"环境变量 {name} 未设置（{what}）")
    return value


def resolve_checked(host: str, port: int, allowed: Sequence[str]) -> str:
    """The address to connect to for `host`; ChannelError when it (or any address it resolves to) is private
    or loopback and not in the allowed networks."""
    nets = parse_networks(allowed)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ChannelError(f"无法解析主机 {host}：{exc}") from None
    chosen = None
    for *_, sockaddr in infos:
        ip = str(sockaddr[0]).split("%", 1)[0]
        if is_private_address(ip) and not any(ipaddress.ip_address(ip) in n for n in nets):
            raise ChannelError(
                f"拒绝连接内网或本机地址 {host}（{ip}）；如确需，请在 delivery.allow_private_networks 中列出其网段"
            )
        chosen = chosen or ip
    if chosen is None:
        raise ChannelError(f"无法解析主机 {host}")
    return chosen


def _pinned(ip: str, address, timeout=None, source_address=None, **kw):
    return socket.create_connection((ip, address[1]), timeout, source_address, **kw)


def post_json(url: str, body: bytes, headers: Mapping[str, str], *, timeout: float, allowed: Sequence[str],
              ca_file: str | None = None) -> tuple[int, bytes]:  # fmt: skip
    """POST `body` to `url` (http or https; redirects not followed) on the checked, pinned address."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ChannelError("webhook 地址须以 http:// 或 https:// 开头")
    port = parts.port or (443 if scheme == "https" else 80)
    ip = resolve_checked(parts.hostname, port, allowed)
    if scheme == "https":
        ctx = ssl.create_default_context(cafile=ca_file)
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ctx
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    conn._create_connection = functools.partial(_pinned, ip)  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                        "User-Agent": USER_AGENT, **headers})  # fmt: skip
        resp = conn.getresponse()
        return resp.status, resp.read(RESPONSE_MAX_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise ChannelError(f"连接 {parts.hostname} 失败：{exc.__class__.__name__}: {exc}") from None
    finally:
        conn.close()


def _json_reply(status: int, data: bytes, who: str) -> dict[str, Any]:
    if not 200 <= status < 300:
        raise ChannelError(f"{who}返回 HTTP {status}：{plain(data[:300].decode('utf-8', 'replace'))}")
    try:
        reply = json.loads(data.decode("utf-8") or "{}")
    except ValueError:
        raise ChannelError(f"{who}返回的不是 JSON：{plain(data[:200].decode('utf-8', 'replace'))}") from None
    return reply if isinstance(reply, dict) else {}


class _PinnedSMTP(smtplib.SMTP):
    def __init__(self, ip: str, **kw: Any):
        self._pinned_ip = ip
        super().__init__(**kw)

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(self._pinned_ip, port, timeout)


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, ip: str, **kw: Any):
        self._pinned_ip = ip
        super().__init__(**kw)

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(self._pinned_ip, port, timeout)


def send_mail(channel: SmtpChannel, to: str, part: dict[str, Any], key: str, *, env: Mapping[str, str],
              timeout: float, allowed: Sequence[str]) -> None:  # fmt: skip
    """One multipart text + HTML mail over SSL, STARTTLS or (local test servers only) plain SMTP."""
    msg = EmailMessage()
    msg["Subject"] = part["subject"]
    msg["From"] = channel.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{key}.{hashlib.sha1(to.encode()).hexdigest()[:8]}@yuqing-sentinel>"
    msg["X-Yuqing-Alert-Id"] = key
    msg.set_content(part["text"])
    msg.add_alternative(part["html"], subtype="html")
    for att in part.get("attachments") or ():  # the 日报 .docx: {"filename", "content_type", "data" (base64)}
        maintype, _, subtype = att["content_type"].partition("/")
        msg.add_attachment(base64.b64decode(att["data"]), maintype=maintype, subtype=subtype,
                           filename=att["filename"])  # fmt: skip
    password = _env(env, channel.password_env, "SMTP 密码") if channel.password_env else None
    ip = resolve_checked(channel.host, channel.port, allowed)
    ctx = ssl.create_default_context(cafile=channel.ca_file)
    try:
        # the constructors connect (to the pinned address) and keep the host name for TLS verification
        if channel.security == "ssl":
            smtp: smtplib.SMTP = _PinnedSMTPSSL(
                ip, host=channel.host, port=channel.port, timeout=timeout, context=ctx
            )
        else:
            smtp = _PinnedSMTP(ip, host=channel.host, port=channel.port, timeout=timeout)
        try:
            if channel.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=ctx)
                smtp.ehlo()
            if channel.username:
                smtp.login(channel.username, password or "")
            refused = smtp.send_message(msg)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise ChannelError(
            f"邮件发送失败（{channel.host}:{channel.port}）：{exc.__class__.__name__}: {exc}"
        ) from None
    if refused:
        raise ChannelError(f"邮件服务器拒收：{refused}")


def send_part(channel: AnyChannel, part: dict[str, Any], *, key: str, index: int, address: str | None = None,
              env: Mapping[str, str], timeout: float, allowed: Sequence[str]) -> None:  # fmt: skip
    """Sign and deliver one part; returns when the channel accepted it, raises ChannelError otherwise."""
    if isinstance(channel, SmtpChannel):
        if not address:
            raise ChannelError("邮件渠道缺少收件地址")
        send_mail(channel, address, part, key, env=env, timeout=timeout, allowed=allowed)
        return
    url = _env(env, channel.url_env, "webhook 地址")
    headers: dict[str, str] = {}
    body_obj = dict(part)
    if isinstance(channel, DingTalkChannel):
        if channel.secret_env:
            secret = _env(env, channel.secret_env, "钉钉加签密钥")
            ts = str(int(time.time() * 1000))
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
    elif isinstance(channel, FeishuChannel):
        if channel.secret_env:
            secret = _env(env, channel.secret_env, "飞书签名密钥")
            ts = str(int(time.time()))
            body_obj = {"timestamp": ts, "sign": feishu_sign(secret, ts), **body_obj}
    body = json.dumps(body_obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if isinstance(channel, WebhookChannel):
        headers["Idempotency-Key"] = f"{key}-{index}"
        headers["X-Yuqing-Alert-Id"] = key
        if channel.secret_env:
            headers["X-Yuqing-Signature"] = webhook_signature(
                _env(env, channel.secret_env, "webhook 签名密钥"), body
            )
    status, data = post_json(url, body, headers, timeout=timeout, allowed=allowed)
    if isinstance(channel, WebhookChannel):
        if not 200 <= status < 300:
            raise ChannelError(f"webhook 返回 HTTP {status}：{plain(data[:300].decode('utf-8', 'replace'))}")
        return
    if isinstance(channel, FeishuChannel):
        reply = _json_reply(status, data, "飞书")
        code = reply.get("code", reply.get("StatusCode"))
        if code != 0:
            raise ChannelError(
                f"飞书返回 code={code} {plain(reply.get('msg') or reply.get('StatusMessage'), 200)}"
            )
        return
    who = "企业微信" if isinstance(channel, WeComChannel) else "钉钉"
    reply = _json_reply(status, data, who)
    if reply.get("errcode") != 0:
        raise ChannelError(f"{who}返回 errcode={reply.get('errcode')} {plain(reply.get('errmsg'), 200)}")
