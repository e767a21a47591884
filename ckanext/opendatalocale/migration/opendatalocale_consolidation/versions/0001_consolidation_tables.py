"""Create the territorial consolidation tables: sets, sources, rows, rejects, read log.

Revision ID: 0001_consolidation_tables
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_consolidation_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "odl_consolidation_set",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("territory_id", sa.Text, nullable=False),
        sa.Column("schema_name", sa.Text, nullable=False),
        sa.Column("latest_version", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejects", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
        sa.Column("resources", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sirens", JSONB, nullable=False, server_default="[]"),
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
        sa.Column("last_run", sa.DateTime),
        sa.Column("last_full_run", sa.DateTime),
        sa.Column("dataset_id", sa.Text),
        sa.Column("dataset_name", sa.Text),
        sa.Column("csv_resource_id", sa.Text),
        sa.Column("reject_resource_id", sa.Text),
        sa.Column("notes", JSONB, nullable=False, server_default="[]"),
        sa.UniqueConstraint("territory_id", "schema_name", name="odl_consolidation_set_key"),
    )
    op.create_table(
        "odl_consolidation_source",
        sa.Column("set_id", sa.Text, primary_key=True),
        sa.Column("resource_id", sa.Text, primary_key=True),
        sa.Column("package_id", sa.Text, nullable=False),
        sa.Column("siren", sa.String(9)),
        sa.Column("collectivite", sa.Text),
        sa.Column("content_key", sa.Text, nullable=False),
        sa.Column("content_hash", sa.Text),
        sa.Column("source_version", sa.Text),
        sa.Column("read_at", sa.DateTime, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejects", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("notes", JSONB, nullable=False, server_default="[]"),
        sa.Column("period_start", sa.Date),
        sa.Column("period_end", sa.Date),
    )
    op.create_table(
        "odl_consolidation_row",
        sa.Column("set_id", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("winner", sa.Boolean, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
    )
    op.create_index("odl_consolidation_row_source_idx", "odl_consolidation_row",
                    ["set_id", "resource_id", "row_number"])
    op.create_index("odl_consolidation_row_key_idx", "odl_consolidation_row", ["set_id", "key"])
    op.create_table(
        "odl_consolidation_reject",
        sa.Column("set_id", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("row_number", sa.Integer),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("reason", JSONB, nullable=False),
    )
    op.create_index("odl_consolidation_reject_source_idx", "odl_consolidation_reject", ["set_id", "resource_id"])
    op.create_table(
        "odl_consolidation_read",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("set_id", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("read_at", sa.DateTime, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("rejects", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
    )
    op.create_index("odl_consolidation_read_set_idx", "odl_consolidation_read", ["set_id", "read_at"])


def downgrade():
    for table in ("odl_consolidation_read", "odl_consolidation_reject", "odl_consolidation_row",
                  "odl_consolidation_source", "odl_consolidation_set"):
        op.drop_table(table)
