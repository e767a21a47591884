"""Territories edited in the browser: per-territory settings (expected SCDL per kind of
collectivité, freshness horizons) and the audit of every change.

Revision ID: 0004_territory_audit
Revises: 0003_snapshot_matrix
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_territory_audit"
down_revision = "0004_programme_tables"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("odl_territory", sa.Column("settings", JSONB, nullable=False, server_default="{}"))
    op.create_table(
        "odl_territory_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("territory_id", sa.Text, nullable=False),
        sa.Column("slug", sa.Text, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("changes", JSONB, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("odl_territory_audit_idx", "odl_territory_audit", ["territory_id", "created"])


def downgrade():
    op.drop_index("odl_territory_audit_idx", "odl_territory_audit")
    op.drop_table("odl_territory_audit")
    op.drop_column("odl_territory", "settings")
