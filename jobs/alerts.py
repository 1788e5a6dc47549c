"""The alert job: evaluate the rules on what is new, write the outbox, compose messages when each recipient
may be told, deliver them with retry and backoff, and escalate events nobody has looked at.

`run_alerts(settings, engine, now=None) -> AlertRun` runs three steps, each in its own transactions:

1. **Evaluate** (one transaction). Rules read events, critical documents, site candidates, integrity findings
   and sources changed since the previous evaluation (a cursor, `alerts.cursor` in `analysis_state`, re-read
   with `evaluation.overlap_minutes` of overlap and never further back than `evaluation.lookback_hours`);
   escalation steps read events still 待研判 whose first alert was delivered long enough ago. Each alert item
   is routed to its recipients' channels and written as one `alerts_sent` row per recipient channel whose
   **dedup key** (`trigger:entity|recipient|channel`) is unique: re-reading the overlap, a second run, or a
   second process never adds a row twice. An escalation also writes an `audit_log` row, in the same
   transaction. The cursor moves in that transaction too.
2. **Compose** (one transaction per recipient channel). Urgent items go at once in a message of their own;
   the others wait for the recipient's delivery window, quiet hours, minimum interval (counted from the last
   message, urgent ones included) and daily cap. When they may go, they are
   merged (items of one trigger and event become one block with a count), rendered once into the channel's
   payloads (split under its limit) and written as one `alert_messages` row; the items point at it. Pending
   escalation and deadline items whose event has meanwhile been handled are cancelled instead.
3. **Deliver**. Due messages are claimed (status sending, a lease of `delivery.lease_seconds`), sent part by
   part after the claim has committed, each accepted part recorded at once (`parts_sent`, renewing the
   lease); when all parts are accepted the message and its items are marked sent. A failed part puts the
   message back with exponential backoff (`backoff_seconds` doubling up to `backoff_max_seconds`) until
   `max_attempts`, then marks it failed (`yuqing alerts list --failed`, the dashboard).

Progress marks: the dedup key of each outbox row (evaluation), the items' `message_id` (composition), the
message's `status`, `parts_sent` and lease (delivery). A process killed anywhere leaves rows that the next
run completes: unsent messages are sent, a message left `sending` is taken again once its lease expires,
resuming after its last accepted part. The guarantee is at-least-once with one narrow window: if the process
dies after a channel accepted a part and before `parts_sent` is committed (one HTTP round trip plus one
small UPDATE), that part is sent again after the lease, marked as a possible repeat (补发). Every part carries
the message key (编号) in its text, as the webhook's `Idempotency-Key` and in the mail's `Message-ID`, so a
receiver or a reader can drop the repeat. Nothing is lost: a row is only marked sent after its channel
accepted it.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from analysis.opinion.alerts import (
    bounded_key,
    build_blocks,
    gate,
    local_day_start,
    message_key,
    retry_delay,
    subject,
)
from analysis.opinion.heat import BASELINE_DAYS, plan_bursts
from analysis.region import Region, matches_local
from config.alerts import AlertsConfig, EscalationStep, Recipient, Rule, load_alerts, parse_span
from config.loader import Settings
from config.vocabulary import CANDIDATE_PENDING, CANDIDATE_REPORTED, EVENT_HANDLING, EVENT_PENDING
from jobs.alert_channels import AnyChannel, ChannelError, flag_possible_repeat, render_parts, send_part
from store import alerts as q
from store import events as store_events
from store.audit import log_action
from store.reports import plan_daily_counts

logger = logging.getLogger(__name__)

CURSOR_KEY = "alerts.cursor"
SYSTEM_ACTOR = "系统（预警）"
OPEN_STATUSES = (EVENT_PENDING, EVENT_HANDLING)
CLASS_TRIGGERS = {"A": "event_class_a", "B": "event_class_b"}
DEFAULT_LEAD_MINUTES = 60.0
DEFAULT_FAILURES = 3
# Items whose reason can disappear before they are sent: checked again when a message is composed.
RECHECKED = ("escalation", "deadline_soon", "deadline_passed")


@dataclass
class AlertRun:
    """What one run did."""

    disabled: bool = False
    new_items: dict[str, int] = field(default_factory=dict)  # trigger -> outbox rows written
    escalations: int = 0  # escalation steps fired (each also written to the audit log)
    cancelled: int = 0
    waiting: int = 0  # items held back by delivery windows, quiet hours, the interval or the cap
    composed: int = 0  # messages composed
    delivered: int = 0  # messages whose every part was accepted
    parts_sent: int = 0
    retrying: int = 0  # messages that failed this run and will be retried
    failed: int = 0  # messages that failed for good this run
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Clock:
    """`now` given by the caller (tests, the scheduler) advanced by the real time spent since."""

    def __init__(self, now: datetime | None):
        self.start = now or datetime.now(UTC)
        self.t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


# -------------------------------------------------------------------------------------- evaluation
@dataclass
class _Item:
    """One alert before routing: its key (`trigger:entity`), merge group and facts (the outbox payload)."""

    key: str
    trigger: str
    group: str
    facts: dict[str, Any]
    event_id: int | None = None
    document_ids: tuple[int, ...] = ()
    heat: float = 0.0
    plans: frozenset[str] = frozenset()
    regions: tuple[Region, ...] = ()


def iso_utc(value: datetime) -> str:
    """`value` in UTC as ISO text to the second (the form `analysis.opinion.event_summary` stores state times in)."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _iso(value: datetime | None) -> str | None:
    return iso_utc(value) if value is not None else None


