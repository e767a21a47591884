"""Solr-free search: CKAN's index stored and queried in PostgreSQL."""
