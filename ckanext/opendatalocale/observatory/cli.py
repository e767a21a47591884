"""``ckan opendatalocale observatory refresh``: compute and cache the observatory's figures
(run it after ``ckan opendatalocale consolidate`` so that no visitor waits for them)."""
from __future__ import annotations

import time

import click
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.cli import opendatalocale


@opendatalocale.group("observatory", short_help="Citizen observatory")
def observatory() -> None:
    pass


@observatory.command("refresh", short_help="Compute and cache the figures of every territory")
@click.option("--territory", "slug", help="Only this territory (slug).")
def refresh(slug: str | None) -> None:
    from ckan import model

    from ckanext.opendatalocale.territories import store

    from . import figures
    from .logic.action import cache

    conn = model.Session.connection()
    targets = store.list_territories(conn)
    if slug:
        targets = [t for t in targets if t["slug"] == slug]
        if not targets:
            raise click.ClickException(tk._("Territory not found: {slug}").format(slug=slug))
    hidden = figures.hidden_datasets(conn)
    for territory in targets:
        start = time.perf_counter()
        data = figures.territory_figures(conn, territory, cache(), hidden)
        publishers = sum(v["publishers"] for v in data["indicators"].values())
        click.echo(tk._("{territory}: {collectivites} collectivités, {publishers} indicator values, {seconds:.1f} s")
                   .format(territory=territory["slug"], collectivites=len(data["collectivites"]),
                           publishers=publishers, seconds=time.perf_counter() - start))
    figures.portal(conn, cache(), hidden)
