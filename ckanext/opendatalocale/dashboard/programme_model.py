"""Tables of the ATD's programme: contacts of a collectivité, reminders sent to them and who
is left out (migration 0004 of ``opendatalocale_dashboard``, same MetaData as the others)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from .model import metadata

contact = sa.Table(
    "odl_contact", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("territory_id", sa.Text, nullable=False),
    sa.Column("siren", sa.String(9), nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False, server_default=""),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)
sa.Index("odl_contact_idx", contact.c.territory_id, contact.c.siren)

# A collectivité that asked not to be reminded (or that the ATD follows otherwise).
reminder_exclusion = sa.Table(
    "odl_reminder_exclusion", metadata,
    sa.Column("territory_id", sa.Text, primary_key=True),
    sa.Column("siren", sa.String(9), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)

# One send: its token, given with the preview, makes a second POST of the same form a no-op.
reminder_batch = sa.Table(
    "odl_reminder_batch", metadata,
    sa.Column("token", sa.Text, primary_key=True),
    sa.Column("territory_id", sa.Text, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("intro", sa.Text, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)

reminder_message = sa.Table(
    "odl_reminder_message", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token", sa.Text, nullable=False, index=True),
    sa.Column("territory_id", sa.Text, nullable=False),
    sa.Column("siren", sa.String(9), nullable=False),
    sa.Column("recipients", JSONB, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # sent, failed, no_contact
    sa.Column("error", sa.Text),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=False),
)
sa.Index("odl_reminder_message_idx", reminder_message.c.territory_id, reminder_message.c.siren)
