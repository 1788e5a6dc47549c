"""What every `yuqing` command group shares: loading the settings named by `--config`."""

from __future__ import annotations

from config.loader import Settings, load_settings


def _settings(args) -> Settings:
    return load_settings(args.config) if args.config else load_settings()
