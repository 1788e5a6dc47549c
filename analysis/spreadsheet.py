"""The one spreadsheet formula-injection guard, shared by every CSV and Excel file the project writes.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and `\t`/`\r` can hide
such a start), so crawled text in an export could run `=HYPERLINK(...)` or worse when an analyst opens
the file (OWASP "CSV injection"). Text cells that start so get a leading apostrophe: spreadsheets then
show the text as typed and never evaluate it. Numbers and dates are written as typed cells, not guarded.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> str:
    """Cell text a spreadsheet will not run as a formula; None becomes the empty string."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_STARTS) else s
