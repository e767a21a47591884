"""Facet counts of the most frequent words, and the index generation.

Adds the tables of ``optimize``'s hot word counts, the write generation they
are checked against, and the text index on the rank vector.

Revision ID: 0003_hot_words
Revises: 0002_facet_term_ids
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from ckanext.opendatalocale.search import ddl

revision = "0003_hot_words"
down_revision = "0002_facet_term_ids"
branch_labels = None
depends_on = None


def upgrade():
    ddl.migrate(lambda statement: op.execute(sa.text(statement)), recount=False)


def downgrade():
    for table in (ddl.HOT_FACET_TABLE, ddl.HOT_WORD_TABLE, ddl.GENERATION_TABLE):
        op.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    op.execute(sa.text(f"DROP INDEX IF EXISTS {ddl.TABLE}_rank_idx"))