def _event_facts(ev: dict[str, Any], urls: Mapping[int, str]) -> dict[str, Any]:
    first = ev.get("first_doc_id")
    return {
        "title": ev["title"], "event_id": int(ev["id"]), "class": ev.get("response_class"),
        "reason": ev.get("response_reason") or "", "terms": list(ev.get("response_terms") or []),
        "deadline_at": _iso(ev.get("deadline_at")), "first_seen_at": _iso(ev.get("first_seen_at")),
        "first_source": ev.get("first_source"), "first_url": urls.get(int(first)) if first is not None else None,
        "heat": float(ev.get("heat") or 0.0), "doc_count": int(ev.get("doc_count") or 0), "status": ev.get("status"),
    }  # fmt: skip


class _Reader:
    """Reads what the rules need, once per run (two rules on one trigger share the reads)."""

    def __init__(self, conn, settings: Settings, cfg: AlertsConfig, now: datetime, since: datetime):
        self.conn, self.settings, self.cfg, self.now, self.since = conn, settings, cfg, now, since
        self._cache: dict[Any, list[_Item]] = {}
        self._event_plans: dict[int, set[str]] = {}
        self._event_regions: dict[int, list[Region]] = {}

    def _annotate(self, items: list[_Item]) -> list[_Item]:
        """Plans and regions of the items' events (for the 方案 and 本地 filters)."""
        ids = sorted({i.event_id for i in items if i.event_id is not None} - set(self._event_plans))
        if ids:
            self._event_plans.update(q.event_plans(self.conn, ids))
            for eid, regs in store_events.event_regions(self.conn, ids).items():
                self._event_regions[eid] = [
                    Region(province=p, city=c, county=k, adcode=code) for p, c, k, code in regs
                ]
        for it in items:
            if it.event_id is not None:
                it.plans = it.plans | frozenset(self._event_plans.get(it.event_id, ()))
                it.regions = it.regions + tuple(self._event_regions.get(it.event_id, ()))
        return items

    def items(self, rule: Rule) -> list[_Item]:
        key: Any = rule.trigger
        if rule.trigger == "deadline_soon":
            key = (rule.trigger, rule.lead_minutes or DEFAULT_LEAD_MINUTES)
        elif rule.trigger == "source_failing":
            key = (rule.trigger, rule.failures or DEFAULT_FAILURES)
        elif rule.trigger == "plan_burst":
            key = (rule.trigger, rule.z_threshold, rule.min_count)
        if key not in self._cache:
            self._cache[key] = getattr(self, f"_{rule.trigger}")(rule)
        return self._cache[key]

    def _events_of_class(self, cls: str) -> list[_Item]:
        floor = self.now - timedelta(hours=self.cfg.evaluation.lookback_hours)
        rows = [e for e in q.events_updated_since(self.conn, self.since, [cls]) if e["last_seen_at"] >= floor]
        urls = store_events.document_urls(self.conn, [e["first_doc_id"] for e in rows])
        trigger = CLASS_TRIGGERS[cls]
        return self._annotate([
            _Item(key=f"{trigger}:{e['id']}", trigger=trigger, group=f"event:{e['id']}", facts=_event_facts(e, urls),
                  event_id=int(e["id"]), heat=float(e["heat"] or 0))
            for e in rows
        ])  # fmt: skip

    def _event_class_a(self, rule: Rule) -> list[_Item]:
        return self._events_of_class("A")

    def _event_class_b(self, rule: Rule) -> list[_Item]:
        return self._events_of_class("B")

    def _office_criticism(self, rule: Rule) -> list[_Item]:
        floor = self.now - timedelta(hours=self.cfg.evaluation.lookback_hours)
        docs = q.office_critical_documents(self.conn, self.since, floor)
        events = store_events.get_events(
            self.conn, [d["event_id"] for d in docs if d["event_id"] is not None]
        )
        out = []
        for d in docs:
            ev = events.get(int(d["event_id"])) if d["event_id"] is not None else None
            group = f"event:{ev['id']}" if ev else f"doc:{d['id']}"
            region = (Region(province=d["region_province"], city=d["region_city"], county=d["region_county"],
                             adcode=d["region_code"]),) if d["region_code"] else ()  # fmt: skip
            out.append(_Item(
                key=f"office_criticism:doc{d['id']}", trigger="office_criticism", group=group,
                facts={"title": d["title"], "doc_url": d["url"], "source": d["source"], "doc_count": 1,
                       "terms": list(d["terms"] or []), "event_id": int(ev["id"]) if ev else None,
                       "event_title": ev["title"] if ev else None,
                       "event_class": ev.get("response_class") if ev else None},
                event_id=int(ev["id"]) if ev else None, document_ids=(int(d["id"]),),
                heat=float(ev["heat"] or 0) if ev else 0.0, plans=frozenset(d["plans"] or ()), regions=region,
            ))  # fmt: skip
        return self._annotate(out)

    def _deadline(self, trigger: str, start: datetime, end: datetime) -> list[_Item]:
        rows = q.events_due_between(self.conn, start, end, OPEN_STATUSES)
        urls = store_events.document_urls(self.conn, [e["first_doc_id"] for e in rows])
        return self._annotate([
            _Item(key=f"{trigger}:{e['id']}:{iso_utc(e['deadline_at'])}", trigger=trigger, group=f"event:{e['id']}",
                  facts=_event_facts(e, urls), event_id=int(e["id"]), heat=float(e["heat"] or 0))
            for e in rows
        ])  # fmt: skip

    def _deadline_soon(self, rule: Rule) -> list[_Item]:
        lead = timedelta(minutes=rule.lead_minutes or DEFAULT_LEAD_MINUTES)
        return self._deadline("deadline_soon", self.now, self.now + lead)

    def _deadline_passed(self, rule: Rule) -> list[_Item]:
        floor = self.now - timedelta(hours=self.cfg.evaluation.lookback_hours)
        return self._deadline("deadline_passed", floor, self.now)

    def _plan_burst(self, rule: Rule) -> list[_Item]:
        tz = self.settings.dashboard.timezone
        today = self.now.astimezone(_zone(tz)).date()
        daily = plan_daily_counts(self.conn, today - timedelta(days=BASELINE_DAYS), today, tz)
        kw: dict[str, Any] = {}
        if rule.z_threshold is not None:
            kw["z_threshold"] = rule.z_threshold
        if rule.min_count is not None:
            kw["min_count"] = rule.min_count
        out = []
        for v in plan_bursts(daily, today, **kw):
            if not v.is_burst:
                continue
            out.append(_Item(
                key=f"plan_burst:{v.plan}:{today.isoformat()}", trigger="plan_burst", group=f"plan:{v.plan}",
                facts={"title": f"方案「{v.plan}」声量突增", "plan": v.plan, "today": v.today,
                       "baseline_median": v.baseline_median, "z": v.z},
                plans=frozenset({v.plan}),
            ))  # fmt: skip
        return out

    def _site_act(self, rule: Rule) -> list[_Item]:
        rows = q.act_candidates(self.conn, self.since, (CANDIDATE_PENDING, CANDIDATE_REPORTED))
        return [
            _Item(key=f"site_act:{r['id']}", trigger="site_act", group=f"site:{r['id']}",
                  facts={"title": r["title"] or r["host"], "url": r["final_url"] or r["url"], "host": r["host"],
                         "score": float(r["score"] or 0),
                         "signals": [s.get("label") or s.get("name") or str(s) if isinstance(s, dict) else str(s)
                                     for s in (r["signals"] or [])]})
            for r in rows
        ]  # fmt: skip

    def _integrity_high(self, rule: Rule) -> list[_Item]:
        """One alert per page, problem and local day: a finding resolved by a clean check and found again the
        same day (a flapping page, or the demo run twice) is not news again; another day it is."""
        tz = _zone(self.settings.dashboard.timezone)
        rows = q.open_findings(self.conn, self.since, "high")
        return [
            _Item(key=f"integrity_high:{r['url']}|{_finding_key(r)}|{r['found_at'].astimezone(tz).date()}",
                  trigger="integrity_high", group=f"url:{r['url']}",
                  facts={"title": f"本单位网站发现高危问题：{r['url']}", "url": r["url"], "kind": r["kind"],
                         "summary": r["summary"]})
            for r in rows
        ]  # fmt: skip

    def _source_failing(self, rule: Rule) -> list[_Item]:
        n = rule.failures or DEFAULT_FAILURES
        return [
            _Item(key=f"source_failing:{r['name']}:{_iso(r['last_success_at']) or 'never'}", trigger="source_failing",
                  group=f"source:{r['name']}",
                  facts={"title": f"信源「{r['name']}」连续采集失败", "source": r["name"],
                         "failures": int(r["consecutive_failures"]), "last_error": r["last_error"] or "",
                         "last_success_at": _iso(r["last_success_at"])})
            for r in q.failing_sources(self.conn, n)
        ]  # fmt: skip


