"""Database objects of the PostgreSQL search index.

The plugin's alembic migration runs :data:`STATEMENTS`; the backend runs them too
when it finds its table missing (CKAN's test fixtures drop every table of the
database, migrations included), so both paths share this one definition.
"""
from __future__ import annotations

from typing import Callable

TABLE = "opendatalocale_search_index"
FACET_TABLE = "opendatalocale_search_facet"
DOCUMENT_TABLE = "opendatalocale_search_document"
TERM_TABLE = "opendatalocale_search_term"
HOT_WORD_TABLE = "opendatalocale_search_hot_word"
HOT_FACET_TABLE = "opendatalocale_search_hot_facet"
GENERATION_TABLE = "opendatalocale_search_generation"
# Every search reads from this: the document row is joined (and the join
# removed by PostgreSQL when a query does not refer to ``x``).
FROM_CLAUSE = f"{TABLE} AS d LEFT JOIN {DOCUMENT_TABLE} AS x ON x.index_id = d.index_id"
# Separates a field's name from its value in ``facet_terms``.
TERM_SEPARATOR = "\x1f"

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
    CREATE OR REPLACE FUNCTION odl_sorted(value text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(v ORDER BY v), '{}') FROM (SELECT DISTINCT unnest(value) AS v) AS s
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
      metadata_modified timestamptz,
      metadata_created timestamptz,
      facet_terms text[] NOT NULL DEFAULT '{{}}',
      facet_ids integer[] NOT NULL DEFAULT '{{}}',
      facet_vector tsvector NOT NULL DEFAULT '',
      fields jsonb NOT NULL,
      search_vector tsvector NOT NULL,
      rank_vector tsvector NOT NULL DEFAULT '',
      indexed_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # The long texts and the dataset dicts CKAN reads back, in a table of
    # their own so that index rows stay small enough to be scanned quickly.
    f"""
    CREATE TABLE IF NOT EXISTS {DOCUMENT_TABLE} (
      index_id text PRIMARY KEY REFERENCES {TABLE} (index_id) ON DELETE CASCADE,
      texts jsonb NOT NULL DEFAULT '{{}}',
      data_dict text,
      validated_data_dict text,
      search_text text NOT NULL DEFAULT ''
    )
    """,
    # Installations created before facet_ids (and facet_vector) existed.
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS facet_ids integer[] NOT NULL DEFAULT '{{}}'",
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS facet_vector tsvector NOT NULL DEFAULT ''",
    # The term ids again, as the lexemes of a vector, plus '0' in every row:
    # ts_stat() counts a query's matches and their facet values in one pass
    # of C, where unnesting the ids and grouping them takes the executor
    # twice as long.
    """
    CREATE OR REPLACE FUNCTION odl_facet_vector(ids integer[]) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT array_to_tsvector(CAST(array_prepend(0, ids) AS text[]))
    $$
    """,
    # A text query matching a third of the index reads every matching row:
    # keep the row to what searches read (visibility columns, dates, facet
    # term ids, the small rank vector) and push the field document, the long
    # vector (its GIN index answers the match) and the facet term texts
    # (read only by writes) out of line, in the TOAST table.
    # Below that target every out-of-line-able value would go, the short ones
    # too: those read by searches are MAIN (moved out only past ~2 KB).
    f"ALTER TABLE {TABLE} SET (toast_tuple_target = 256)",
    *(f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET STORAGE EXTERNAL"
      for column in ("fields", "search_vector", "facet_terms")),
    *(f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET STORAGE MAIN"
      for column in ("index_id", "id", "name", "site_id", "entity_type", "state", "dataset_type",
                     "capacity", "permission_labels", "facet_ids", "facet_vector", "rank_vector")),
    # Facet values as small integers: counting them over many rows hashes
    # integers, not strings. Ids are never reused; unused ones are pruned by
    # ``optimize`` (see RECOUNT_STATEMENTS).
    f"""
    CREATE TABLE IF NOT EXISTS {TERM_TABLE} (
      term_id serial PRIMARY KEY,
      field text NOT NULL,
      value text NOT NULL,
      UNIQUE (field, value)
    )
    """,
    f"CREATE INDEX IF NOT EXISTS {TABLE}_labels_idx ON {TABLE} USING gin (permission_labels)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_fields_idx ON {TABLE} USING gin (fields jsonb_path_ops)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_vector_idx ON {TABLE} USING gin (search_vector)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_id_idx ON {TABLE} (id)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_name_idx ON {TABLE} (name)",
    # CKAN's default order (newest first), with the tie-breaker the queries add.
    f"CREATE INDEX IF NOT EXISTS {TABLE}_modified_idx ON {TABLE} "
    "(metadata_modified DESC NULLS LAST, index_id DESC)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_created_idx ON {TABLE} (metadata_created)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_facet_ids_idx ON {TABLE} USING gin (facet_ids)",
    # No query reads facet_terms: its index only slowed writes.
    f"DROP INDEX IF EXISTS {TABLE}_terms_idx",
    # Value counts of the facet fields per combination of CKAN's visibility
    # filters, kept up to date by every write (see connection.py).
    f"""
    CREATE TABLE IF NOT EXISTS {FACET_TABLE} (
      site_id text NOT NULL,
      state text NOT NULL,
      dataset_type text NOT NULL,
      capacity text NOT NULL,
      labels text[] NOT NULL,
      field text NOT NULL,
      value text NOT NULL,
      n integer NOT NULL,
      PRIMARY KEY (site_id, state, dataset_type, capacity, labels, field, value)
    )
    """,
    # Relevance pages of one-word queries rank only the rows whose small
    # vector holds the word (see HOT_WORD_TABLE).
    f"CREATE INDEX IF NOT EXISTS {TABLE}_rank_idx ON {TABLE} USING gin (rank_vector)",
    # Bumped in the transaction of every index write: counts computed in a
    # snapshot whose generation is still the current one are exact.
    f"""
    CREATE TABLE IF NOT EXISTS {GENERATION_TABLE} (
      singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
      n bigint NOT NULL DEFAULT 0
    )
    """,
    f"INSERT INTO {GENERATION_TABLE} (singleton, n) VALUES (TRUE, 0) ON CONFLICT DO NOTHING",
    # The words most datasets contain, whose queries would count facets over
    # a large share of the index: ``optimize`` counts their facet values once
    # (per combination of visibility filters, like FACET_TABLE) and one-word
    # queries read them while no write has happened since.
    f"""
    CREATE TABLE IF NOT EXISTS {HOT_WORD_TABLE} (
      word_key serial PRIMARY KEY,
      query_text text NOT NULL UNIQUE,
      documents integer NOT NULL,
      generation bigint NOT NULL
    )
    """,
    # term_id 0 holds the number of matching datasets.
    f"""
    CREATE TABLE IF NOT EXISTS {HOT_FACET_TABLE} (
      word_key integer NOT NULL,
      site_id text NOT NULL,
      state text NOT NULL,
      dataset_type text NOT NULL,
      capacity text NOT NULL,
      labels text[] NOT NULL,
      term_id integer NOT NULL,
      n integer NOT NULL
    )
    """,
    f"CREATE INDEX IF NOT EXISTS {HOT_FACET_TABLE}_word_idx ON {HOT_FACET_TABLE} (word_key)",
]

