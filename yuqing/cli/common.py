"""What every `yuqing` command group shares: logging setup and loading the settings named by `--config`."""

from __future__ import annotations

from config.loader import Settings, load_settings
from yuqing.console import setup_logging


def _setup_logging(verbose: int) -> None:
    setup_logging(verbose)


def _settings(args) -> Settings:
    return load_settings(args.config) if args.config else load_settings()