def _finding_key(row: dict[str, Any]) -> str:
    ev = row.get("evidence")
    return str(ev.get("key")) if isinstance(ev, dict) and ev.get("key") else f"{row['kind']}:{row['id']}"


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def _passes(rule: Rule, item: _Item, local_area: str) -> bool:
    if rule.plans and not (item.plans & set(rule.plans)):
        return False
    if rule.local_only and not any(matches_local(r, local_area) for r in item.regions):
        return False
    return not (rule.min_heat and item.heat < rule.min_heat)


def _rows_for(item: _Item, rule_name: str, urgent: bool, recipients: Sequence[Recipient], cfg: AlertsConfig,
              now: datetime) -> list[dict[str, Any]]:  # fmt: skip
    facts = {**item.facts, "trigger": item.trigger, "rule": rule_name, "group": item.group, "urgent": urgent,
             "item_key": item.key, "detected_at": iso_utc(now)}  # fmt: skip
    rows = []
    for r in recipients:
        for rc in r.channels:
            ch = cfg.channels[rc.channel]
            rows.append({
                "dedup_key": bounded_key(f"{item.key}|{r.name}|{rc.channel}"), "item_key": bounded_key(item.key),
                "channel": ch.type, "channel_name": rc.channel, "recipient": r.name,
                "subject": str(item.facts.get("title") or "")[:500], "payload": facts, "rule": rule_name,
                "trigger": item.trigger, "event_id": item.event_id, "document_ids": list(item.document_ids),
                "urgent": urgent, "status": q.ITEM_PENDING, "created_at": now, "sent_at": None,
            })  # fmt: skip
    return rows