# Choose the hot words (after HOT_WORD_CLEAR_STATEMENTS) and count their
# facet values, in one snapshot (the caller runs these in a REPEATABLE READ
# transaction). Candidates are the
# index's most frequent lexemes, each read as the query a user typing it
# sends (French stem or plain word), the form one-word queries are looked up
# by. :limit and :min_documents come from the configuration, :percent is the
# share of the index sampled.
HOT_WORD_CLEAR_STATEMENTS = [
    f"DELETE FROM {HOT_FACET_TABLE}",
    f"DELETE FROM {HOT_WORD_TABLE}",
]
HOT_WORD_STATEMENTS = [
    f"""
    INSERT INTO {HOT_WORD_TABLE} (query_text, documents, generation)
    SELECT q::text, documents, (SELECT n FROM {GENERATION_TABLE})
    FROM (
      SELECT DISTINCT ON (q::text) q, documents
      FROM (
        SELECT to_tsquery('odl_fr', quote_literal(word)) || to_tsquery('odl_simple', quote_literal(word)) AS q,
               documents
        FROM (
          -- OFFSET 0 keeps the queries from being built for every lexeme
          -- of the index before the limit applies.
          -- Frequent words show in a sample as well as in the whole index,
          -- at a fraction of the cost (ts_stat reads every vector it gets).
          SELECT word, ndoc AS documents
          FROM ts_stat(format('SELECT search_vector FROM {TABLE} TABLESAMPLE BERNOULLI (%s) REPEATABLE (7)',
                              CAST(:percent AS numeric)))
          WHERE ndoc * 100.0 / :percent >= :min_documents AND word ~ '^\\w+$'
          ORDER BY ndoc DESC, word
          LIMIT :limit OFFSET 0
        ) AS frequent
      ) AS lexemes
      ORDER BY q::text, documents DESC
    ) AS candidates
    -- Only plain alternatives of single words: what a one-word query sends.
    WHERE q::text ~ '^''[^'' ]+''( \\| ''[^'' ]+'')*$'
    """,
    # Each word's matches must be found through the text index: never by
    # testing every word against every row's long vector.
    f"ANALYZE {HOT_WORD_TABLE}",
    "SET LOCAL enable_seqscan = off",
    "SET LOCAL random_page_cost = 1.1",
    "SET LOCAL jit = off",
]

# Sample size for choosing the hot words.
HOT_WORD_SAMPLE_ROWS = 2000

