"""Candidate discovery: look-alike names, resolution through a stub DNS server on 127.0.0.1, search queries and
sources, and the site-watch config's validation (hosts and names in stored documents: test_jobs_sites)."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from config.impersonation import load_impersonation_config
from config.loader import ConfigError, Source
from config.sitewatch import Discovery, Resolver, load_sitewatch_config
from crawler.discovery import (
    build_queries,
    discover_lookalikes,
    lookalike_names,
    resolve_names,
    search_sources,
)

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ICFG = load_impersonation_config()


class StubDNS:
    """Answers A records for `answers`, NXDOMAIN for every other name; counts the questions it got."""

    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.asked: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            q = dns.message.from_wire(data)
            name = q.question[0].name.to_text().rstrip(".")
            self.asked.append(name)
            resp = dns.message.make_response(q)
            if name in self.answers and q.question[0].rdtype == dns.rdatatype.A:
                resp.answer.append(dns.rrset.from_text(name + ".", 300, "IN", "A", self.answers[name]))
            else:
                resp.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(resp.to_wire(), addr)

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def stub_dns():
    server = StubDNS({"audit-gov.com.cn": "203.0.113.5", "auditgov.cn": "203.0.113.6", "adit.cn": "203.0.113.7",
                      "audit.gov.cn": "203.0.113.9"})  # fmt: skip
    yield server
    server.close()


@pytest.fixture
def sw():
    return load_sitewatch_config()


def test_lookalike_names_move_labels_under_registrable_suffixes(sw):
    names = dict(lookalike_names(sw.discovery, ICFG))
    for expected in ("audit.cn", "auditgov.cn", "audit-gov.com.cn", "cnao.org.cn", "audit-gov.com"):
        assert expected in names, expected
    assert names["audit-gov.com.cn"] == "audit.gov.cn 移至 .com.cn"
    # dnstwist permutations of the moved names (omission: adit.cn) are there, with the fuzzer named
    assert "adit.cn" in names and "omission" in names["adit.cn"]
    # government suffixes are noise: nothing under .gov.cn / .政务, and never the official domains themselves
    assert not [n for n in names if n.endswith(".gov.cn") or n.endswith(".xn--zfr164b")]
    assert "audit.gov.cn" not in names and "ciia.com.cn" not in names


def test_lookalike_names_respect_max_names_and_fuzz_suffixes():
    d = Discovery(domains=["audit.gov.cn"], suffixes=["cn", "com"], forms=["{label}"], fuzzers=["omission"],
                  fuzz_suffixes=["cn"], max_names=4)  # fmt: skip
    names = [n for n, _ in lookalike_names(d, ICFG)]
    assert names[:2] == ["audit.cn", "audit.com"] and len(names) == 4
    assert all(n.endswith(".cn") for n in names[2:])  # only .cn names were fuzzed


def test_resolve_names_uses_only_the_configured_stub_server(stub_dns):
    cfg = Resolver(nameservers=["127.0.0.1"], port=stub_dns.port, timeout=1.0, workers=4)
    got = resolve_names(["audit-gov.com.cn", "auditgov.cn", "nothing-here.cn", "audit.cn"], cfg)
    assert got == {"audit-gov.com.cn": ["203.0.113.5"], "auditgov.cn": ["203.0.113.6"]}
    assert sorted(stub_dns.asked) == ["audit-gov.com.cn", "audit.cn", "auditgov.cn", "nothing-here.cn"]


def test_resolve_names_survives_a_silent_server():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # bound but never answers
    try:
        cfg = Resolver(nameservers=["127.0.0.1"], port=silent.getsockname()[1], timeout=0.2, workers=2)
        assert resolve_names(["audit.cn", "auditgov.cn"], cfg) == {}
    finally:
        silent.close()


@pytest.mark.slow
def test_discover_lookalikes_returns_resolving_names_as_candidates(stub_dns, sw):
    disc = sw.discovery.model_copy(
        update={"resolver": Resolver(nameservers=["127.0.0.1"], port=stub_dns.port, timeout=1.0)}
    )
    found = discover_lookalikes(sw.model_copy(update={"discovery": disc}), ICFG)
    by_host = {f.host: f for f in found}
    assert set(by_host) == {"audit-gov.com.cn", "auditgov.cn", "adit.cn"}  # audit.gov.cn is never asked
    assert "audit.gov.cn" not in stub_dns.asked
    assert by_host["auditgov.cn"].url == "http://auditgov.cn/" and by_host["auditgov.cn"].method == "dnstwist"
    assert "203.0.113.6" in by_host["auditgov.cn"].detail and "移至 .cn" in by_host["auditgov.cn"].detail


def test_search_queries_combine_office_names_and_claim_words(sw):
    queries = build_queries(sw, extra=["中华审计研究会"])
    for q in (
        "审计署 合作",
        "审计署 授权",
        "审计署 指定",
        "审计署 培训",
        "审计署 证书",
        "审计署 认证",
        "中国审计网",
    ):
        assert q in queries
    assert queries[-1] == '"中华审计研究会"' and len(queries) == len(set(queries))
    sources = [Source(**s) for s in search_sources(sw)]  # valid config.loader sources
    assert sources and all(
        s.kind == "search" and "{query}" in s.url and s.queries == build_queries(sw) for s in sources
    )


def test_sitewatch_config_errors_name_file_and_key(tmp_path):
    bad = tmp_path / "sites.yaml"
    bad.write_text("official: {name: 审计署全称, homepage: 'https://www.audit.gov.cn/'}\n"
                   "discovery: {resolver: {nameservers: [not-an-ip]}, sufixes: [cn]}\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError) as exc:
        load_sitewatch_config(bad)
    msg = str(exc.value)
    assert str(bad) in msg
    assert "discovery.resolver.nameservers" in msg and "not an IP address" in msg
    assert "discovery.sufixes: unknown key" in msg


def test_shipped_sitewatch_config_is_valid():
    cfg = load_sitewatch_config()
    assert cfg.official.homepage.startswith("https://") and cfg.watch and cfg.discovery.domains
