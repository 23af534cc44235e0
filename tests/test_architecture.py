"""The house rules, held by tests: the import-linter contracts in pyproject.toml (layers,
no mitmproxy/Schemathesis in the contract core, lint and reports, no cycles), no module over
300 lines, and no exception swallowed silently."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.spec_paths import ROOT

PACKAGE = ROOT / "conformance"
MAX_LINES = 300
_BROAD = {"Exception", "BaseException"}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(exe), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_a_wrong_import_breaks_the_layers(tmp_path: Path) -> None:
    """The contracts can fail: the contract core importing a command breaks them."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PACKAGE, tmp_path / "conformance",
                    ignore=shutil.ignore_patterns("__pycache__"))
    findings = tmp_path / "conformance" / "findings.py"
    findings.write_text(findings.read_text() + "\nimport conformance.commands.run  # noqa\n")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0
    assert "conformance.findings -> conformance.commands.run" in done.stdout


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_300_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it"


def _broad(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    names = ([kind] if not isinstance(kind, ast.Tuple) else list(kind.elts)) if kind else []
    return kind is None or any(isinstance(n, ast.Name) and n.id in _BROAD for n in names)


def _silent(handler: ast.ExceptHandler) -> bool:
    """A handler that neither raises, nor calls anything (a log, a record, a fallback that
    says why), nor uses the exception: it makes the failure disappear."""
    for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
        if isinstance(node, ast.Raise | ast.Call):
            return False
        if handler.name and isinstance(node, ast.Name) and node.id == handler.name:
            return False
    return True


def test_no_broad_exception_is_swallowed_silently() -> None:
    silent = []
    for path in _modules() + [ROOT / "proxy_addons" / "sinch_validator.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and _broad(node) and _silent(node):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == [], "broad except that hides the failure: " + ", ".join(silent)