def _escalates(ev: Mapping[str, Any]) -> bool:
    """An event nobody has acted on: still 待研判 and not acknowledged by the leader on duty (确认知悉), who is
    the one an escalation would tell."""
    return ev["status"] == EVENT_PENDING and ev.get("acknowledged_at") is None


def _escalations(conn, cfg: AlertsConfig, now: datetime) -> list[tuple[EscalationStep, _Item]]:
    if not cfg.escalation:
        return []
    window = timedelta(hours=cfg.evaluation.lookback_hours) + timedelta(
        minutes=max(s.after_minutes for s in cfg.escalation)
    )
    first = q.first_deliveries(conn, tuple(CLASS_TRIGGERS.values()), now - window)
    events = store_events.get_events(conn, list(first))
    urls = store_events.document_urls(conn, [e["first_doc_id"] for e in events.values()])
    out = []
    for eid, ev in sorted(events.items()):
        if not _escalates(ev) or ev["response_class"] not in CLASS_TRIGGERS:
            continue
        for step in cfg.escalation:
            if ev["response_class"] not in step.classes or now < first[eid] + timedelta(
                minutes=step.after_minutes
            ):
                continue
            facts = {**_event_facts(ev, urls), "step": step.name, "after_minutes": step.after_minutes,
                     "first_alert_at": iso_utc(first[eid])}  # fmt: skip
            out.append((step, _Item(key=f"escalation:{eid}:{step.name}", trigger="escalation", group=f"event:{eid}",
                                    facts=facts, event_id=eid, heat=float(ev["heat"] or 0))))  # fmt: skip
    return out


