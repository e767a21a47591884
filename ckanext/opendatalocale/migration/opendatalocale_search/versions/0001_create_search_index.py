"""Create the PostgreSQL search index.

Revision ID: 0001_search_index
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from ckanext.opendatalocale.search import ddl

revision = "0001_search_index"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    ddl.migrate(lambda statement: op.execute(sa.text(statement)), recount=False)


def downgrade():
    for statement in ddl.DROP_STATEMENTS:
        op.execute(sa.text(statement))
