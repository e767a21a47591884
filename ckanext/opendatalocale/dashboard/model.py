"""Tables of the dashboard, on the MetaData the territories' tables are defined on (created
by the ``opendatalocale_dashboard`` migrations, never by ``create_all`` at run time)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

# One MetaData for the tables the dashboard's migrations create, its own and the territories'.
from ckanext.opendatalocale.territories.model import metadata

followup_note = sa.Table(
    "odl_followup_note", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("territory_id", sa.Text, nullable=False),
    sa.Column("siren", sa.String(9), nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    # The ATD's action log lives here too (migration 0004): "note", or an action kind
    # (training, meeting...) with the date it took place.
    sa.Column("kind", sa.String(16), nullable=False, server_default="note"),
    sa.Column("occurred", sa.Date),
)
sa.Index("odl_followup_note_idx", followup_note.c.territory_id, followup_note.c.siren)

# Indicators of one collectivité for one month (the current month is rewritten by each refresh).
snapshot = sa.Table(
    "odl_indicator_snapshot", metadata,
    sa.Column("territory_id", sa.Text, primary_key=True),
    sa.Column("siren", sa.String(9), primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("indicators", JSONB, nullable=False),
    sa.Column("computed", sa.DateTime, nullable=False),
    # Copies of the figures the table filters and sorts on, so pages page in SQL and only
    # decode the JSON of the rows they show (migration 0002).
    sa.Column("kind", sa.String(16)),
    sa.Column("search", sa.Text),  # folded name, INSEE and SIREN
    sa.Column("epci_siren", sa.String(9)),
    sa.Column("population", sa.Integer),
    sa.Column("band", sa.String(16)),
    sa.Column("obliged", sa.Boolean),
    sa.Column("is_open", sa.Boolean),
    sa.Column("level", sa.SmallInteger),  # index in indicators.LEVELS
    sa.Column("schemas", ARRAY(sa.Text)),  # schemas it publishes
    sa.Column("dataset_count", sa.Integer),
    sa.Column("scdl_rate", sa.Float),
    sa.Column("conformity_rate", sa.Float),
    sa.Column("freshness_rate", sa.Float),
    sa.Column("metadata_score", sa.Float),
    sa.Column("last_publication", sa.Text),
    sa.Column("name_key", sa.Text),
    # What the matrix shows of the row: name, INSEE and the expected schemas' cells as
    # [schema, state, version, validated_at, error_count] (migration 0003).
    sa.Column("matrix", JSONB),
)
sa.Index("odl_indicator_snapshot_month_idx", snapshot.c.territory_id, snapshot.c.month)

territory_kpi = sa.Table(
    "odl_territory_kpi", metadata,
    sa.Column("territory_id", sa.Text, primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("kpis", JSONB, nullable=False),
    sa.Column("computed", sa.DateTime, nullable=False),
)
