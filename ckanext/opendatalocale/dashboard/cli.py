"""``ckan opendatalocale territories ...`` and ``ckan opendatalocale dashboard refresh``."""
from __future__ import annotations

from pathlib import Path

import click
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.territories import reference, store


def _connection():
    from ckan import model

    return model.Session.connection()


def _commit():
    from ckan import model

    model.Session.commit()


@click.group(short_help="Collectivités reference and ATD territories")
def territories() -> None:
    """Load the collectivités reference and define ATD territories."""


@territories.command("import")
@click.option("--file", "path", type=click.Path(exists=True, path_type=Path),
              help="National file (collectivites.csv[.gz]) or a folder of extracts "
                   "(communes_XX.csv, epci_XX.csv...). Default: the file shipped with the suite.")
@click.option("--geometry", type=click.Path(exists=True, path_type=Path),
              help="GeoJSON of commune outlines (property code_insee).")
@click.option("--shipped-outlines", is_flag=True,
              help="Also load the commune outlines shipped with the suite (Morbihan, for the demo).")
@click.option("--dep", "deps", multiple=True, help="Only these départements (repeatable).")
@click.option("--population-vintage", type=int, help="Population vintage of an extract folder.")
def import_(path: Path | None, geometry: Path | None, shipped_outlines: bool, deps: tuple[str, ...],
            population_vintage: int | None) -> None:
    """Insert or update collectivités by SIREN (links survive a new COG vintage)."""
    if path is None:
        ref, source = reference.load_national(), f"national:COG {reference.national_vintage()['cog']}"
    elif path.is_dir():
        ref, source = reference.load_extract(path, population_vintage=population_vintage,
                                             epci_population_vintage=population_vintage), str(path)
    else:
        ref, source = reference.read_national(path), str(path)
    if deps:
        ref = ref.filter(dep=set(deps))
    conn = _connection()
    count = store.import_reference(conn, ref, source)
    click.echo(tk._("{count} collectivités imported or updated.").format(count=count))
    for outlines in filter(None, (geometry, reference.MORBIHAN_OUTLINES if shipped_outlines else None)):
        matched = store.import_outlines(conn, reference.load_outlines(outlines))
        click.echo(tk._("{count} commune outlines loaded.").format(count=matched))
    _commit()


@territories.command("define")
@click.argument("name")
@click.option("--slug", help="URL name (default: derived from NAME).")
@click.option("--dep", "deps", multiple=True, help="Département code (repeatable).")
@click.option("--epci", "epcis", multiple=True, help="EPCI SIREN (repeatable).")
@click.option("--siren", "sirens", multiple=True, help="Collectivité SIREN (repeatable).")
@click.option("--org", "orgs", multiple=True, help="CKAN organisation name or id (repeatable).")
@click.option("--description", default="")
def define(name: str, slug: str | None, deps, epcis, sirens, orgs, description: str) -> None:
    """Create or redefine a territory (same slug: rules replaced)."""
    org_ids = []
    for org in orgs:
        try:
            org_ids.append(tk.get_action("organization_show")({"ignore_auth": True}, {"id": org})["id"])
        except tk.ObjectNotFound:
            raise click.ClickException(tk._("Organisation not found: {org}").format(org=org))
    conn = _connection()
    territory = store.define_territory(conn, name, departements=deps, epci=epcis, sirens=sirens,
                                       organization_ids=org_ids, slug=slug, description=description)
    members = store.territory_reference(conn, territory["rules"])
    _commit()
    click.echo(tk._("Territory {slug}: {count} collectivités.").format(slug=territory["slug"],
                                                                      count=len(members)))


@click.group(short_help="ATD dashboard snapshots")
def dashboard() -> None:
    """Compute the dashboard's indicators."""


@dashboard.command("refresh")
@click.option("--territory", "slug", help="Only this territory (slug).")
def refresh(slug: str | None) -> None:
    """Recompute indicators into this month's snapshot (inline)."""
    from . import refresh as refreshing
    from .settings import indicator_settings, obligation_rules

    conn = _connection()
    targets = [store.get_territory(conn, slug)] if slug else store.list_territories(conn)
    if slug and targets[0] is None:
        raise click.ClickException(tk._("Territory not found: {slug}").format(slug=slug))
    settings, rules = indicator_settings(tk.config), obligation_rules(tk.config)
    for territory in targets:
        kpis = refreshing.refresh_territory(conn, territory, settings, rules)
        _commit()
        click.echo(tk._("{slug}: {open} of {count} collectivités open.").format(
            slug=territory["slug"], open=kpis["open"], count=kpis["collectivites"]))


COMMANDS = [territories, dashboard]
