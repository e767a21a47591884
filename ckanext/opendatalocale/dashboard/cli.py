"""``ckan opendatalocale territories ...`` and ``ckan opendatalocale dashboard refresh``."""
from __future__ import annotations

from pathlib import Path

import click
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.territories import outlines, reference, store


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
              help="GeoJSON or TopoJSON of commune outlines (property code_insee).")
@click.option("--shipped-outlines", is_flag=True,
              help="Also load the commune and EPCI outlines shipped with the suite (whole country).")
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
    for outlines_file in filter(None, (geometry, outlines.NATIONAL_OUTLINES if shipped_outlines else None)):
        _load_outlines(conn, outlines_file, "code_insee")
    _commit()


def _load_outlines(conn, path: Path, code_property: str) -> None:
    try:
        communes, epci = outlines.read_outlines(path, communes_property=code_property)
    except (ValueError, KeyError, OSError) as error:  # JSON errors are ValueErrors
        raise click.ClickException(tk._("Cannot read the outlines in {path}: {error}").format(
            path=path, error=error))
    matched = store.import_outlines(conn, communes)
    click.echo(tk._("{count} commune outlines loaded.").format(count=matched))
    if epci:
        matched = store.import_outlines(conn, epci, kind="epci")
        click.echo(tk._("{count} EPCI outlines loaded.").format(count=matched))


@territories.command("import-outlines")
@click.option("--from", "source", default="shipped", show_default=True,
              help="'shipped' (the suite's national outlines), or a GeoJSON FeatureCollection of "
                   "communes or a TopoJSON with objects 'communes' and 'epci' (.gz accepted).")
@click.option("--code-property", default="code_insee", show_default=True,
              help="Property holding the commune's INSEE code (e.g. 'code' for Etalab's contours).")
def import_outlines(source: str, code_property: str) -> None:
    """Attach outlines to the collectivités already imported (run `territories import` first)."""
    path = outlines.NATIONAL_OUTLINES if source == "shipped" else Path(source)
    if not path.exists():
        raise click.ClickException(tk._("No such file: {path}").format(path=path))
    conn = _connection()
    _load_outlines(conn, path, code_property)
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
    """Create or redefine a territory (same slug: rules replaced), through the territory
    actions: same validation and an audit row (origin "cli")."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"ignore_auth": True, "user": site_user, "odl_origin": "cli"}
    slug = slug or store.slugify(name)
    payload = {"name": name, "slug": slug, "description": description, "departements": list(deps),
               "epci": list(epcis), "sirens": list(sirens), "organizations": list(orgs)}
    existing = store.get_territory(_connection(), slug)
    try:
        if existing:
            territory = tk.get_action("territory_update")(context, {**payload, "id": existing["id"]})
        else:
            territory = tk.get_action("territory_create")(context, payload)
    except tk.ValidationError as error:
        raise click.ClickException(tk._("Territory not saved: {errors}").format(errors=error.error_summary))
    members = store.territory_reference(_connection(), territory["rules"])
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