def _evaluate(engine: Engine, settings: Settings, cfg: AlertsConfig, now: datetime, run: AlertRun) -> None:
    floor = now - timedelta(hours=cfg.evaluation.lookback_hours)
    with engine.begin() as conn:
        state = store_events.get_state(conn, CURSOR_KEY) or {}
        last = state.get("evaluated_at")
        since = floor
        if last:
            since = max(
                floor, datetime.fromisoformat(last) - timedelta(minutes=cfg.evaluation.overlap_minutes)
            )
        reader = _Reader(conn, settings, cfg, now, since)
        rows: list[dict[str, Any]] = []
        for rule in cfg.rules:
            if not rule.enabled:
                continue
            recipients = cfg.pick(rule.roles, rule.recipients)
            for item in reader.items(rule):
                if _passes(rule, item, cfg.local_area):
                    rows += _rows_for(item, rule.name, rule.urgent, recipients, cfg, now)
        steps = _escalations(conn, cfg, now)
        for step, item in steps:
            rows += _rows_for(item, step.name, step.urgent, cfg.pick(step.roles, step.recipients), cfg, now)
        fresh = q.insert_items(conn, rows)
        for r in fresh:
            run.new_items[r["trigger"]] = run.new_items.get(r["trigger"], 0) + 1
        fired = {r["item_key"]: r for r in fresh if r["trigger"] == "escalation"}
        for step, item in steps:
            row = fired.get(bounded_key(item.key))
            if row is None:
                continue
            told = sorted({r["recipient"] for r in fresh if r["item_key"] == row["item_key"]})
            log_action(conn, "event", int(item.event_id), "escalate", None, f"{step.name}：通知 {'、'.join(told)}",
                       SYSTEM_ACTOR, now, note=f"首次提醒 {item.facts['first_alert_at']} 后仍为待研判")  # fmt: skip
            run.escalations += 1
        store_events.put_state(conn, CURSOR_KEY, {"evaluated_at": iso_utc(now)}, now)


