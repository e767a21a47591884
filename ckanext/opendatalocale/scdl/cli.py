"""``ckan opendatalocale schemas list|sync``."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import click

from ckanext.opendatalocale.http import from_ckan_config

from . import sync as scdl_sync
from . import utils


@click.group(short_help="SCDL schema registry: list, sync from schema.data.gouv.fr")
def schemas() -> None:
    """Schemas known to this portal (shipped with the extension, plus synced ones)."""


@schemas.command("list")
def list_schemas() -> None:
    """Every schema with its versions (latest last) and where it comes from."""
    registry = utils.registry()
    for name in registry.names():
        entry = registry.get(name)
        marker = "SCDL" if entry.is_scdl else "    "
        click.echo(f"{marker} {name:<34} {', '.join(registry.versions(name))}  ({entry.title})")
    store = utils.store_dir()
    click.echo(f"store: {store or '-'}")
    if registry.store_error:
        click.secho(f"store ignored: {registry.store_error}", fg="red", err=True)


@schemas.command("sync")
@click.option("--catalog-url", default=scdl_sync.DEFAULT_CATALOG_URL, show_default=True,
              help="A catalogue in the schema.data.gouv.fr format.")
@click.option("--include", "include", multiple=True, metavar="NAME",
              help="Also take this non-SCDL schema of the catalogue (repeatable).")
@click.option("--all", "include_all", is_flag=True, help="Take every Table Schema of the catalogue.")
def sync_schemas(catalog_url: str, include: tuple[str, ...], include_all: bool) -> None:
    """Download the versions this portal does not know yet into the store."""
    store = utils.store_dir()
    if not store:
        raise click.ClickException(
            f"No store directory: set {utils.STORE_DIR_OPTION} or ckan.storage_path."
        )
    include_non_scdl: bool | tuple[str, ...] = True if include_all else (include or False)
    # The portal's HTTP settings apply (timeouts, size cap, internal-address guard).
    with from_ckan_config(tk.config) as client:
        report = scdl_sync.sync_catalog(
            catalog_url, store, fetch=lambda url: client.get(url).content, include_non_scdl=include_non_scdl
        )
    for name, version in report.added:
        click.echo(f"+ {name}@{version}")
    for name, version in report.removed:
        click.echo(f"- {name}@{version} (gone from the catalogue, kept)")
    for error in report.errors:
        click.secho(f"! {error.message['en']}", fg="red", err=True)
    if not report.added and not report.removed and not report.errors:
        click.echo(f"Up to date ({len(report.unchanged)} versions).")
    else:
        click.echo(f"{len(report.added)} added, {len(report.removed)} gone upstream, "
                   f"{len(report.unchanged)} unchanged, {len(report.errors)} errors.")
    if report.catalog_failed:
        raise click.exceptions.Exit(1)


COMMANDS = [schemas]
