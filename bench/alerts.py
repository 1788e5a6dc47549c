"""Benchmark the alert job end to end: exactly-once delivery through kill -9, and detection-to-delivery time.

`python -m bench.alerts [--events N] [--cadence S] [--kills K] [--json]` from the repo root. No shared data.

A store (SQLite in a temporary folder, or --db-url) receives N events over time (30 % class A, the rest
class B; each event's detection time is when it is written). A separate worker process runs the real job,
`jobs.alerts.run_alerts`, at the configured cadence (the loop a scheduler runs). Channels are the local
catchers (yuqing.demo.catchers) on 127.0.0.1: one SMTP server and one HTTP receiver that checks every robot's
format and signature, answering after a small delay like a remote service. While messages are being sent the
worker is killed with SIGKILL K times (default once), a random few milliseconds after a delivery — so while it
is sending — and restarted at once.

Afterwards every (event, channel) the configuration routes must have arrived: an item counts as delivered when
every part of a message carrying it reached its catcher. Reported: deliveries per channel, duplicates (parts
received more than once: a part in flight when the worker was killed arrived but was not recorded, so it is
sent again after the lease, marked 补发 and with the same message key — `duplicates_flagged`), lost (routed
but never received), and the 95th-percentile time from detection to delivery, restarts included. JSON keys
`delivered`, `duplicates`, `lost`, `p95_latency_s`, plus details.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bench._common import ROOT, emit, make_parser

CHANNELS = {  # channel name -> (catcher kind, recipient)
    "team_wecom": ("wecom", "处置群"),
    "team_feishu": ("feishu", "处置群"),
    "leader_mail": ("smtp", "王主任"),
    "leader_dingtalk": ("dingtalk", "王主任"),
    "duty_hook": ("webhook", "值班系统"),
}
ROUTES = {"A": tuple(CHANNELS), "B": ("team_wecom", "team_feishu", "duty_hook")}


def _config(smtp_port: int, cadence: float) -> dict[str, Any]:
    return {
        "enabled": True,
        "evaluation": {"lookback_hours": 24, "overlap_minutes": 10},
        "delivery": {"allow_private_networks": ["127.0.0.0/8"], "timeout_seconds": 2, "lease_seconds": 4,
                     "max_attempts": 10, "backoff_seconds": 1, "backoff_max_seconds": 5},
        "channels": {
            "team_wecom": {"type": "wecom", "url_env": "B_WECOM"},
            "team_feishu": {"type": "feishu", "url_env": "B_FEISHU", "secret_env": "B_FEISHU_S"},
            "leader_mail": {"type": "smtp", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                            "sender": "bench@example.cn"},
            "leader_dingtalk": {"type": "dingtalk", "url_env": "B_DING", "secret_env": "B_DING_S"},
            "duty_hook": {"type": "webhook", "url_env": "B_HOOK", "secret_env": "B_HOOK_S"},
        },
        "recipients": [
            {"name": "处置群", "role": "处置人员", "channels": ["team_wecom", "team_feishu"]},
            {"name": "王主任", "role": "值班领导", "channels": [{"channel": "leader_mail", "to": "wang@example.cn"},
                                                          "leader_dingtalk"]},
            {"name": "值班系统", "role": "值班系统", "channels": ["duty_hook"]},
        ],
        "rules": [
            {"name": "A类事件", "trigger": "event_class_a", "roles": ["处置人员", "值班领导", "值班系统"], "urgent": True},
            {"name": "B类事件", "trigger": "event_class_b", "roles": ["处置人员", "值班系统"]},
        ],
    }  # fmt: skip


# ------------------------------------------------------------------------------------------- worker
def worker(db_url: str, alerts_file: str, cadence: float, stop_file: str) -> int:
    """The loop a scheduler runs: run_alerts every `cadence` seconds until `stop_file` exists (after the first
    run it touches `<stop_file>.ready`)."""
    from config.alerts import load_alerts
    from config.loader import load_settings
    from jobs.alerts import run_alerts
    from store.db import open_store

    settings = load_settings(db_url=db_url, alerts_file=alerts_file)
    cfg = load_alerts(alerts_file)
    engine = open_store(db_url, upgrade=False)
    start = time.monotonic()
    k = 0
    while not os.path.exists(stop_file):
        run_alerts(settings, engine, config=cfg)
        if k == 0:
            Path(stop_file + ".ready").touch()
        k += 1
        time.sleep(max(0.0, start + k * cadence - time.monotonic()))
    engine.dispose()
    return 0


# ------------------------------------------------------------------------------------------- parent
def _add_event(engine, eid: int, cls: str, now: datetime) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from store import events as store_events
    from store.queries import upsert_documents
    from store.schema import documents

    with engine.begin() as conn:
        upsert_documents(conn, [{"url": f"https://news.example.cn/b{eid}.html", "source": "澎湃新闻",
                                 "title": f"基准事件{eid}", "body": "正文", "published_at": now, "first_seen_at": now,
                                 "fetched_at": now, "content_hash": f"b{eid}", "plans": ["审计署全国"],
                                 "terms": ["审计"]}])  # fmt: skip
        doc = conn.execute(select(documents.c.id).where(documents.c.content_hash == f"b{eid}")).scalar_one()
        store_events.upsert_events(conn, [dict(
            id=eid, title=f"基准事件{eid}：{'重大突发' if cls == 'A' else '政务舆情'}", keywords=[], first_seen_at=now,
            first_doc_id=doc, first_source="澎湃新闻", last_seen_at=now, doc_count=1, reprint_count=0, source_count=1,
            heat=50.0, heat_components={}, heat_history=[], is_burst=False, response_class=cls,
            response_reason="基准", response_terms=[], status="待研判", updated_at=now,
            deadline_at=now + timedelta(hours=5 if cls == "A" else 48),
        )])  # fmt: skip


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.alerts", "--worker", *args], cwd=str(ROOT), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def _outbox_idle(engine) -> bool:
    from store import alerts as q

    with engine.connect() as conn:
        c = q.outbox_counts(conn)
    return (
        not c["items"].get("pending")
        and not c["messages"].get("pending")
        and not c["messages"].get("sending")
    )


def run(events: int = 300, cadence: float = 2.0, kills: int = 1, seconds: float = 30.0, delay: float = 0.02,
        db_url: str | None = None, seed: int = 7) -> dict[str, Any]:  # fmt: skip
    from jobs.alert_channels import REPEAT_NOTE
    from store import alerts as q
    from store.db import open_store
    from store.schema import alert_messages, alerts_sent
    from yuqing.demo.catchers import MailCatcher, WebhookCatcher

    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    db_url = db_url or f"sqlite:///{tmp}/alerts.db"
    engine = open_store(db_url)
    stop_file = str(tmp / "stop")
    with MailCatcher() as mail, WebhookCatcher(delay=delay) as hooks:
        env = dict(
            os.environ, PYTHONPATH=str(ROOT), B_FEISHU_S="fs-secret", B_DING_S="SECding", B_HOOK_S="hook"
        )
        env["B_WECOM"] = hooks.expect("team_wecom", "wecom", token="wk")
        env["B_FEISHU"] = hooks.expect("team_feishu", "feishu", secret="fs-secret")
        env["B_DING"] = hooks.expect("leader_dingtalk", "dingtalk", token="dt", secret="SECding")
        env["B_HOOK"] = hooks.expect("duty_hook", "webhook", secret="hook")
        alerts_file = tmp / "alerts.yaml"
        alerts_file.write_text(
            yaml.safe_dump(_config(mail.port, cadence), allow_unicode=True), encoding="utf-8"
        )
        worker_args = ["--db-url", db_url, "--alerts-file", str(alerts_file), "--cadence", str(cadence),
                       "--stop-file", stop_file]  # fmt: skip

        state: dict[str, Any] = {"proc": _spawn(worker_args, env), "kills": 0, "lock": threading.Lock(),
                                 "count": 0, "kill_after": []}  # fmt: skip
        ready = Path(stop_file + ".ready")
        while not ready.exists():  # the first run has happened: the worker is up
            time.sleep(0.05)
            if state["proc"].poll() is not None:
                raise RuntimeError(
                    "worker died: " + state["proc"].stderr.read().decode("utf-8", "replace")[-2000:]
                )

        def on_receive(_rec) -> None:
            """kill -9 the worker a random few milliseconds after a delivery, once each planned kill time has
            passed: the worker is then sending (or about to send) its next part."""
            with state["lock"]:
                state["count"] += 1
                due = bool(state["kill_after"]) and time.time() >= state["kill_after"][0]
                if due:
                    state["kill_after"].pop(0)
                    state["kills"] += 1
            if due:
                time.sleep(rng.uniform(0, 2 * delay + 0.01))
                proc = state["proc"]
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                state["proc"] = _spawn(worker_args, env)

        mail.store.listeners.append(on_receive)
        hooks.store.listeners.append(on_receive)

        detected: dict[int, float] = {}
        classes: dict[int, str] = {}
        t0 = time.time()
        state["kill_after"] = sorted(t0 + rng.uniform(0.15, 0.85) * seconds for _ in range(kills))
        for eid in range(1, events + 1):  # events spread evenly over `seconds`
            time.sleep(max(0.0, t0 + (eid - 1) * seconds / events - time.time()))
            cls = "A" if rng.random() < 0.3 else "B"
            now = datetime.now(UTC)
            _add_event(engine, eid, cls, now)
            detected[eid], classes[eid] = now.timestamp(), cls
        deadline = time.time() + 120
        while time.time() < deadline:
            time.sleep(cadence)
            if _outbox_idle(engine) and state["count"] and time.time() - t0 > seconds + 2 * cadence:
                break
        Path(stop_file).touch()
        proc = state["proc"]
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        received = [*mail.received, *hooks.received]
        rejected = list(hooks.rejected)

    with engine.connect() as conn:
        from sqlalchemy import select

        msgs = {r.message_key: dict(r._mapping) for r in conn.execute(select(alert_messages))}
        items = [dict(r._mapping) for r in conn.execute(select(alerts_sent))]
        counts = q.outbox_counts(conn)
    engine.dispose()

    by_part: Counter[tuple[str, int]] = Counter((r.key, r.part) for r in received if r.key)
    duplicates = sum(n - 1 for n in by_part.values() if n > 1)
    seen_parts: set[tuple[str, int]] = set()
    flagged = 0  # repeats that arrived marked 补发 (a reader or receiver can tell them)
    for r in sorted(received, key=lambda r: r.at):
        if r.key and (r.key, r.part) in seen_parts and REPEAT_NOTE in r.text:
            flagged += 1
        seen_parts.add((r.key, r.part))
    first_at: dict[tuple[str, int], float] = {}
    for r in received:
        if r.key:
            first_at[(r.key, r.part)] = min(first_at.get((r.key, r.part), r.at), r.at)
    complete: dict[str, float] = {}  # message key -> when its last part first arrived
    for key, m in msgs.items():
        parts = len(m["parts"] or [])
        times = [first_at.get((key, p)) for p in range(1, parts + 1)]
        if parts and all(t is not None for t in times):
            complete[key] = max(times)
    key_of = {m["id"]: k for k, m in msgs.items()}
    delivered_at: dict[tuple[int, str], float] = {}
    for it in items:
        key = key_of.get(it["message_id"])
        if key in complete and it["event_id"] is not None:
            pair = (int(it["event_id"]), it["channel_name"])
            delivered_at[pair] = min(delivered_at.get(pair, complete[key]), complete[key])
    expected = {(eid, ch) for eid, cls in classes.items() for ch in ROUTES[cls]}
    lost = sorted(expected - set(delivered_at))
    latencies = sorted(delivered_at[p] - detected[p[0]] for p in expected if p in delivered_at)
    per_channel = Counter(CHANNELS[ch][0] for _, ch in delivered_at)
    posts = Counter(r.channel for r in received)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else None
    return {
        "events": events, "class_a": sum(1 for c in classes.values() if c == "A"), "cadence_s": cadence,
        "kills": state["kills"], "expected": len(expected), "delivered": dict(sorted(per_channel.items())),
        "delivered_total": len(delivered_at), "duplicates": duplicates, "duplicates_flagged": flagged,
        "lost": len(lost),
        "p50_latency_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_latency_s": round(p95, 2) if p95 is not None else None,
        "max_latency_s": round(latencies[-1], 2) if latencies else None,
        "messages": len(msgs), "posts_received": dict(sorted(posts.items())), "rejected": len(rejected),
        "outbox": counts, "lost_sample": lost[:5],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = make_parser(__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=300, help="events written over the run (default 300)")
    p.add_argument("--cadence", type=float, default=2.0, help="seconds between alert runs (default 2)")
    p.add_argument(
        "--kills", type=int, default=1, help="kill -9 the sending worker this many times (default 1)"
    )
    p.add_argument(
        "--seconds", type=float, default=30.0, help="events are written over this long (default 30)"
    )
    p.add_argument("--delay", type=float, default=0.02, help="catcher reply delay in seconds (default 0.02)")
    p.add_argument("--db-url", help="store URL (default: SQLite in a temporary folder)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--worker", action="store_true", help=argparse_hidden())
    p.add_argument("--alerts-file", help=argparse_hidden())
    p.add_argument("--stop-file", help=argparse_hidden())
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.db_url, args.alerts_file, args.cadence, args.stop_file)
    r = run(events=args.events, cadence=args.cadence, kills=args.kills, seconds=args.seconds, delay=args.delay,
            db_url=args.db_url, seed=args.seed)  # fmt: skip
    print(f"alerts: {r['events']} events ({r['class_a']} class A) over {args.seconds:.0f} s, alert runs every "
          f"{r['cadence_s']:g} s, worker killed with SIGKILL {r['kills']}x during sending")  # fmt: skip
    print(f"  routed (event, channel): {r['expected']}; delivered {r['delivered_total']} "
          f"({', '.join(f'{k} {v}' for k, v in r['delivered'].items())}) in {r['messages']} messages")  # fmt: skip
    print(f"  duplicates {r['duplicates']} (marked 补发 with the same message key: {r['duplicates_flagged']}), "
          f"lost {r['lost']}, refused by a catcher {r['rejected']}")  # fmt: skip
    print(
        f"  detection -> delivery: p50 {r['p50_latency_s']} s, p95 {r['p95_latency_s']} s, max {r['max_latency_s']} s"
    )
    emit(r, args.json)
    return 0 if r["duplicates"] == 0 and r["lost"] == 0 else 1


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())
