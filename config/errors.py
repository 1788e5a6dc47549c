"""The one configuration error and the one way a bad file is reported: `<file>: <key>: <problem>`.

Every loader in `config/` raises :class:`ConfigError` and formats validation errors with
:func:`format_validation_error`, so a typo reads the same in settings.yaml, sources.yaml, keywords.yaml,
official_sites.yaml, impersonation.yaml and response_rules.yaml.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError


class ConfigError(ValueError):
    """Invalid configuration; the message names the file, the key and the problem."""


def format_validation_error(file: str | Path, exc: ValidationError, prefix: str = "") -> str:
    """One line per problem, `<file>: <dotted.key[i]>: <message>`, joined with "; " (unknown keys: "typo?")."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
        key = f"{prefix}{loc}" if loc else prefix.rstrip(".") or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        lines.append(f"{file}: {key}: {msg}")
    return "; ".join(lines)
