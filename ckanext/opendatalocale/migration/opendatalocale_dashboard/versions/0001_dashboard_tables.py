"""Create the dashboard tables: collectivités, territories, overrides, notes, snapshots.

Revision ID: 0001_dashboard_tables
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_dashboard_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "odl_collectivite",
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
        sa.Column("covers_deps", sa.Text),
        sa.Column("geometry", JSONB),
        sa.Column("source", sa.Text),
        sa.Column("updated", sa.DateTime, nullable=False),
    )
    op.create_index("odl_collectivite_dep_idx", "odl_collectivite", ["dep"])
    op.create_index("odl_collectivite_epci_idx", "odl_collectivite", ["epci_siren"])
    op.create_table(
        "odl_territory",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("slug", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("organization_ids", JSONB, nullable=False, server_default="[]"),
        sa.Column("rules", JSONB, nullable=False, server_default="{}"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("modified", sa.DateTime, nullable=False),
    )
    op.create_table(
        "odl_obligation_override",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("territory_id", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("ix_odl_obligation_override_siren", "odl_obligation_override", ["siren"])
    op.create_table(
        "odl_followup_note",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("territory_id", sa.Text, nullable=False),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("odl_followup_note_idx", "odl_followup_note", ["territory_id", "siren"])
    op.create_table(
        "odl_indicator_snapshot",
        sa.Column("territory_id", sa.Text, primary_key=True),
        sa.Column("siren", sa.String(9), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("indicators", JSONB, nullable=False),
        sa.Column("computed", sa.DateTime, nullable=False),
    )
    op.create_table(
        "odl_territory_kpi",
        sa.Column("territory_id", sa.Text, primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("kpis", JSONB, nullable=False),
        sa.Column("computed", sa.DateTime, nullable=False),
    )


def downgrade():
    for table in ("odl_territory_kpi", "odl_indicator_snapshot", "odl_followup_note",
                  "odl_obligation_override", "odl_territory", "odl_collectivite"):
        op.drop_table(table)
