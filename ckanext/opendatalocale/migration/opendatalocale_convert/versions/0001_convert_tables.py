"""Create the conversion wizard's sessions and the saved recipes.

Revision ID: 0001_convert_tables
Revises:
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0001_convert_tables"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "odl_convert_session",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("package_id", sa.Text),
        sa.Column("owner_org", sa.Text),
        sa.Column("schema_name", sa.Text, nullable=False),
        sa.Column("schema_version", sa.Text),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("source_resource_id", sa.Text),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("columns", sa.Text),
        sa.Column("constants", sa.Text),
        sa.Column("recipe_origin", sa.Text),
        sa.Column("recipe_diff", sa.Text),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("updated", sa.DateTime, nullable=False),
    )
    op.create_index("ix_odl_convert_session_updated", "odl_convert_session", ["updated"])
    op.create_table(
        "odl_convert_recipe",
        sa.Column("owner_type", sa.Text, primary_key=True),
        sa.Column("owner_id", sa.Text, primary_key=True),
        sa.Column("schema_name", sa.Text, primary_key=True),
        sa.Column("recipe", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text),
        sa.Column("user_id", sa.Text),
        sa.Column("updated", sa.DateTime, nullable=False),
    )


def downgrade():
    op.drop_table("odl_convert_recipe")
    op.drop_table("odl_convert_session")
