"""The channels (jobs.alert_channels) against real local servers: an HTTP receiver that checks each robot's
payload format, size limit and signature the way 企业微信 / 钉钉 / 飞书 document them, and an aiosmtpd SMTP
server in plain, STARTTLS (with login) and implicit-TLS modes. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import ssl
from urllib.parse import unquote_plus

import pytest

from analysis.opinion.alerts import build_blocks, subject, utf8_len
from config.alerts import AlertsConfig
from jobs.alert_channels import (
    FEISHU_BODY_BYTES,
    WECOM_MARKDOWN_BYTES,
    ChannelError,
    dingtalk_sign,
    feishu_sign,
    render_parts,
    send_part,
)
from yuqing.demo.catchers import MailCatcher, WebhookCatcher

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
LOCAL = ["127.0.0.0/8"]
EVIL = "坍塌事故[点我](javascript:alert(1)) <font color=red>**红**</font> <script>x</script>"


def channel(**kw):
    data = {"channels": {"c": kw}, "recipients": [{"name": "r", "role": "x", "channels": [
        {"channel": "c", "to": "wang@example.cn"} if kw["type"] == "smtp" else "c"]}]}  # fmt: skip
    return AlertsConfig.model_validate(data).channels["c"]


def blocks(n: int = 1, title: str = EVIL):
    items = [{"trigger": "office_criticism", "group": f"doc:{i}", "key": f"k{i}", "title": f"{title}{i}",
              "rule": "批评审计机关", "doc_url": f"https://news.example.cn/{i}.html", "source": "微博", "doc_count": 1}
             for i in range(n)]  # fmt: skip
    return build_blocks(items, NOW, "Asia/Shanghai", "http://127.0.0.1:8501")


def deliver(ch, parts, env, key="0123456789abcdef", address=None, allowed=LOCAL):
    for i, p in enumerate(parts, 1):
        send_part(ch, p, key=key, index=i, address=address, env=env, timeout=5, allowed=allowed)


@pytest.fixture
def hooks():
    with WebhookCatcher() as c:
        yield c


# ----------------------------------------------------------------------------------------- signatures
def test_signatures_follow_the_documented_formulas():
    secret, ts = "SEC0123456789", "1700000000000"
    want = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert unquote_plus(dingtalk_sign(secret, ts)) == want.decode() and "+" not in dingtalk_sign(secret, ts)
    key = f"1700000000\n{secret}".encode()
    assert (
        feishu_sign(secret, "1700000000")
        == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )


# ------------------------------------------------------------------------------------------- robots
@pytest.mark.parametrize("msgtype", ["markdown", "text"])
def test_wecom_payload_accepted_and_crawled_text_inert(hooks, msgtype):
    env = {"U": hooks.expect("wc", "wecom", token="key1")}
    ch = channel(type="wecom", url_env="U", msgtype=msgtype)
    bs = blocks()
    parts = render_parts(ch, subject(bs), bs, "0123456789abcdef")
    deliver(ch, parts, env)
    (got,) = hooks.received
    assert not hooks.rejected and got.body["msgtype"] == msgtype and got.key == "0123456789abcdef"
    content = got.body[msgtype]["content"]
    if msgtype == "markdown":  # no crawled link, tag or emphasis survives; ours do
        assert "](javascript" not in content and "<script" not in content and "<font color=red" not in content
        assert "**红**" not in content and "[原文](https://news.example.cn/0.html)" in content
    else:  # plain text is shown as it is
        assert "https://news.example.cn/0.html" in content


def test_wecom_long_message_splits_under_4096_bytes(hooks):
    env = {"U": hooks.expect("wc", "wecom", token="key1")}
    ch = channel(type="wecom", url_env="U")
    bs = blocks(60, title="网友质疑审计局走过场" * 5)
    parts = render_parts(ch, subject(bs), bs, "0123456789abcdef")
    assert len(parts) >= 3
    assert all(utf8_len(p["markdown"]["content"]) <= WECOM_MARKDOWN_BYTES for p in parts)
    deliver(ch, parts, env)
    assert not hooks.rejected and [r.part for r in hooks.received] == list(range(1, len(parts) + 1))
    assert {r.parts for r in hooks.received} == {len(parts)}
    text = "".join(r.body["markdown"]["content"] for r in hooks.received)
    assert all(f"https://news.example.cn/{i}.html" in text for i in range(60))  # nothing lost in the split


def test_wecom_refuses_an_oversized_payload_and_the_error_says_why(hooks):
    env = {"U": hooks.expect("wc", "wecom", token="key1")}
    ch = channel(type="wecom", url_env="U")
    with pytest.raises(ChannelError, match="errcode=40058"):
        deliver(ch, [{"msgtype": "markdown", "markdown": {"content": "审" * 1400}}], env)
    env["U"] = hooks.base + "/wecom/wc?key=wrong"
    with pytest.raises(ChannelError, match="errcode=93000"):
        deliver(ch, [{"msgtype": "text", "text": {"content": "x"}}], env)


@pytest.mark.parametrize("msgtype", ["markdown", "text"])
def test_dingtalk_signed_message_accepted(hooks, msgtype):
    env = {"U": hooks.expect("dd", "dingtalk", token="tok", secret="SECabc"), "S": "SECabc"}
    ch = channel(type="dingtalk", url_env="U", secret_env="S", msgtype=msgtype)
    bs = blocks()
    deliver(ch, render_parts(ch, subject(bs), bs, "0123456789abcdef"), env)
    (got,) = hooks.received
    assert not hooks.rejected and got.body["msgtype"] == msgtype
    if msgtype == "markdown":
        assert got.body["markdown"]["title"].startswith("【舆情预警】") and "](javascript" not in got.text


def test_dingtalk_wrong_secret_is_refused_by_the_robot(hooks):
    env = {"U": hooks.expect("dd", "dingtalk", token="tok", secret="SECabc"), "S": "SECwrong"}
    ch = channel(type="dingtalk", url_env="U", secret_env="S")
    bs = blocks()
    with pytest.raises(ChannelError, match="errcode=310000"):
        deliver(ch, render_parts(ch, subject(bs), bs, "0123456789abcdef"), env)
    assert hooks.rejected == [("dingtalk", "dd", "bad signature")] and not hooks.received


@pytest.mark.parametrize("msgtype", ["post", "text"])
def test_feishu_signed_message_accepted(hooks, msgtype):
    env = {"U": hooks.expect("fs", "feishu", secret="fsec"), "S": "fsec"}
    ch = channel(type="feishu", url_env="U", secret_env="S", msgtype=msgtype)
    bs = blocks()
    deliver(ch, render_parts(ch, subject(bs), bs, "0123456789abcdef"), env)
    (got,) = hooks.received
    assert not hooks.rejected and got.body["msg_type"] == msgtype and got.key == "0123456789abcdef"
    if msgtype == "post":
        paras = got.body["content"]["post"]["zh_cn"]["content"]
        links = [el for p in paras for el in p if el["tag"] == "a"]
        assert {el["href"] for el in links} >= {"https://news.example.cn/0.html"}
        assert all(el["href"].startswith("http") for el in links)


def test_feishu_wrong_secret_and_oversized_body_are_refused(hooks):
    env = {"U": hooks.expect("fs", "feishu", secret="fsec"), "S": "nope"}
    ch = channel(type="feishu", url_env="U", secret_env="S")
    with pytest.raises(ChannelError, match="code=19021"):
        deliver(ch, [{"msg_type": "text", "content": {"text": "x"}}], env)
    env["S"] = "fsec"
    with pytest.raises(ChannelError, match="HTTP 400"):
        deliver(ch, [{"msg_type": "text", "content": {"text": "审" * 8000}}], env)


def test_feishu_long_message_splits_under_20_kb(hooks):
    env = {"U": hooks.expect("fs", "feishu", secret="fsec"), "S": "fsec"}
    ch = channel(type="feishu", url_env="U", secret_env="S")
    bs = blocks(150, title="网友质疑审计局走过场" * 5)
    parts = render_parts(ch, subject(bs), bs, "0123456789abcdef")
    assert len(parts) >= 2
    sizes = [len(json.dumps(p, ensure_ascii=False, separators=(",", ":")).encode()) for p in parts]
    assert max(sizes) <= FEISHU_BODY_BYTES - 100
    deliver(ch, parts, env)
    assert not hooks.rejected and len(hooks.received) == len(parts)


def test_webhook_carries_idempotency_key_and_signature(hooks):
    env = {"U": hooks.expect("hk", "webhook", secret="hsec"), "S": "hsec"}
    ch = channel(type="webhook", url_env="U", secret_env="S")
    bs = blocks()
    deliver(
        ch,
        render_parts(ch, subject(bs), bs, "0123456789abcdef", [{"item_key": "office_criticism:doc1"}]),
        env,
    )
    (got,) = hooks.received
    assert (
        got.headers["Idempotency-Key"] == "0123456789abcdef-1"
        and got.headers["X-Yuqing-Alert-Id"] == "0123456789abcdef"
    )
    assert got.body["items"] == [
        {"key": "office_criticism:doc1", "trigger": None, "title": "", "event_id": None}
    ]
    env["S"] = "other"
    with pytest.raises(ChannelError, match="HTTP 401"):
        deliver(ch, render_parts(ch, subject(bs), bs, "0123456789abcdef"), env)


# ------------------------------------------------------------------------------ private addresses
def test_private_and_loopback_addresses_are_refused_unless_allowed(hooks):
    env = {"U": hooks.expect("hk", "webhook")}
    ch = channel(type="webhook", url_env="U")
    bs = blocks()
    parts = render_parts(ch, subject(bs), bs, "0123456789abcdef")
    with pytest.raises(ChannelError, match="拒绝连接内网或本机地址"):
        deliver(ch, parts, env, allowed=[])
    env["U"] = env["U"].replace("127.0.0.1", "localhost")
    with pytest.raises(ChannelError, match="拒绝连接内网或本机地址"):
        deliver(ch, parts, env, allowed=["10.0.0.0/8"])
    assert not hooks.received
    deliver(ch, parts, env, allowed=LOCAL)
    assert len(hooks.received) == 1


def test_non_http_url_and_missing_variable(hooks):
    ch = channel(type="wecom", url_env="U")
    with pytest.raises(ChannelError, match="http:// 或 https://"):
        deliver(ch, [{"msgtype": "text", "text": {"content": "x"}}], {"U": "file:///etc/passwd"})
    with pytest.raises(ChannelError, match="环境变量 U 未设置"):
        deliver(ch, [{"msgtype": "text", "text": {"content": "x"}}], {})


# --------------------------------------------------------------------------------------------- SMTP
@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (cryptography), as server context and CA file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    d = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))  # fmt: skip
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    return ctx, str(d / "cert.pem")


def _mail_parts(ch):
    bs = blocks()
    return render_parts(ch, subject(bs), bs, "0123456789abcdef")


def test_smtp_plain_local_server_gets_multipart_text_and_escaped_html():
    with MailCatcher() as mail:
        ch = channel(
            type="smtp", host="127.0.0.1", port=mail.port, security="none", sender="yuqing@example.cn"
        )
        deliver(ch, _mail_parts(ch), {}, address="wang@example.cn")
    (got,) = mail.received
    assert got.name == "wang@example.cn" and got.key == "0123456789abcdef"
    assert (
        got.body["subject"].startswith("【舆情预警】批评审计机关")
        and "0123456789abcdef" in got.body["message_id"]
    )
    assert "<script>" not in got.body["html"] and "&lt;script&gt;" in got.body["html"]
    assert (
        'href="https://news.example.cn/0.html"' in got.body["html"]
        and 'href="javascript' not in got.body["html"]
    )


def test_smtp_starttls_with_login(tls_files):
    server_ctx, ca = tls_files
    with MailCatcher(tls="starttls", ssl_context=server_ctx, login=("yuqing", "s3cret")) as mail:
        ch = channel(type="smtp", host="127.0.0.1", port=mail.port, security="starttls", sender="yuqing@example.cn",
                     username="yuqing", password_env="PW", ca_file=ca)  # fmt: skip
        deliver(ch, _mail_parts(ch), {"PW": "s3cret"}, address="wang@example.cn")
        assert len(mail.received) == 1
        with pytest.raises(ChannelError, match="SMTPAuthenticationError"):
            deliver(ch, _mail_parts(ch), {"PW": "wrong"}, address="wang@example.cn")
        assert len(mail.received) == 1


def test_smtp_implicit_tls_verifies_the_certificate(tls_files):
    server_ctx, ca = tls_files
    with MailCatcher(tls="ssl", ssl_context=server_ctx) as mail:
        ch = channel(type="smtp", host="127.0.0.1", port=mail.port, security="ssl", sender="yuqing@example.cn",
                     ca_file=ca)  # fmt: skip
        deliver(ch, _mail_parts(ch), {}, address="wang@example.cn")
        assert len(mail.received) == 1
        untrusted = channel(
            type="smtp", host="127.0.0.1", port=mail.port, security="ssl", sender="yuqing@example.cn"
        )
        with pytest.raises(ChannelError, match="CERTIFICATE_VERIFY_FAILED"):
            deliver(untrusted, _mail_parts(untrusted), {}, address="wang@example.cn")


def test_smtp_temporary_refusal_is_a_channel_error():
    with MailCatcher() as mail:
        mail.handler.fail_next = 1
        ch = channel(
            type="smtp", host="127.0.0.1", port=mail.port, security="none", sender="yuqing@example.cn"
        )
        with pytest.raises(ChannelError, match="451"):
            deliver(ch, _mail_parts(ch), {}, address="wang@example.cn")
        deliver(ch, _mail_parts(ch), {}, address="wang@example.cn")
        assert len(mail.received) == 1


def test_a_part_flagged_as_possible_repeat_still_fits_and_is_accepted(hooks):
    from jobs.alert_channels import REPEAT_NOTE, flag_possible_repeat

    env = {"W": hooks.expect("wc", "wecom", token="k"), "F": hooks.expect("fs", "feishu", secret="s"), "FS": "s",
           "D": hooks.expect("dd", "dingtalk", token="t", secret="SEC1"), "DS": "SEC1", "H": hooks.expect("hk", "webhook")}  # fmt: skip
    bs = blocks(60, title="网友质疑审计局走过场" * 5)
    for ch in (channel(type="wecom", url_env="W"), channel(type="feishu", url_env="F", secret_env="FS"),
               channel(type="dingtalk", url_env="D", secret_env="DS"), channel(type="webhook", url_env="H")):  # fmt: skip
        parts = render_parts(ch, subject(bs), bs, "0123456789abcdef")
        deliver(ch, [flag_possible_repeat(p) for p in parts], env)
    assert not hooks.rejected and all(REPEAT_NOTE in r.text for r in hooks.received)
    assert [r.body.get("possible_duplicate") for r in hooks.received if r.channel == "webhook"] == [True]
    with MailCatcher() as mail:
        ch = channel(
            type="smtp", host="127.0.0.1", port=mail.port, security="none", sender="yuqing@example.cn"
        )
        deliver(ch, [flag_possible_repeat(p) for p in _mail_parts(ch)], {}, address="wang@example.cn")
    assert (
        mail.received[0].body["subject"].startswith("［补发］")
        and REPEAT_NOTE in mail.received[0].body["html"]
    )
