"""Create the conformity results and per-resource state tables.

Revision ID: 0001_conformity_tables
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_conformity_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "odl_conformity_result",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("package_id", sa.Text, nullable=False),
        sa.Column("schema_name", sa.Text),
        sa.Column("schema_version", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("report", sa.Text),
        sa.Column("content_hash", sa.Text),
        sa.Column("engine_version", sa.Text),
        sa.Column("source_url", sa.Text),
        sa.Column("duration", sa.Float),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("checked", sa.DateTime, nullable=False),
    )
    op.create_index("ix_odl_conformity_result_resource_id", "odl_conformity_result", ["resource_id"])
    op.create_index("ix_odl_conformity_result_package_id", "odl_conformity_result", ["package_id"])
    op.create_index("ix_odl_conformity_result_created", "odl_conformity_result", ["created"])
    op.create_table(
        "odl_conformity_state",
        sa.Column("resource_id", sa.Text, primary_key=True),
        sa.Column("package_id", sa.Text, nullable=False),
        sa.Column("trigger_key", sa.Text),
        sa.Column("queued", sa.DateTime),
        sa.Column("suggested_schema_name", sa.Text),
        sa.Column("suggested_schema_version", sa.Text),
        sa.Column("suggestion_confidence", sa.Float),
        sa.Column("suggestion_evidence", sa.Text),
        sa.Column("held", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_odl_conformity_state_package_id", "odl_conformity_state", ["package_id"])


def downgrade():
    op.drop_table("odl_conformity_state")
    op.drop_table("odl_conformity_result")
