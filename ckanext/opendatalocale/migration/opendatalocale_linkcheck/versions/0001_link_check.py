"""The link checker's per-resource table.

Revision ID: 0001_link_check
Revises:
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_link_check"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "odl_link_check",
        sa.Column("resource_id", sa.Text, primary_key=True),
        sa.Column("package_id", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("ok", sa.Boolean),
        sa.Column("status", sa.Integer),
        sa.Column("code", sa.String(40)),
        sa.Column("method", sa.String(4)),
        sa.Column("message", JSONB),
        sa.Column("final_url", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("checked_at", sa.DateTime),
        sa.Column("last_success", sa.DateTime),
        sa.Column("last_error_at", sa.DateTime),
        sa.Column("last_error", JSONB),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_check", sa.DateTime),
    )
    op.create_index("odl_link_check_package_idx", "odl_link_check", ["package_id"])


def downgrade():
    op.drop_table("odl_link_check")
