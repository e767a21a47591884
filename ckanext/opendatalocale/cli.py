"""``ckan opendatalocale ...``: the suite's one command group.

Features attach their sub-commands to :data:`opendatalocale` from their own
``cli.py``; each feature plugin returns this same group through ``IClick``.
"""
from __future__ import annotations

import click


@click.group(short_help="ckanext-opendatalocale: SCDL, harvests, conformity, dashboard")
def opendatalocale() -> None:
    """OpenDataLocale tools for this CKAN portal."""