# ------------------------------------------------------------------------------------- composition
def _still_relevant(item: dict[str, Any], events: Mapping[int, dict[str, Any]]) -> bool:
    ev = events.get(int(item["event_id"])) if item.get("event_id") is not None else None
    if ev is None:
        return False
    if item["trigger"] == "escalation":
        return _escalates(ev)
    deadline = item["payload"].get("deadline_at")
    return (
        ev["status"] in OPEN_STATUSES
        and ev["deadline_at"] is not None
        and iso_utc(ev["deadline_at"]) == deadline
    )


def _windows(r: Recipient) -> list[tuple[list[str], tuple[int, int]]]:
    return [(list(w.days), w.span) for w in r.schedule]


def _compose(engine: Engine, settings: Settings, cfg: AlertsConfig, clock: Callable[[], datetime],
             run: AlertRun) -> None:  # fmt: skip
    with engine.connect() as conn:
        pending = q.pending_items(conn)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for it in pending:
        groups.setdefault((it["recipient"], it["channel_name"]), []).append(it)
    for (name, channel_name), items in groups.items():
        try:
            with engine.begin() as conn:
                run.composed += _compose_one(conn, settings, cfg, clock(), name, channel_name, items, run)
        except q.Conflict as exc:  # another process composed these items first: theirs stands
            logger.info("alerts: %s", exc)


def _compose_one(conn, settings: Settings, cfg: AlertsConfig, now: datetime, name: str, channel_name: str,
                 items: list[dict[str, Any]], run: AlertRun) -> int:  # fmt: skip
    """Compose messages for a recipient channel from its pending items (in the caller's transaction): one of
    the urgent items, one of the others when the recipient may be told now; returns how many."""
    tz = settings.dashboard.timezone
    recipient = cfg.recipient(name)
    channel = cfg.channels.get(channel_name)
    if recipient is None or channel is None or channel_name not in {c.channel for c in recipient.channels}:
        run.cancelled += q.cancel_items(conn, [i["id"] for i in items], "收件人或渠道已从配置中删除")
        return 0
    recheck = [i for i in items if i["trigger"] in RECHECKED]
    if recheck:
        events = store_events.get_events(conn, [i["event_id"] for i in recheck if i["event_id"] is not None])
        stale = {i["id"] for i in recheck if not _still_relevant(i, events)}
        if stale:
            run.cancelled += q.cancel_items(conn, sorted(stale), "事件已处理，不再提醒")
            items = [i for i in items if i["id"] not in stale]
    if not items:
        return 0
    urgent = [i for i in items if i["urgent"]]
    normal = [i for i in items if not i["urgent"]]
    composed = 0
    if urgent:  # urgent items go at once, in a message of their own (its subject names them)
        _write_message(conn, settings, recipient, channel_name, channel, urgent, now)
        composed += 1
    if normal:
        verdict = gate(
            now=now, tz=tz, urgent=False, windows=_windows(recipient),
            quiet=parse_span(recipient.quiet_hours) if recipient.quiet_hours else None,
            last_message_at=q.last_message_at(conn, name, channel_name),
            min_interval_minutes=recipient.min_interval_minutes,
            sent_today=q.messages_since(conn, name, channel_name, local_day_start(now, tz)),
            daily_cap=recipient.daily_cap,
        )  # fmt: skip
        if verdict.allowed:
            _write_message(conn, settings, recipient, channel_name, channel, normal, now)
            composed += 1
        else:  # they wait, with the reason noted
            q.note_items(conn, [i["id"] for i in normal], f"等待：{verdict.reason}")
            run.waiting += len(normal)
    return composed


