"""The link checker's table (created by the ``opendatalocale_linkcheck`` migration)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

# One row per resource: the last conclusive check, the last success and the last error.
link_check = sa.Table(
    "odl_link_check", metadata,
    sa.Column("resource_id", sa.Text, primary_key=True),
    sa.Column("package_id", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("ok", sa.Boolean),
    sa.Column("status", sa.Integer),
    sa.Column("code", sa.String(40)),
    sa.Column("method", sa.String(4)),
    sa.Column("message", JSONB(none_as_null=True)),
    sa.Column("final_url", sa.Text),
    # Validators of the last answer, sent back as If-None-Match / If-Modified-Since.
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("checked_at", sa.DateTime),
    sa.Column("last_success", sa.DateTime),
    sa.Column("last_error_at", sa.DateTime),
    sa.Column("last_error", JSONB(none_as_null=True)),  # {"code", "status", "message"}
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),  # consecutive
    # Not before this date: a server's Retry-After longer than the client accepts.
    sa.Column("next_check", sa.DateTime),
)
sa.Index("odl_link_check_package_idx", link_check.c.package_id)
