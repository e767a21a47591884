"""Tables of the territories: the national reference of collectivités, the territories an
ATD defines (with their audit) and the obligation decisions taken on collectivités.

The dashboard defines its own tables on this MetaData; all of them are created by the
``opendatalocale_dashboard`` plugin's migrations (the plugin that exposes the territory
actions), never by ``create_all`` at run time. Defined here so that the territories floor
does not import the dashboard above it.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

# One row per collectivité of the reference; SIREN is the key because INSEE codes change
# with commune mergers and SIRENs do not, so a new vintage re-imported in place keeps links.
collectivite = sa.Table(
    "odl_collectivite", metadata,
    sa.Column("siren", sa.String(9), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("insee", sa.String(5)),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("dep", sa.String(3)),
    sa.Column("region", sa.String(3)),
    sa.Column("population_totale", sa.Integer),
    sa.Column("population_municipale", sa.Integer),
    sa.Column("population_vintage", sa.Integer),
    sa.Column("epci_siren", sa.String(9)),
    sa.Column("epci_nature", sa.String(8)),
    sa.Column("covers_deps", sa.Text),  # space-separated département codes
    sa.Column("geometry", JSONB(none_as_null=True)),  # GeoJSON (Multi)Polygon, optional
    sa.Column("source", sa.Text),  # which file/vintage the row came from
    sa.Column("updated", sa.DateTime, nullable=False),
)
sa.Index("odl_collectivite_dep_idx", collectivite.c.dep)
sa.Index("odl_collectivite_epci_idx", collectivite.c.epci_siren)

territory = sa.Table(
    "odl_territory", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("slug", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    # CKAN organisation ids whose members run this territory.
    sa.Column("organization_ids", JSONB, nullable=False, server_default="[]"),
    # {"departements": [...], "epci": [...], "sirens": [...]}: the union is the territory.
    sa.Column("rules", JSONB, nullable=False, server_default="{}"),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("modified", sa.DateTime, nullable=False),
    # {"expected_schemas": {kind: [schema, ...]}, "schema_horizons": {schema: days}}: what
    # this territory expects instead of the site's configuration (migration 0004).
    sa.Column("settings", JSONB, nullable=False, server_default="{}"),
)

# Append-only: who changed a territory, when, from where, and what (field: [before, after];
# a deletion keeps the whole definition, so it can be recreated) (migration 0004).
territory_audit = sa.Table(
    "odl_territory_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("territory_id", sa.Text, nullable=False),
    sa.Column("slug", sa.Text, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # create, update, delete
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),  # web, api, cli
    sa.Column("changes", JSONB, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)
sa.Index("odl_territory_audit_idx", territory_audit.c.territory_id, territory_audit.c.created)

# Append-only: the current decision is the latest row of a SIREN, older rows are the history.
obligation_override = sa.Table(
    "odl_obligation_override", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("siren", sa.String(9), nullable=False, index=True),
    sa.Column("territory_id", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)
