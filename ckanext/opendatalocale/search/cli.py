"""``ckan opendatalocale search optimize``."""
from __future__ import annotations

import click



@click.group(short_help="The PostgreSQL search index")
def search() -> None:
    """OpenDataLocale's PostgreSQL search backend (`ckan search-index ...` rebuilds it)."""


@search.command("optimize")
def optimize() -> None:
    """Recount facet values and term ids, count the facets of the most frequent
    words, then vacuum and analyse the index tables.

    Run it after `ckan search-index rebuild` or any bulk load (a rebuild
    leaves the previous row versions behind until they are vacuumed, and
    searches visit them), and from cron: one-word queries for frequent words
    read the counts it makes until the next index write.
    """
    import pysolr
    from ckan.lib.search.common import make_connection

    from .backend import postgres_selected

    if not postgres_selected():
        raise click.ClickException("The search backend is not PostgreSQL: nothing to do.")
    try:
        make_connection().optimize()
    except pysolr.SolrError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Search index optimised: facet counts recounted, frequent words counted, "
               "tables vacuumed and analysed.")


COMMANDS = [search]
