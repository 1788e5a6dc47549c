"""The import contracts in pyproject.toml ([tool.importlinter]): layers, a pure analysis, no cycles; and no
configuration loaded below the jobs layer (an AST check: import-linter sees modules, not functions).

The same check as `lint-imports` in .ci/run, here so the fast local loop catches a wrong import too. It runs in
a subprocess because import-linter puts the working directory on sys.path and reconfigures logging."""

from __future__ import annotations

import ast
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


# Below the jobs layer nothing loads configuration: entry points (the CLI, the dashboard, benchmarks, the jobs
# given settings) load it once and pass it down. crawler/settings.py is what a bare `scrapy crawl` reads: an
# entry point too, and the one module below jobs that loads files for spiders and pipelines started that way.
BELOW_JOBS = ("analysis", "crawler", "store")
SCRAPY_ENTRY_POINT = "crawler/settings.py"
CONFIG_FILE_ACCESS = {"read_yaml", "CONFIG_DIR", "ROOT", "settings_file", "sitewatch_file"}


def _config_loading(tree: ast.AST) -> list[str]:
    """What in a module loads configuration: a `load_*` function (or the file helpers) from config, or a
    path built into the config folder."""
    found = []
    config_names = (
        set()
    )  # local names bound to config modules (`import config.x as y`, `from config import x`)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "config":
            for alias in node.names:
                if (
                    alias.name.startswith("load_")
                    or alias.name in CONFIG_FILE_ACCESS
                    or node.module == "config.files"
                ):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                elif node.module == "config":
                    config_names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "config":
                    config_names.add(alias.asname or "config")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (
            node.attr.startswith("load_") or node.attr in CONFIG_FILE_ACCESS
        ):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in config_names:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            if any(
                isinstance(s, ast.Constant) and s.value in ("config", "config/")
                for s in (node.left, node.right)
            ):
                found.append(f"line {node.lineno}: path into config/: {ast.unparse(node)}")
        elif isinstance(node, ast.Call):  # Path("config/x.yaml"), open("config/x.yaml")
            for arg in node.args:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and arg.value.startswith("config/")
                ):
                    found.append(f"line {node.lineno}: path into config/: {arg.value!r}")
    return found


def test_nothing_below_jobs_loads_configuration() -> None:
    offenders = {}
    for package in BELOW_JOBS:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel == SCRAPY_ENTRY_POINT:
                continue
            found = _config_loading(ast.parse(path.read_text(encoding="utf-8")))
            if found:
                offenders[rel] = found
    assert not offenders, (
        f"configuration loaded below the jobs layer (load it in an entry point): {offenders}"
    )


def test_configuration_check_catches_a_loader() -> None:
    assert _config_loading(ast.parse("from config.sitewatch import load_sitewatch_config"))
    assert _config_loading(ast.parse("import config.response_rules as r\nr.load_rules()"))
    assert _config_loading(ast.parse("from pathlib import Path\nP = Path(__file__).parents[1] / 'config'"))
    assert _config_loading(ast.parse("from config.files import CONFIG_DIR"))
    assert not _config_loading(ast.parse("from config.impersonation import ImpersonationConfig"))
    assert _config_loading(ast.parse((ROOT / SCRAPY_ENTRY_POINT).read_text(encoding="utf-8")))