def _write_message(conn, settings: Settings, recipient: Recipient, channel_name: str,
                   channel: AnyChannel, items: list[dict[str, Any]], now: datetime) -> None:  # fmt: skip
    payloads = [{**i["payload"], "event_id": i["event_id"], "item_key": i["item_key"]} for i in items]
    blocks = build_blocks(payloads, now, settings.dashboard.timezone, settings.dashboard.base_url)
    key = message_key(f"{uuid.uuid4().hex}|{recipient.name}|{channel_name}")
    subj = subject(blocks)
    parts = render_parts(channel, subj, blocks, key, payloads)
    address = next((rc.to for rc in recipient.channels if rc.channel == channel_name), None)
    values = {
        "message_key": key, "recipient": recipient.name, "channel_name": channel_name, "channel": channel.type,
        "address": address, "subject": subj, "parts": parts, "parts_sent": 0, "item_count": len(items),
        "urgent": any(i["urgent"] for i in items), "status": q.MSG_PENDING, "attempts": 0, "next_attempt_at": now,
        "created_at": now,
    }  # fmt: skip
    q.create_message(conn, values, [i["id"] for i in items])


# ---------------------------------------------------------------------------------------- delivery
Sender = Callable[..., None]


def _deliver(engine: Engine, cfg: AlertsConfig, clock: Callable[[], datetime], run: AlertRun, *,
             env: Mapping[str, str], sender: Sender, only: Collection[int] | None = None) -> None:  # fmt: skip
    d = cfg.delivery
    lease = timedelta(seconds=d.lease_seconds)
    with engine.connect() as conn:
        due = q.due_messages(conn, clock(), lease)
    for mid in due:
        if only is not None and mid not in only:
            continue
        with engine.begin() as conn:
            msg = q.claim_message(conn, mid, clock(), lease)
        if msg is None:
            continue
        _send_message(engine, cfg, msg, clock, run, env=env, sender=sender)


def _send_message(engine: Engine, cfg: AlertsConfig, msg: dict[str, Any], clock: Callable[[], datetime],
                  run: AlertRun, *, env: Mapping[str, str], sender: Sender) -> None:  # fmt: skip
    d = cfg.delivery
    channel = cfg.channels.get(msg["channel_name"])
    parts = list(msg["parts"] or [])
    done = int(msg["parts_sent"] or 0)
    try:
        if channel is None:
            raise ChannelError(f"渠道 {msg['channel_name']} 已从配置中删除")
        if channel.type != msg["channel"]:
            raise ChannelError(
                f"渠道 {msg['channel_name']} 的类型已改为 {channel.type}，消息按 {msg['channel']} 生成"
            )
        for index in range(done, len(parts)):
            part = parts[index]
            if index == done and msg.get("reclaimed"):  # the part a killed process may have delivered
                part = flag_possible_repeat(part)
            sender(channel, part, key=msg["message_key"], index=index + 1, address=msg["address"], env=env,
                   timeout=d.timeout_seconds, allowed=d.allow_private_networks)  # fmt: skip
            with (
                engine.begin() as conn
            ):  # record each accepted part at once: the duplicate window is this gap
                q.mark_part_sent(conn, msg["id"], index + 1, clock())
            run.parts_sent += 1
    except ChannelError as exc:
        attempts = int(msg["attempts"])
        final = attempts >= d.max_attempts
        retry_at = (
            None if final else clock() + retry_delay(attempts, d.backoff_seconds, d.backoff_max_seconds)
        )
        with engine.begin() as conn:
            q.mark_failed(conn, msg["id"], str(exc), retry_at)
        if final:
            run.failed += 1
            logger.warning("alert %s to %s/%s failed for good after %d attempts: %s", msg["message_key"],
                           msg["recipient"], msg["channel_name"], attempts, exc)  # fmt: skip
        else:
            run.retrying += 1
            logger.info("alert %s to %s/%s failed (attempt %d), retry at %s: %s", msg["message_key"],
                        msg["recipient"], msg["channel_name"], attempts, retry_at, exc)  # fmt: skip
        run.errors.append(f"{msg['recipient']}/{msg['channel_name']}: {exc}")
        return
    with engine.begin() as conn:
        q.mark_sent(conn, msg["id"], clock())
    run.delivered += 1


