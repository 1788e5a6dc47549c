"""Opening dashboard pages under Streamlit's AppTest, for the dashboard tests: the app's path, a page opened
with link parameters (failing on any exception it shows), and a rerun that checks the same."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def rerun(at: AppTest) -> AppTest:
    """Run the page again (after a widget change) and fail on an exception it shows."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_view(view: str, *, timeout: float = 30, **params: str | list[str]) -> AppTest:
    """`views/<page>.py` opened as a link with `params` (?k=v) would open it."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(view)
    return rerun(at)
