"""Database objects of the PostgreSQL search index.

The plugin's alembic migration runs :data:`STATEMENTS`; the backend runs them too
when it finds its table missing (CKAN's test fixtures drop every table of the
database, migrations included), so both paths share this one definition.
"""
from __future__ import annotations

TABLE = "opendatalocale_search_index"

STATEMENTS = [
    # unaccent is a trusted extension (PostgreSQL 13+): a database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # Text search configurations: French stemming and plain words, both accent-insensitive.
    """
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'odl_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION odl_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION odl_fr
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'odl_simple') THEN
        CREATE TEXT SEARCH CONFIGURATION odl_simple (COPY = simple);
        ALTER TEXT SEARCH CONFIGURATION odl_simple
          ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
      END IF;
    END $$
    """,
    # Lenient casts: a malformed value in one document must not fail a query.
    """
    CREATE OR REPLACE FUNCTION odl_ts(value text) RETURNS timestamptz
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    BEGIN
      RETURN value::timestamptz;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION odl_num(value text) RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    BEGIN
      RETURN value::numeric;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END $$
    """,
    # Values of a field as text rows, whether it holds one value or a list.
    """
    CREATE OR REPLACE FUNCTION odl_values(value jsonb) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT v FROM jsonb_array_elements_text(
        CASE jsonb_typeof(value) WHEN 'array' THEN value
                                 WHEN 'null' THEN '[]'::jsonb
                                 ELSE jsonb_build_array(value) END) AS v
      WHERE value IS NOT NULL
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION odl_text(value jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(string_agg(v, ' '), '') FROM odl_values(value) AS v
    $$
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
      index_id text PRIMARY KEY,
      id text,
      name text,
      site_id text,
      entity_type text,
      state text,
      dataset_type text,
      capacity text,
      permission_labels text[] NOT NULL DEFAULT '{{}}',
      fields jsonb NOT NULL,
      texts jsonb NOT NULL DEFAULT '{{}}',
      data_dict text,
      validated_data_dict text,
      search_text text NOT NULL DEFAULT '',
      search_vector tsvector NOT NULL,
      indexed_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # Filters and facets read ``fields`` on every matching row: keep it
    # uncompressed (it is small; the large texts live in other columns).
    f"ALTER TABLE {TABLE} ALTER COLUMN fields SET STORAGE EXTERNAL",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_labels_idx ON {TABLE} USING gin (permission_labels)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_fields_idx ON {TABLE} USING gin (fields jsonb_path_ops)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_vector_idx ON {TABLE} USING gin (search_vector)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_id_idx ON {TABLE} (id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_name_idx ON {TABLE} (name)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_modified_idx ON {TABLE} "
    "(odl_ts(fields ->> 'metadata_modified'))",
]

DROP_STATEMENTS = [
    f"DROP TABLE IF EXISTS {TABLE}",
    "DROP FUNCTION IF EXISTS odl_text(jsonb)",
    "DROP FUNCTION IF EXISTS odl_values(jsonb)",
    "DROP FUNCTION IF EXISTS odl_num(text)",
    "DROP FUNCTION IF EXISTS odl_ts(text)",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS odl_simple",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS odl_fr",
]
