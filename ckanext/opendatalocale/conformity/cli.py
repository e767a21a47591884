"""``ckan opendatalocale validate`` and ``ckan opendatalocale conformity run``."""
from __future__ import annotations

import datetime
import json
import sys
from collections import Counter
from typing import Any

import click

from ckanext.opendatalocale.web import language

EXIT_VALID, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


@click.command("validate")
@click.argument("source")
@click.option("--schema", "schema_ref", required=True,
              help="Schema name, optionally with a version: scdl/subventions or scdl/subventions@2.1.1")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--max-errors", type=int, default=None, help="Errors listed in detail (all are counted).")
def validate_command(source: str, schema_ref: str, output: str, max_errors: int | None) -> None:
    """Check a local file or a URL against a schema (exit 0 valid, 1 invalid, 2 error)."""
    from ckanext.opendatalocale.scdl.registry import UnknownSchema
    from ckanext.opendatalocale.scdl.utils import registry

    from . import settings, sources
    from .engine import validate

    name, _, version = schema_ref.partition("@")
    try:
        entry = registry().get(name, version or None)
    except UnknownSchema as exc:
        click.echo(exc.message[language()], err=True)
        sys.exit(EXIT_ERROR)
    limits = settings.limits()
    if "://" in source:
        try:
            stream, _hash, _size = sources.spool(sources.url_chunks(source), limits.max_bytes)
        except sources.SourceUnavailable as exc:
            note = exc.note[language()] if isinstance(exc.note, dict) else exc.note
            click.echo(note, err=True)
            sys.exit(EXIT_ERROR)
        target: Any = stream
    else:
        target = source
    report = validate(target, entry.descriptor, schema_name=entry.name, schema_version=entry.version,
                      limits=limits, max_errors=max_errors or settings.max_errors())
    if output == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        lang = language()
        click.echo(f"{entry.name} {entry.version}: {report.status}")
        click.echo(report.summary[lang])
        for error in report.errors:
            click.echo(f"  - {error.message[lang]}")
        if report.truncated:
            click.echo(f"  … {report.error_count - len(report.errors)} more")
        for warning in report.warnings:
            click.echo(f"  ! {warning.message[lang]}")
    sys.exit({"valid": EXIT_VALID, "invalid": EXIT_INVALID}.get(report.status, EXIT_ERROR))


@click.group("conformity")
def conformity() -> None:
    """Conformity checks of the portal's resources."""


def _selected_resources(all_: bool, org: str | None, schema: str | None, stale: bool) -> list[str]:
    import ckan.model as model

    from .model import ConformityResult

    query = (model.Session.query(model.Resource)
             .join(model.Package, model.Package.id == model.Resource.package_id)
             .filter(model.Resource.state == "active", model.Package.state == "active"))
    if org:
        group = model.Group.get(org)
        if group is None:
            raise click.BadParameter(f"unknown organisation {org}", param_hint="--org")
        query = query.filter(model.Package.owner_org == group.id)
    ids = []
    for resource in query:
        name = ((resource.extras or {}).get("schema_name") or "").strip()
        if not name:
            continue
        if schema and name != schema:
            continue
        ids.append(resource.id)
    if stale and not all_:
        from . import settings

        limit = datetime.datetime.utcnow() - datetime.timedelta(days=settings.stale_days())
        fresh = set()
        for resource_id in ids:
            latest = ConformityResult.latest(resource_id)
            if latest is not None and latest.checked >= limit:
                fresh.add(resource_id)
        ids = [i for i in ids if i not in fresh]
    return ids


@conformity.command("run")
@click.option("--all", "all_", is_flag=True, help="Every resource that declares a schema.")
@click.option("--org", default=None, help="Only this organisation's datasets (name or id).")
@click.option("--schema", default=None, help="Only resources declaring this schema (e.g. scdl/subventions).")
@click.option("--stale", is_flag=True, help="Only resources not checked for ckanext.opendatalocale.conformity.stale_days.")
@click.option("--force", is_flag=True, help="Check again even when the file did not change.")
@click.option("--queue", "to_queue", is_flag=True, help="Queue background jobs instead of checking here.")
def run(all_: bool, org: str | None, schema: str | None, stale: bool, force: bool, to_queue: bool) -> None:
    """Check resources again (for a cron job: remote files change without notice)."""
    from . import jobs

    if not (all_ or org or schema or stale):
        raise click.UsageError("choose --all, --org, --schema or --stale")
    ids = _selected_resources(all_, org, schema, stale)
    outcomes: Counter = Counter()
    with click.progressbar(ids, label="Conformity", show_pos=True) as bar:
        for resource_id in bar:
            if to_queue:
                jobs.enqueue(resource_id, force=force)
                outcomes["queued"] += 1
                continue
            try:
                outcome = jobs.check_resource(resource_id, force=force)
            except Exception as exc:  # one broken resource must not stop the run
                import ckan.model as model

                model.Session.rollback()
                click.echo(f"\n{resource_id}: {type(exc).__name__}: {exc}", err=True)
                outcomes["crashed"] += 1
                continue
            if outcome is None:
                outcomes["skipped"] += 1
            else:
                outcomes[outcome["status"]] += 1
                if outcome.get("skipped"):
                    outcomes["unchanged"] += 1
    click.echo(f"{len(ids)} resource(s): " + (", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing to do"))


COMMANDS = [validate_command, conformity]
