"""Facet values as integer ids, and a narrower index row.

Adds the term table and ``facet_ids``, moves the field document and the long
vector out of the row, and fills the ids of the datasets already indexed.

Revision ID: 0002_facet_term_ids
Revises: 0001_search_index
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from ckanext.opendatalocale.search import ddl

revision = "0002_facet_term_ids"
down_revision = "0001_search_index"
branch_labels = None
depends_on = None


def upgrade():
    # Every statement is idempotent: on a new database 0001 already made the
    # final schema and this only recounts an empty index.
    # The recount rewrites every row that has facet values, which stores it
    # in the new, narrower layout.
    ddl.migrate(lambda statement: op.execute(sa.text(statement)), recount=True)


def downgrade():
    op.execute(sa.text(f"ALTER TABLE {ddl.TABLE} DROP COLUMN IF EXISTS facet_ids"))
    op.execute(sa.text(f"DROP TABLE IF EXISTS {ddl.TERM_TABLE}"))
