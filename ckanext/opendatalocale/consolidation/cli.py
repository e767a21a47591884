"""``ckan opendatalocale consolidate``: run the consolidation inline (for cron)."""
from __future__ import annotations

import click
import ckan.plugins.toolkit as tk


@click.command("consolidate", short_help="Territorial consolidation of SCDL resources")
@click.option("--territory", "slug", help="Only this territory (slug).")
@click.option("--schema", "schemas", multiple=True, help="Only this schema (repeatable), e.g. scdl/subventions.")
@click.option("--full", is_flag=True, help="Read every resource again, changed or not.")
@click.option("--queue", "queued", is_flag=True, help="Queue a background job instead of running here.")
def consolidate(slug: str | None, schemas: tuple[str, ...], full: bool, queued: bool) -> None:
    """Bring the consolidated sets up to date: only resources whose content changed are read."""
    from ckanext.opendatalocale.scdl.registry import UnknownSchema

    from . import jobs

    if queued:
        job = jobs.enqueue(slug, list(schemas), full)
        click.echo(tk._("Consolidation queued (job {id}).").format(id=job.id))
        return
    try:
        results = jobs.run_territories(slug, list(schemas), full)
    except tk.ObjectNotFound as error:
        raise click.ClickException(str(error.message if hasattr(error, "message") else error))
    except UnknownSchema as error:
        raise click.ClickException(error.message["en"])
    for item in results:
        click.echo(tk._("{territory} {schema}: {read} read, {removed} removed, {rows} rows, {rejects} rejected, "
                        "dataset {dataset}").format(
            territory=item["territory"], schema=item["schema"], read=len(item["read"]),
            removed=len(item["removed"]), rows=item["rows"], rejects=item["rejects"],
            dataset=item["dataset"] or "-"))
    if not results:
        click.echo(tk._("Nothing to consolidate."))


COMMANDS = [consolidate]
