"""Tables of the territorial consolidation, on a feature-local MetaData (created by the
``opendatalocale_consolidation`` migrations, never by ``create_all`` at run time).

One *set* per territory × schema. Each public resource of the set is a *source*; its valid
rows (carried to the schema's latest version) and its rejected rows are stored per source, so
a run reads again only the sources whose content changed. ``winner`` marks, among rows with
the same key, the one the consolidated file keeps: the first stored, and when it leaves, the
first remaining by (resource id, row number); a full run stores every source again in
resource id order, so it gives the same choice whatever the history."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

consolidation_set = sa.Table(
    "odl_consolidation_set", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("territory_id", sa.Text, nullable=False),
    sa.Column("schema_name", sa.Text, nullable=False),
    sa.Column("latest_version", sa.Text, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejects", sa.Integer, nullable=False, server_default="0"),
    sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
    sa.Column("resources", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sirens", JSONB, nullable=False, server_default="[]"),
    sa.Column("period_start", sa.Date),
    sa.Column("period_end", sa.Date),
    sa.Column("last_run", sa.DateTime),
    sa.Column("last_full_run", sa.DateTime),
    sa.Column("dataset_id", sa.Text),
    sa.Column("dataset_name", sa.Text),
    sa.Column("csv_resource_id", sa.Text),
    sa.Column("reject_resource_id", sa.Text),
    # What could not be carried between versions, publication problems: [{"fr", "en"}, ...]
    sa.Column("notes", JSONB, nullable=False, server_default="[]"),
    sa.UniqueConstraint("territory_id", "schema_name", name="odl_consolidation_set_key"),
)

source = sa.Table(
    "odl_consolidation_source", metadata,
    sa.Column("set_id", sa.Text, primary_key=True),
    sa.Column("resource_id", sa.Text, primary_key=True),
    sa.Column("package_id", sa.Text, nullable=False),
    sa.Column("siren", sa.String(9)),
    sa.Column("collectivite", sa.Text),
    # URL, upload time, size, declared version, latest version: a change means "read again".
    sa.Column("content_key", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text),
    sa.Column("source_version", sa.Text),
    sa.Column("read_at", sa.DateTime, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejects", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.Text, nullable=False),  # "read" or "error"
    sa.Column("notes", JSONB, nullable=False, server_default="[]"),
    sa.Column("period_start", sa.Date),  # first and last date of the schema's first date field
    sa.Column("period_end", sa.Date),
)

row = sa.Table(
    "odl_consolidation_row", metadata,
    sa.Column("set_id", sa.Text, nullable=False),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),  # as a spreadsheet counts (header = 1)
    sa.Column("key", sa.Text, nullable=False),  # md5 of the primary key (or of the whole row)
    sa.Column("winner", sa.Boolean, nullable=False),
    # The cells in the latest version's field order, as one line of the consolidated CSV.
    sa.Column("line", sa.Text, nullable=False),
)
sa.Index("odl_consolidation_row_source_idx", row.c.set_id, row.c.resource_id, row.c.row_number)
sa.Index("odl_consolidation_row_key_idx", row.c.set_id, row.c.key)

reject = sa.Table(
    "odl_consolidation_reject", metadata,
    sa.Column("set_id", sa.Text, nullable=False),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("row_number", sa.Integer),  # None: the whole file
    sa.Column("data", JSONB, nullable=False),  # the row as read
    sa.Column("reason", JSONB, nullable=False),  # {"fr", "en"}
)
sa.Index("odl_consolidation_reject_source_idx", reject.c.set_id, reject.c.resource_id)

# Every time a source's bytes were read, and why: operators (and tests) see what a run did.
read_log = sa.Table(
    "odl_consolidation_read", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("set_id", sa.Text, nullable=False),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("run_id", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),  # new, changed, full
    sa.Column("read_at", sa.DateTime, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("rejects", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
)
sa.Index("odl_consolidation_read_set_idx", read_log.c.set_id, read_log.c.read_at)
