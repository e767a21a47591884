"""Where the suite's data packages are, in regular and editable installs alike.

``schemas/`` and ``i18n/`` sit at the repository's top level and are mapped into
the package at build time, so their place on disk is asked of the import
system, never computed from this file's path.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_dir(package: str) -> Path:
    """The directory of one of the suite's data packages (``schemas`` or ``i18n``)."""
    return Path(str(files(f"ckanext.opendatalocale.{package}")))
