"""Where the configuration files live and how a YAML file is read (a missing file or bad YAML is a
:class:`config.errors.ConfigError` naming the file). Only the loaders in `config/` use this module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "config"


def read_yaml(file: Path) -> Any:
    """The parsed YAML document of `file` (None when empty)."""
    try:
        with file.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{file}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: invalid YAML: {exc}".replace("\n", " ")) from None
