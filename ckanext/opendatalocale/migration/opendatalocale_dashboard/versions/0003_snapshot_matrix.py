"""The matrix row of each snapshot in its own small column, so the matrix reads and totals
thousands of collectivités without decoding their whole indicators.

Revision ID: 0003_snapshot_matrix
Revises: 0002_snapshot_columns
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_snapshot_matrix"
down_revision = "0002_snapshot_columns"
branch_labels = None
depends_on = None

# {"name", "insee", "cells": [[schema, state, version, validated_at, error_count], ...]} in
# the expected order, as refresh.matrix_row writes it.
BACKFILL = """
UPDATE odl_indicator_snapshot SET matrix = jsonb_build_object(
    'name', indicators -> 'name', 'insee', indicators -> 'insee',
    'cells', coalesce((
        SELECT jsonb_agg(jsonb_build_array(x.schema, c ->> 'state', c -> 'version', c -> 'validated_at',
                                           c -> 'error_count') ORDER BY x.n)
        FROM jsonb_array_elements_text(indicators -> 'scdl' -> 'expected') WITH ORDINALITY AS x(schema, n)
        CROSS JOIN LATERAL (SELECT indicators -> 'scdl' -> 'cells' -> x.schema AS c) cell), '[]'::jsonb))
"""


def upgrade():
    op.add_column("odl_indicator_snapshot", sa.Column("matrix", JSONB))
    op.execute(BACKFILL)


def downgrade():
    op.drop_column("odl_indicator_snapshot", "matrix")
