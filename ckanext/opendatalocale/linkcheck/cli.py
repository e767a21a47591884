"""``ckan opendatalocale links check [--territory SLUG]``, for cron."""
from __future__ import annotations

import click
import ckan.plugins.toolkit as tk


@click.group(short_help="Resource link checker (indicator I9)")
def links() -> None:
    """Check the resource links of the ATD territories."""


@links.command("check")
@click.option("--territory", "slug", help="Only this territory (slug).")
@click.option("--force", is_flag=True, help="Also check the links a server asked to come back to later.")
def check(slug: str | None, force: bool) -> None:
    """Check every resource link of the territories' datasets (inline; run it from cron,
    before ``ckan opendatalocale dashboard refresh``)."""
    from ckan import model

    from ckanext.opendatalocale.territories import store as territories

    from .jobs import check_territory

    conn = model.Session.connection()
    targets = [territories.get_territory(conn, slug)] if slug else territories.list_territories(conn)
    if slug and targets[0] is None:
        raise click.ClickException(tk._("Territory not found: {slug}").format(slug=slug))
    for territory in targets:
        counts = check_territory(conn, territory, force)
        model.Session.commit()
        click.echo(tk._("{slug}: {checked} links checked, {ok} available, {unchanged} unchanged, "
                        "{broken} broken, {deferred} deferred.").format(
            slug=territory["slug"], checked=counts["checked"], ok=counts["ok"],
            unchanged=counts["not_modified"], broken=counts["broken"],
            deferred=counts["deferred"] + counts["waiting"]))


COMMANDS = [links]
