"""``ckan opendatalocale ...``: the suite's one command group.

Each feature's ``cli.py`` lists its commands in ``COMMANDS``; its plugin's
``IClick.get_commands`` returns :func:`suite_group` with them, so the group holds
the commands of the enabled plugins and nothing is attached at import time.
"""
from __future__ import annotations

import click


@click.group(short_help="ckanext-opendatalocale: SCDL, harvests, conformity, dashboard")
def opendatalocale() -> None:
    """OpenDataLocale tools for this CKAN portal."""


def suite_group(*commands: click.Command) -> click.Group:
    """The ``opendatalocale`` group with these commands added (CKAN merges the plugins' groups)."""
    for command in commands:
        opendatalocale.add_command(command)
    return opendatalocale
