"""Territorial consolidation: per territory and SCDL schema, one set of the valid rows of every
public resource, carried to the schema's latest version, with rejects and provenance.

Read it with :mod:`.store` (``store.rows``, ``store.summary``)."""
