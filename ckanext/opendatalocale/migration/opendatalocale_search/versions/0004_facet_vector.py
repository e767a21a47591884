"""Facet term ids as a vector, counted by ts_stat().

Revision ID: 0004_facet_vector
Revises: 0003_hot_words
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from ckanext.opendatalocale.search import ddl

revision = "0004_facet_vector"
down_revision = "0003_hot_words"
branch_labels = None
depends_on = None


def upgrade():
    # Idempotent: adds the column and function, then the recount fills the
    # vector of every dataset already indexed.
    ddl.migrate(lambda statement: op.execute(sa.text(statement)), recount=True)


def downgrade():
    op.execute(sa.text(f"ALTER TABLE {ddl.TABLE} DROP COLUMN IF EXISTS facet_vector"))
    op.execute(sa.text("DROP FUNCTION IF EXISTS odl_facet_vector(integer[])"))
