"""The import contracts in pyproject.toml ([tool.importlinter]): layers, a pure analysis, no cycles.

The same check as `lint-imports` in .ci/run, here so the fast local loop catches a wrong import too. It runs in
a subprocess because import-linter puts the working directory on sys.path and reconfigures logging."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.conftest import ROOT

LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def test_import_contracts_kept() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
    proc = subprocess.run(
        [sys.executable, "-c", LINT], cwd=str(ROOT), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in proc.stdout
    assert {c["type"] for c in contracts} >= {"layers", "forbidden", "acyclic_siblings"}
