"""The ATD's programme: action kinds and dates on the follow-up notes, contacts, reminders
sent and collectivités left out of reminders.

Revision ID: 0004_programme_tables
Revises: 0003_snapshot_matrix
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_programme_tables"
down_revision = "0003_snapshot_matrix"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("odl_followup_note", sa.Column("kind", sa.String(16), nullable=False, server_default="note"))
    op.add_column("odl_followup_note", sa.Column("occurred", sa.Date))
    op.create_table(
        "odl_contact",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("territory_id", sa.Text, nullable=False),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("odl_contact_idx", "odl_contact", ["territory_id", "siren"])
    op.create_table(
        "odl_reminder_exclusion",
        sa.Column("territory_id", sa.Text, primary_key=True),
        sa.Column("siren", sa.String(9), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "odl_reminder_batch",
        sa.Column("token", sa.Text, primary_key=True),
        sa.Column("territory_id", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("intro", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "odl_reminder_message",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token", sa.Text, nullable=False, index=True),
        sa.Column("territory_id", sa.Text, nullable=False),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("recipients", JSONB, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
    )
    op.create_index("odl_reminder_message_idx", "odl_reminder_message", ["territory_id", "siren"])


def downgrade():
    for table in ("odl_reminder_message", "odl_reminder_batch", "odl_reminder_exclusion", "odl_contact"):
        op.drop_table(table)
    op.drop_column("odl_followup_note", "occurred")
    op.drop_column("odl_followup_note", "kind")
