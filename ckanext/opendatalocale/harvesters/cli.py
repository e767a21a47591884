"""``ckan opendatalocale harvest preview TYPE URL [--config JSON] [--timeout SECONDS]``."""
from __future__ import annotations

import json

import click

from ckanext.opendatalocale.harvesters import common
from ckanext.opendatalocale.harvesters.registry import HARVESTERS, harvester_for


@click.group(short_help="Harvest sources: preview what a source would create")
def harvest() -> None:
    """OpenDataLocale harvesters (ckanext-harvest runs the jobs: `ckan harvester ...`)."""


@harvest.command("preview")
@click.argument("source_type", type=click.Choice(sorted(HARVESTERS) + ["scdl-catalogue"]))
@click.argument("url")
@click.option("--config", "config", default=None, help="The source config, as JSON.")
@click.option("--limit", default=10, show_default=True, help="Datasets to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds the whole preview may take (default: ckanext.opendatalocale.harvest.preview_timeout; "
                   "0: no limit).")
def preview(source_type: str, url: str, config: str | None, limit: int, as_json: bool,
            timeout: float | None) -> None:
    """List the first datasets the source would create, with their detected schemas.

    A source too slow for the time limit lists the datasets read by then, with
    a warning on stderr."""
    harvester = harvester_for(source_type)
    if source_type == "scdl-catalogue":
        data = json.loads(config or "{}")
        data["catalogue"] = True
        config = json.dumps(data)
    try:
        result = harvester.preview(url, config, limit=limit, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - show the reason, French first
        message = common.error_message(exc)
        raise click.ClickException(f"{message['fr']}\n{message['en']}") from exc
    datasets = result.datasets
    if result.stopped:
        click.echo(f"{result.stopped['fr']}\n{result.stopped['en']}", err=True)
    if as_json:
        click.echo(json.dumps(datasets, ensure_ascii=False, indent=2))
        return
    for dataset in datasets:
        click.echo(f"{dataset['title']}  [{dataset['guid']}]")
        for resource in dataset["resources"]:
            schema = (f"{resource['schema_name']} {resource['schema_version']} ({resource['schema_detection']})"
                      if resource.get("schema_name") else "-")
            click.echo(f"    {resource.get('format') or '?':<8} {schema}  {resource.get('url')}")
    click.echo(f"{len(datasets)} dataset(s)")


COMMANDS = [harvest]
