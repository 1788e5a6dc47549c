"""What every `yuqing` command group shares: logging setup and loading the settings named by `--config`."""

from __future__ import annotations

import logging

from config.loader import Settings, load_settings


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _settings(args) -> Settings:
    return load_settings(args.config) if args.config else load_settings()
