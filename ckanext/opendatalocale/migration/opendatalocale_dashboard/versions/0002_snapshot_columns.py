"""Snapshot columns for filtering, sorting and paging in SQL.

Revision ID: 0002_snapshot_columns
Revises: 0001_dashboard_tables
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0002_snapshot_columns"
down_revision = "0001_dashboard_tables"
branch_labels = None
depends_on = None

COLUMNS = (
    ("kind", sa.String(16)), ("search", sa.Text), ("epci_siren", sa.String(9)),
    ("population", sa.Integer), ("band", sa.String(16)), ("obliged", sa.Boolean),
    ("is_open", sa.Boolean), ("level", sa.SmallInteger), ("schemas", ARRAY(sa.Text)),
    ("dataset_count", sa.Integer), ("scdl_rate", sa.Float), ("conformity_rate", sa.Float),
    ("freshness_rate", sa.Float), ("metadata_score", sa.Float), ("last_publication", sa.Text),
    ("name_key", sa.Text),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("odl_indicator_snapshot", sa.Column(name, type_))
    op.create_index("odl_indicator_snapshot_month_idx", "odl_indicator_snapshot", ["territory_id", "month"])


def downgrade():
    op.drop_index("odl_indicator_snapshot_month_idx", "odl_indicator_snapshot")
    for name, _ in reversed(COLUMNS):
        op.drop_column("odl_indicator_snapshot", name)
