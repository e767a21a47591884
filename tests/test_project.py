"""Project-wide checks: documentation and translations stay complete."""
from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO_ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True, text=True)


def test_configuration_docs_list_every_declared_option():
    result = _run("scripts/config_docs.py", "--check")
    assert result.returncode == 0, result.stderr


def test_every_message_has_a_french_translation():
    result = _run("scripts/build_i18n.py", "--check")
    assert result.returncode == 0, result.stderr


def test_readme_documents_every_config_option():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/configuration.md" in readme
    assert "make demo" in readme and "make test" in readme