# ------------------------------------------------------------------------------------------ the job
def run_alerts(settings: Settings, engine: Engine, *, now: datetime | None = None,
               config: AlertsConfig | None = None, env: Mapping[str, str] | None = None,
               sender: Sender | None = None, deliver: bool = True) -> AlertRun:  # fmt: skip
    """Evaluate the alert rules on what is new since the last evaluation, write the outbox, compose and
    deliver due messages with retry and backoff, and escalate untouched class-A/B events.

    Idempotent and resumable (see the module docstring): the dedup key of each `alerts_sent` row marks an
    evaluated alert, its `message_id` a composed one, and the message's `status` / `parts_sent` / lease the
    delivery; the evaluation cursor is `analysis_state['alerts.cursor']`. `config` defaults to the file named
    by `settings.alerts_file`; `env` (default os.environ) holds the channels' URLs and secrets; `sender`
    replaces `jobs.alert_channels.send_part` in tests; `deliver=False` stops after composing.
    """
    t0 = time.perf_counter()
    cfg = config if config is not None else load_alerts(settings.path(settings.alerts_file))
    run = AlertRun()
    if not cfg.enabled:
        run.disabled = True
        return run
    clock = _Clock(now)
    _evaluate(engine, settings, cfg, clock(), run)
    _compose(engine, settings, cfg, clock, run)
    if deliver:
        _deliver(engine, cfg, clock, run, env=os.environ if env is None else env, sender=sender or send_part)
    run.seconds = round(time.perf_counter() - t0, 3)
    new = sum(run.new_items.values())
    logger.info("alerts: %d new outbox rows, %d escalations, %d messages composed, %d delivered, %d retrying, "
                "%d failed, %d waiting, %d cancelled (%.2f s)", new, run.escalations, run.composed, run.delivered,
                run.retrying, run.failed, run.waiting, run.cancelled, run.seconds)  # fmt: skip
    return run


def deliver_messages(engine: Engine, cfg: AlertsConfig, message_ids: Collection[int], *, now: datetime | None = None,
                     env: Mapping[str, str] | None = None, sender: Sender | None = None) -> AlertRun:  # fmt: skip
    """Deliver those of `message_ids` that are due, exactly as `run_alerts` delivers (claim, lease, part by
    part, retry with backoff); for other jobs writing to the same outbox (the 日报, jobs.digest)."""
    run = AlertRun()
    _deliver(engine, cfg, _Clock(now), run, env=os.environ if env is None else env, sender=sender or send_part,
             only=set(message_ids))  # fmt: skip
    return run


def send_test(settings: Settings, cfg: AlertsConfig, channel_name: str, *, to: str | None = None,
              env: Mapping[str, str] | None = None, now: datetime | None = None) -> int:  # fmt: skip
    """Send a test message to one configured channel (not through the outbox); returns the parts sent.
    Raises ChannelError when the channel refused it, KeyError for an unknown channel."""
    channel = cfg.channels[channel_name]
    now = now or datetime.now(UTC)
    if channel.type == "smtp" and not to:
        to = next(
            (rc.to for r in cfg.recipients for rc in r.channels if rc.channel == channel_name and rc.to), None
        )
    item = {"trigger": "event_class_b", "group": "test", "key": "test", "title": "测试消息：预警渠道连通性检查",
            "rule": "渠道测试", "reason": "这是一条测试消息，无需处理", "urgent": False}  # fmt: skip
    blocks = build_blocks([item], now, settings.dashboard.timezone, settings.dashboard.base_url)
    key = message_key(f"test|{uuid.uuid4().hex}")
    parts = render_parts(channel, "【测试】审计舆情哨兵预警渠道测试", blocks, key, [item])
    d = cfg.delivery
    for i, part in enumerate(parts, 1):
        send_part(channel, part, key=key, index=i, address=to, env=os.environ if env is None else env,
                  timeout=d.timeout_seconds, allowed=d.allow_private_networks)  # fmt: skip
    return len(parts)