# The facet value counts of one hot word (:word_key), run once per word so
# that each aggregation stays small enough to be hashed in memory.
HOT_FACET_STATEMENT = f"""
    INSERT INTO {HOT_FACET_TABLE} (word_key, site_id, state, dataset_type, capacity, labels, term_id, n)
    SELECT word_key, site_id, state, dataset_type, capacity, odl_sorted(labels), term_id, sum(n)
    FROM (
      SELECT h.word_key, coalesce(d.site_id, '') AS site_id, coalesce(d.state, '') AS state,
             coalesce(d.dataset_type, '') AS dataset_type, coalesce(d.capacity, '') AS capacity,
             d.permission_labels AS labels, t AS term_id, count(*) AS n
      FROM {HOT_WORD_TABLE} AS h
      JOIN {TABLE} AS d ON d.search_vector @@ CAST(h.query_text AS tsquery)
      CROSS JOIN LATERAL unnest(array_append(d.facet_ids, 0)) AS t
      WHERE h.word_key = :word_key
      GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) AS raw
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    """
HOT_WORD_DOCUMENTS_STATEMENT = f"""
    UPDATE {HOT_WORD_TABLE} AS h SET documents = coalesce(
      (SELECT sum(n) FROM {HOT_FACET_TABLE} AS f WHERE f.word_key = h.word_key AND f.term_id = 0), 0)
    """

DROP_STATEMENTS = [
    f"DROP TABLE IF EXISTS {HOT_FACET_TABLE}",
    f"DROP TABLE IF EXISTS {HOT_WORD_TABLE}",
    f"DROP TABLE IF EXISTS {GENERATION_TABLE}",
    f"DROP TABLE IF EXISTS {FACET_TABLE}",
    f"DROP TABLE IF EXISTS {TERM_TABLE}",
    f"DROP TABLE IF EXISTS {DOCUMENT_TABLE}",
    f"DROP TABLE IF EXISTS {TABLE}",
    "DROP FUNCTION IF EXISTS odl_facet_vector(integer[])",
    "DROP FUNCTION IF EXISTS odl_text(jsonb)",
    "DROP FUNCTION IF EXISTS odl_sorted(text[])",
    "DROP FUNCTION IF EXISTS odl_values(jsonb)",
    "DROP FUNCTION IF EXISTS odl_num(text)",
    "DROP FUNCTION IF EXISTS odl_ts(text)",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS odl_simple",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS odl_fr",
]

# Recompute every facet count and term id from the index (repair, upgrade of
# an index created before facet_ids, or a change of the facet fields followed
# by a rebuild). Run under an exclusive lock on the term table, which every
# writer holds in ROW EXCLUSIVE mode while it resolves its terms.
RECOUNT_STATEMENTS = [
    # Writers take these in the same order (terms, then counts).
    f"LOCK TABLE {TERM_TABLE} IN EXCLUSIVE MODE",
    f"LOCK TABLE {FACET_TABLE} IN EXCLUSIVE MODE",
    f"""
    INSERT INTO {TERM_TABLE} (field, value)
    SELECT DISTINCT split_part(t, E'\\x1f', 1), substr(t, strpos(t, E'\\x1f') + 1)
    FROM {TABLE}, unnest(facet_terms) AS t
    ON CONFLICT DO NOTHING
    """,
    f"""
    UPDATE {TABLE} AS d SET facet_ids = ids.facet_ids
    FROM (SELECT i.index_id, coalesce(array_agg(s.term_id ORDER BY s.term_id)
                                      FILTER (WHERE s.term_id IS NOT NULL), '{{}}') AS facet_ids
          FROM {TABLE} AS i
          LEFT JOIN LATERAL unnest(i.facet_terms) AS t ON TRUE
          LEFT JOIN {TERM_TABLE} AS s
            ON s.field = split_part(t, E'\\x1f', 1) AND s.value = substr(t, strpos(t, E'\\x1f') + 1)
          GROUP BY i.index_id) AS ids
    WHERE d.index_id = ids.index_id AND d.facet_ids IS DISTINCT FROM ids.facet_ids
    """,
    f"""
    UPDATE {TABLE} SET facet_vector = odl_facet_vector(facet_ids)
    WHERE facet_vector IS DISTINCT FROM odl_facet_vector(facet_ids)
    """,
    f"""
    DELETE FROM {TERM_TABLE}
    WHERE term_id NOT IN (SELECT unnest(facet_ids) FROM {TABLE})
    """,
    f"DELETE FROM {FACET_TABLE}",
    f"""
    INSERT INTO {FACET_TABLE} (site_id, state, dataset_type, capacity, labels, field, value, n)
    SELECT coalesce(site_id, ''), coalesce(state, ''), coalesce(dataset_type, ''),
           coalesce(capacity, ''), odl_sorted(permission_labels),
           split_part(t, E'\\x1f', 1), substr(t, strpos(t, E'\\x1f') + 1), count(*)
    FROM {TABLE}, unnest(array_append(facet_terms, E'\\x1f')) AS t
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    """,
]


def migrate(execute: Callable[[str], object], *, recount: bool) -> None:
    """What each migration of the index runs: the statements (idempotent: on
    any database they create only what is missing), then, where rows change
    shape, the recount that fills them."""
    for statement in STATEMENTS + (RECOUNT_STATEMENTS if recount else []):
        execute(statement)
