"""`yuqing serve` picks up config edits without a restart (issue 9): the jobs read validated snapshots of the
sources, 方案 and alerts files; a valid edit replaces the snapshot (a sources edit adds, drops or reschedules
crawl jobs), an invalid one is logged in one line and the previous version stays."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import timedelta

import pytest

from config.loader import ROOT, load_settings, load_sources
from jobs import scheduler as sch
from jobs.config_watch import ConfigWatch
from store.db import open_store
from tests.test_jobs_scheduler import InlineRunner

SOURCE = "  - {{name: {name}, kind: list, url: 'http://{name}.test/', level: county, cadence: {cadence}}}\n"


def _sources(path, *entries: tuple[str, str]) -> None:
    path.write_text("sources:\n" + "".join(SOURCE.format(name=n, cadence=c) for n, c in entries), encoding="utf-8")
    st = path.stat()  # a new mtime even within the file system's timestamp granularity
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))


@pytest.fixture()
def files(tmp_path):
    _sources(tmp_path / "sources.yaml", ("fast", "30m"))
    shutil.copyfile(ROOT / "config" / "alerts.yaml", tmp_path / "alerts.yaml")
    base = load_settings()
    settings = base.model_copy(update={
        "db_url": f"sqlite:///{tmp_path}/w.db", "redis_url": None,
        "sources_file": str(tmp_path / "sources.yaml"), "alerts_file": str(tmp_path / "alerts.yaml"),
        "serve": base.serve.model_copy(update={"site_check_minutes": 0, "site_watch_minutes": 0,
                                               "alerts_minutes": 0, "digest_minutes": 0}),
    })  # fmt: skip
    watch = ConfigWatch(settings)
    yield tmp_path, settings, watch
    watch.close()


def test_jobs_read_snapshots_and_a_valid_edit_replaces_them(files):
    tmp_path, settings, watch = files
    snap = watch.start()
    assert [s.name for s in watch.sources] == ["fast"]
    assert snap.sources_file != settings.sources_file and snap.path(snap.sources_file).exists()
    assert watch.poll() is None  # nothing changed
    _sources(tmp_path / "sources.yaml", ("fast", "2h"), ("new", "30m"))
    changed = watch.poll()
    assert [(s.name, s.cadence) for s in changed] == [("fast", "2h"), ("new", "30m")]
    assert [s.name for s in load_sources(watch.settings.path(watch.settings.sources_file))] == ["fast", "new"]
    assert watch.reloads == 1


def test_an_invalid_edit_is_one_line_and_keeps_the_previous_version(files, caplog):
    tmp_path, _, watch = files
    snap = watch.start()
    before = snap.path(snap.sources_file).read_text(encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {name: fast, kind: list, url: 'http://fast.test/', level: county, cadense: 30m}\n",
        encoding="utf-8",
    )
    os.utime(tmp_path / "sources.yaml", ns=(0, (tmp_path / "sources.yaml").stat().st_mtime_ns + 10_000_000))
    with caplog.at_level(logging.WARNING, logger="jobs.config_watch"):
        assert watch.poll() is None
        assert watch.poll() is None  # the same bad file is reported once
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "sources.yaml" in lines[0] and "cadense" in lines[0] and "\n" not in lines[0]
    assert snap.path(snap.sources_file).read_text(encoding="utf-8") == before
    assert watch.rejected == 1
    alerts = tmp_path / "alerts.yaml"  # the alerts file too: a bad edit keeps the old rules for the alert job
    good = snap.path(snap.alerts_file).read_text(encoding="utf-8")
    alerts.write_text("enabled: true\nrules: [{name: x, trigger: no_such_trigger}]\n", encoding="utf-8")
    os.utime(alerts, ns=(0, alerts.stat().st_mtime_ns + 10_000_000))
    assert watch.poll() is None
    assert snap.path(snap.alerts_file).read_text(encoding="utf-8") == good
    assert watch.rejected == 2


def test_an_invalid_file_at_start_stops_the_scheduler(files):
    from config.errors import ConfigError

    tmp_path, _, watch = files
    (tmp_path / "alerts.yaml").write_text("enabled: maybe\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="alerts.yaml"):
        watch.start()


def test_service_adds_drops_and_reschedules_crawl_jobs_on_a_sources_edit(files):
    tmp_path, settings, watch = files
    snap = watch.start()
    engine = open_store(settings.resolved_db_url)
    service = sch.Service(snap, engine, sch.build_jobs(snap, watch.sources), runner=InlineRunner())
    service.start()
    try:
        assert service.scheduler.get_job("crawl:fast").trigger.interval == timedelta(minutes=30)
        _sources(tmp_path / "sources.yaml", ("fast", "2h"), ("new", "45m"))
        service.apply_config(watch.settings, watch.poll())
        assert service.scheduler.get_job("crawl:fast").trigger.interval == timedelta(hours=2)
        assert service.scheduler.get_job("crawl:new").trigger.interval == timedelta(minutes=45)
        _sources(tmp_path / "sources.yaml", ("new", "45m"))
        service.apply_config(watch.settings, watch.poll())
        assert service.scheduler.get_job("crawl:fast") is None and "crawl:fast" not in service.jobs
        assert service.executor.settings is watch.settings
    finally:
        service.stop()
        engine.dispose()
