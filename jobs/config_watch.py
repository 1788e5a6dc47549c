"""`yuqing serve` picks up edits of the sources, 监测方案 and alerts files without a restart.

The scheduler's jobs read these files through a *snapshot*: at start each file is validated and copied to a
private temporary folder of this scheduler process (removed by `close()`), and the settings handed to the
jobs point there. `ConfigWatch.poll()` (called
every few seconds by the scheduler loop) compares each original's modification time and size with the last
seen; a changed file is validated with its own loader (the same `config/` loader every command uses):
valid — the snapshot is replaced and the change reported (a sources change also rebuilds the crawl jobs);
invalid — one warning line naming file, key and problem, and the jobs keep the previous snapshot until the
file is fixed. `settings.yaml` itself (database, Redis, cadences under `serve:`) still needs a restart.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.alerts import load_alerts
from config.errors import ConfigError
from config.loader import Settings, Source, load_plans, load_sources

logger = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # how often the scheduler loop calls poll()


@dataclass
class _Watched:
    key: str  # the settings field naming the file
    snapshot_name: str
    load: Callable[[Path], Any]
    original: Path
    seen: tuple[int, int] | None = None  # (mtime_ns, size) last looked at, valid or not


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


class ConfigWatch:
    """Snapshots of the watched files and their reload on change; `settings` is what the jobs receive."""

    def __init__(self, settings: Settings, snapshot_dir: Path | None = None):
        self.original_settings = settings
        self._own_dir = snapshot_dir is None
        self.snapshot_dir = snapshot_dir or Path(tempfile.mkdtemp(prefix="yuqing-serve-config-"))
        self.files = [
            _Watched("sources_file", "sources.yaml", load_sources, settings.path(settings.sources_file)),
            _Watched("plans_file", "plans.yaml", load_plans, settings.path(settings.plans_file)),
            _Watched("alerts_file", "alerts.yaml", load_alerts, settings.path(settings.alerts_file)),
        ]
        self.sources: list[Source] = []
        self.reloads = 0
        self.rejected = 0

    def start(self) -> Settings:
        """Validate and snapshot every watched file (a missing alerts file is left to the alert job, which
        reports it); raises ConfigError for an invalid one. Returns the settings pointing at the snapshots."""
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        update: dict[str, str] = {}
        for w in self.files:
            w.seen = _stamp(w.original)
            if w.seen is None and w.key == "alerts_file":
                continue
            value, staged = self._stage(w)
            if w.key == "sources_file":
                self.sources = list(value)
            self._publish(w, staged)
            update[w.key] = str(self.snapshot_dir / w.snapshot_name)
        self.settings = self.original_settings.model_copy(update=update)
        return self.settings

    def close(self) -> None:
        """Remove the snapshot folder this watch made."""
        if self._own_dir:
            shutil.rmtree(self.snapshot_dir, ignore_errors=True)

    def _stage(self, w: _Watched) -> tuple[Any, Path]:
        """Copy the file once and validate that copy: what is checked is exactly what the jobs will read, even
        if the file is written again meanwhile. Returns the loaded value and the staged copy (removed on error)."""
        target = self.snapshot_dir / w.snapshot_name
        staged = target.with_name(f"{target.stem}.staged{target.suffix}")
        shutil.copyfile(w.original, staged)
        try:
            return w.load(staged), staged
        except ConfigError as exc:  # the message names the file the operator edits, not the staged copy
            staged.unlink(missing_ok=True)
            raise ConfigError(str(exc).replace(str(staged), str(w.original)).replace(staged.name, w.original.name)) from None
        except BaseException:
            staged.unlink(missing_ok=True)
            raise

    def _publish(self, w: _Watched, staged: Path) -> None:
        # a job starting now reads the old file or the new one, never half of one
        os.replace(staged, self.snapshot_dir / w.snapshot_name)

    def poll(self) -> list[Source] | None:
        """Reload what changed; returns the new sources when the sources file changed (and is valid)."""
        new_sources = None
        for w in self.files:
            stamp = _stamp(w.original)
            if stamp == w.seen or stamp is None:
                if stamp is None and w.seen is not None:
                    logger.warning("config file %s is gone: keeping the previous version", w.original)
                    w.seen = None
                continue
            w.seen = stamp
            try:
                value, staged = self._stage(w)
            except ConfigError as exc:
                self.rejected += 1
                logger.warning("config file changed but is invalid, keeping the previous version: %s",
                               " ".join(str(exc).split()))  # fmt: skip
                continue
            except OSError as exc:  # half-written or unreadable right now: the next poll tries again
                w.seen = None
                logger.warning("config file %s could not be read (%s): keeping the previous version", w.original, exc)
                continue
            self._publish(w, staged)
            if self.settings.model_dump().get(w.key) != str(self.snapshot_dir / w.snapshot_name):
                self.settings = self.settings.model_copy(update={w.key: str(self.snapshot_dir / w.snapshot_name)})
            self.reloads += 1
            logger.info("config file %s changed: reloaded", w.original)
            if w.key == "sources_file":
                self.sources = list(value)
                new_sources = self.sources
        return new_sources
